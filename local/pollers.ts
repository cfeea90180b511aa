/**
 * Local event-source mappings: they do for `npm start` what Lambda's MSK and Kinesis event sources do
 * on AWS. A batch is at most `batchSize` records, gathered for up to `windowMs`, shaped exactly like
 * Lambda's event; offsets (or the shard position) advance only once the batch is done.
 *
 * Kafka concurrency, as Lambda's MSK event source: one invocation at a time per partition (records
 * of a partition stay in order), the partitions' invocations concurrently (bounded by
 * `maxConcurrency`). A partition is invoked once it holds `batchSize` records or its oldest waiting
 * record has waited `windowMs`; the poller looks every `pollMs`.
 *
 * Kafka: a failing batch is handled as the deployed MSK event source handles it with the
 * error-handling controls of deploy/event-sources.json (local/redelivery.ts): bounded retries with
 * backoff, bisection down to the failing record, partial batch responses (`batchItemFailures`)
 * honoured, and what is given up written to the on-failure directory (local/failed-batches.ts), after
 * which the poller commits past it. Kinesis (drain): a failed batch is retried with backoff until it
 * succeeds, as its deployed event source does (maximumRetryAttempts -1).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KinesisStreamEvent, MSKEvent } from 'aws-lambda';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type _Record } from '@aws-sdk/client-kinesis';
import { TopicReader, type TopicRecord } from '../shared/adapters/kafka-consumer.ts';
import { getKinesis } from '../shared/adapters/kinesis.ts';
import * as config from '../shared/config.ts';
import { toMskEvent, type MessageInput } from '../shared/msk.ts';
import { writeFailedBatch } from './failed-batches.ts';
import { deliver, type RedeliveryPolicy } from './redelivery.ts';

export interface Poller {
  readonly name: string;
  stop(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });

/** Wait before retry number `failures` of a failed batch: 1 s, 2 s, 4 s, ... up to `maxMs`. */
function backoff(failures: number, maxMs = 30_000): number {
  return Math.min(maxMs, 500 * 2 ** Math.min(failures, 6));
}

export interface KafkaPollerOptions {
  name: string;
  topic: string;
  groupId: string;
  batchSize: number;
  windowMs: number;
  handler: (event: MSKEvent) => Promise<unknown>;
  log?: (msg: string) => void;
  /** Longest wait between retries of a failed batch (backoff doubles from 1 s up to it; 30 s by default). */
  maxBackoffMs?: number;
  /** The error-handling controls (default: retry for ever, no bisection: Lambda's defaults). */
  redelivery?: RedeliveryPolicy;
  /** The on-failure directory (required when the policy can give records up). */
  failedDir?: string;
  /** How often the poller looks for new records (100 ms by default). */
  pollMs?: number;
  /** Most invocations at a time (default: one per partition, as Lambda's Kafka event source). */
  maxConcurrency?: number;
}

/** The poller's cadence: with a batching window of 0, the longest a record waits to be picked up. */
export const DEFAULT_POLL_MS = 100;

/** Lambda's defaults for a Kafka event source: retry for ever, never split, no partial responses. */
export const RETRY_FOREVER: RedeliveryPolicy = { maximumRetryAttempts: -1, maximumRecordAgeSeconds: -1, bisectBatchOnFunctionError: false, reportBatchItemFailures: false };

type PolledRecord = MessageInput & { timestamp: number };

/** Hands a batch to the function under the error-handling controls (local/redelivery.ts). */
function batchDelivery(opts: KafkaPollerOptions, signal: AbortSignal, log: (msg: string) => void): (records: PolledRecord[]) => Promise<unknown> {
  const policy = opts.redelivery ?? RETRY_FOREVER;
  return (records) =>
    deliver(records, policy, {
      invoke: (rs) => opts.handler(toMskEvent(rs)),
      giveUp: async (rs, condition, error, attempts) => {
        if (!opts.failedDir) throw new Error(`[${opts.name}] has no on-failure directory; not giving up ${rs.length} record(s)`);
        const file = writeFailedBatch(opts.failedDir, opts.name, rs, condition, error, attempts);
        log(`[${opts.name}] gave up ${rs.length} record(s) (${condition}: ${error}); kept in ${file} (sluice failed redrive)`);
      },
      wait: async (attempt) => {
        await sleep(backoff(attempt, opts.maxBackoffMs), signal);
        if (signal.aborted) throw new Error('poller stopped'); // nothing of the batch is committed
      },
      now: Date.now,
      log: (m) => log(`[${opts.name}] ${m}`),
    });
}

export function startKafkaPoller(opts: KafkaPollerOptions): Poller {
  const ac = new AbortController();
  const log = opts.log ?? ((m: string) => console.log(m));
  const reader = new TopicReader({ topic: opts.topic, groupId: opts.groupId });
  // Each partition's invocations read and commit through a client of their own, as Lambda's
  // pollers do: a broker answers the requests of one connection in order, so partitions sharing
  // one would wait behind each other's fetches.
  const laneReaders = new Map<number, TopicReader>();
  const readerFor = (partition: number): TopicReader => {
    let r = laneReaders.get(partition);
    if (!r) laneReaders.set(partition, (r = new TopicReader({ topic: opts.topic, groupId: opts.groupId, clientId: `sluice-poller-${opts.groupId}-${partition}` })));
    return r;
  };
  const deliverBatch = batchDelivery(opts, ac.signal, log);
  /** One invocation over one partition's records from `start`: read, deliver, commit. */
  const invokePartition = async (partition: number, start: bigint, end: bigint): Promise<bigint> => {
    const reader = readerFor(partition);
    const records: TopicRecord[] = [];
    const reached = await reader.read([{ partition, start, end }], {
      deadlineMs: Date.now() + 10_000,
      onRecord: (r) => {
        records.push(r);
        return records.length < opts.batchSize;
      },
    });
    if (records.length > 0) await deliverBatch(records.map((r) => toMessage(opts.topic, r)));
    await reader.commit(reached);
    return reached.get(partition) ?? start;
  };
  const positions = new Positions(reader);
  const lanes = new Map<number, Lane>();
  const running = new Set<Promise<void>>();
  const limit = opts.maxConcurrency ?? Number.POSITIVE_INFINITY;
  const dispatch = (lane: Lane, start: bigint, end: bigint) => {
    lane.busy = true;
    lane.pendingSince = undefined;
    const run = invokePartition(lane.partition, start, end).then(
      (next) => {
        lane.failures = 0;
        positions.committed(lane.partition, next);
      },
      async (err: unknown) => {
        lane.failures++;
        const wait = backoff(lane.failures, opts.maxBackoffMs);
        log(`[${opts.name}] batch of partition ${lane.partition} failed (${describeFailure(err)}); retrying in ${Math.round(wait / 1000)} s`);
        await sleep(wait, ac.signal);
      },
    ).finally(() => {
      lane.busy = false;
      running.delete(run);
    });
    running.add(run);
  };
  const loop = (async () => {
    let failures = 0;
    while (!ac.signal.aborted) {
      try {
        const now = Date.now();
        for (const p of await positions.read((partition) => lanes.get(partition)?.busy === true)) {
          let lane = lanes.get(p.partition);
          if (!lane) lanes.set(p.partition, (lane = { partition: p.partition, busy: false, failures: 0 }));
          const pending = Number(p.latest - p.start);
          if (pending <= 0) {
            lane.pendingSince = undefined;
            continue;
          }
          lane.pendingSince ??= now; // the batching window runs from when records were first seen waiting
          if (lane.busy || running.size >= limit) continue;
          if (pending >= opts.batchSize || now - lane.pendingSince >= opts.windowMs) dispatch(lane, p.start, p.latest);
        }
        failures = 0;
        await sleep(opts.pollMs ?? pollEvery(opts.windowMs), ac.signal);
      } catch (err) {
        failures++;
        const wait = backoff(failures, opts.maxBackoffMs);
        log(`[${opts.name}] polling failed (${(err as Error).message}); retrying in ${Math.round(wait / 1000)} s`);
        await sleep(wait, ac.signal);
      }
    }
    await Promise.all([...running]);
  })();
  return {
    name: opts.name,
    stop: async () => {
      ac.abort();
      await loop;
      await Promise.all([reader, ...laneReaders.values()].map((r) => r.close()));
    },
  };
}

/** An error's message, with the causes a client's retries gathered (MultipleErrors), which say what actually went wrong. */
export function describeFailure(err: unknown): string {
  const e = err as Error & { errors?: unknown[] };
  const causes = Array.isArray(e.errors) ? [...new Set(e.errors.map((c) => (c as Error)?.message ?? String(c)))] : [];
  return causes.length > 0 ? `${e.message} ${causes.slice(0, 3).join('; ')}` : (e?.message ?? String(err));
}

/** The cadence for a batching window: a tenth of it, from DEFAULT_POLL_MS (a window of 0) up to 1 s. */
export function pollEvery(windowMs: number): number {
  return Math.min(1_000, Math.max(DEFAULT_POLL_MS, Math.round(windowMs / 10)));
}

/**
 * Where each partition's next invocation starts and where the partition ends. The committed offsets
 * are read from the group every FULL_POSITIONS_MS (three requests: they also catch a commit made by
 * someone else, e.g. `sluice failed redrive`); in between, only the high watermarks (one request),
 * the starts kept from the poller's own commits. A refresh does not move the start of a partition
 * whose invocation was busy or committed while it was being read (its answer is older than that).
 */
class Positions {
  private readonly starts = new Map<number, bigint>();
  private readonly commits = new Map<number, number>();
  private fullAt = 0;

  constructor(private readonly reader: TopicReader) {}

  async read(busy: (partition: number) => boolean): Promise<{ partition: number; start: bigint; latest: bigint }[]> {
    const now = Date.now();
    if (now - this.fullAt < FULL_POSITIONS_MS && this.starts.size > 0) {
      const latest = await this.reader.latestOffsets();
      return [...latest].map(([partition, l]) => ({ partition, start: this.starts.get(partition) ?? l, latest: l }));
    }
    const before = new Map(this.commits);
    const all = await this.reader.positions();
    this.fullAt = now;
    for (const p of all) if (!busy(p.partition) && before.get(p.partition) === this.commits.get(p.partition)) this.starts.set(p.partition, p.start);
    return all.map((p) => ({ partition: p.partition, start: this.starts.get(p.partition) ?? p.start, latest: p.latest }));
  }

  /** The partition's invocation committed up to `next`. */
  committed(partition: number, next: bigint): void {
    this.starts.set(partition, next);
    this.commits.set(partition, (this.commits.get(partition) ?? 0) + 1);
  }
}

/** How often a poller reads its group's committed offsets (between, it counts on its own commits). */
const FULL_POSITIONS_MS = 5_000;

/** One partition's invocation state: at most one invocation per partition at a time, in offset order. */
interface Lane {
  partition: number;
  busy: boolean;
  /** When records were first seen waiting in the partition (the batching window's start). */
  pendingSince?: number;
  failures: number;
}

function toMessage(topic: string, r: TopicRecord): PolledRecord {
  return {
    topic,
    partition: r.partition,
    offset: Number(r.offset),
    timestamp: Number(r.timestamp),
    key: r.key,
    value: r.value ?? Buffer.alloc(0),
    headers: Object.fromEntries(r.headers.filter(([k]) => k).map(([k, v]) => [k!.toString('utf8'), v ?? Buffer.alloc(0)])),
  };
}

export interface KinesisPollerOptions {
  name: string;
  stream: string;
  batchSize: number;
  handler: (event: KinesisStreamEvent) => Promise<unknown>;
  /** Where shard positions are kept between runs. */
  checkpointFile: string;
  log?: (msg: string) => void;
  /** Longest wait between retries of a failed batch (30 s by default). */
  maxBackoffMs?: number;
}

function toKinesisEvent(stream: string, shardId: string, records: _Record[]): KinesisStreamEvent {
  const region = config.region();
  return {
    Records: records.map((r) => ({
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${r.SequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: 'arn:aws:iam::000000000000:role/sluice-local',
      awsRegion: region,
      eventSourceARN: `arn:aws:kinesis:${region}:000000000000:stream/${stream}`,
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.PartitionKey ?? '',
        sequenceNumber: r.SequenceNumber ?? '',
        approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp ?? new Date()).getTime() / 1000,
        data: Buffer.from(r.Data ?? new Uint8Array()).toString('base64'),
      },
    })),
  };
}

export function startKinesisPoller(opts: KinesisPollerOptions): Poller {
  const ac = new AbortController();
  const log = opts.log ?? ((m: string) => console.log(m));
  const k = getKinesis();
  const checkpoints: Record<string, string> = existsSync(opts.checkpointFile)
    ? (JSON.parse(readFileSync(opts.checkpointFile, 'utf8')) as Record<string, string>)
    : {};
  const save = () => {
    mkdirSync(join(opts.checkpointFile, '..'), { recursive: true });
    writeFileSync(opts.checkpointFile, JSON.stringify(checkpoints));
  };
  const loop = (async () => {
    let failures = 0;
    while (!ac.signal.aborted) {
      try {
        const { StreamDescription } = await k.send(new DescribeStreamCommand({ StreamName: opts.stream }));
        // Positions are per incarnation of the stream: a stream deleted and created again (kinesalite
        // keeps streams in memory only) starts from its beginning, not from a stale sequence number.
        const incarnation = `${opts.stream}@${StreamDescription?.StreamCreationTimestamp?.getTime() ?? 0}`;
        let got = 0;
        for (const shard of StreamDescription?.Shards ?? []) {
          const shardId = shard.ShardId!;
          const cp = `${incarnation}/${shardId}`;
          const after = checkpoints[cp];
          const { ShardIterator } = await k.send(
            new GetShardIteratorCommand({
              StreamName: opts.stream,
              ShardId: shardId,
              ...(after ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: after } : { ShardIteratorType: 'TRIM_HORIZON' }),
            }),
          );
          const out = await k.send(new GetRecordsCommand({ ShardIterator, Limit: opts.batchSize }));
          const records = out.Records ?? [];
          if (records.length === 0) continue;
          await opts.handler(toKinesisEvent(opts.stream, shardId, records));
          for (const key of Object.keys(checkpoints)) if (key.startsWith(`${opts.stream}@`) && !key.startsWith(`${incarnation}/`)) delete checkpoints[key];
          checkpoints[cp] = records[records.length - 1]!.SequenceNumber!;
          save();
          got += records.length;
        }
        failures = 0;
        if (got === 0) await sleep(1000, ac.signal);
      } catch (err) {
        failures++;
        const wait = backoff(failures, opts.maxBackoffMs);
        log(`[${opts.name}] batch failed (${(err as Error).message}); retrying in ${Math.round(wait / 1000)} s`);
        await sleep(wait, ac.signal);
      }
    }
  })();
  return { name: opts.name, stop: async () => { ac.abort(); await loop; } };
}
