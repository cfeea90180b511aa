/**
 * Local event-source mappings: they do for `npm start` what Lambda's MSK and Kinesis event sources do
 * on AWS. A batch is at most `batchSize` records, gathered for up to `windowMs`, shaped exactly like
 * Lambda's event; offsets (or the shard position) advance only once the batch is done.
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
}

/** Lambda's defaults for a Kafka event source: retry for ever, never split, no partial responses. */
export const RETRY_FOREVER: RedeliveryPolicy = { maximumRetryAttempts: -1, maximumRecordAgeSeconds: -1, bisectBatchOnFunctionError: false, reportBatchItemFailures: false };

type PolledRecord = MessageInput & { timestamp: number };

export function startKafkaPoller(opts: KafkaPollerOptions): Poller {
  const ac = new AbortController();
  const log = opts.log ?? ((m: string) => console.log(m));
  const reader = new TopicReader({ topic: opts.topic, groupId: opts.groupId });
  const policy = opts.redelivery ?? RETRY_FOREVER;
  const deliverBatch = (records: PolledRecord[]) =>
    deliver(records, policy, {
      invoke: (rs) => opts.handler(toMskEvent(rs)),
      giveUp: async (rs, condition, error, attempts) => {
        if (!opts.failedDir) throw new Error(`[${opts.name}] has no on-failure directory; not giving up ${rs.length} record(s)`);
        const file = writeFailedBatch(opts.failedDir, opts.name, rs, condition, error, attempts);
        log(`[${opts.name}] gave up ${rs.length} record(s) (${condition}: ${error}); kept in ${file} (sluice failed redrive)`);
      },
      wait: async (attempt) => {
        await sleep(backoff(attempt, opts.maxBackoffMs), ac.signal);
        if (ac.signal.aborted) throw new Error('poller stopped'); // nothing of the batch is committed
      },
      now: Date.now,
      log: (m) => log(`[${opts.name}] ${m}`),
    });
  const loop = (async () => {
    let failures = 0;
    while (!ac.signal.aborted) {
      try {
        let positions = await reader.positions();
        let pending = positions.reduce((n, p) => n + Number(p.latest - p.start), 0);
        if (pending === 0) {
          await sleep(250, ac.signal);
          continue;
        }
        if (pending < opts.batchSize && opts.windowMs > 0) {
          await sleep(opts.windowMs, ac.signal); // the batching window: let the batch fill
          positions = await reader.positions();
        }
        const records: TopicRecord[] = [];
        const reached = await reader.read(
          positions.filter((p) => p.latest > p.start).map((p) => ({ partition: p.partition, start: p.start, end: p.latest })),
          {
            deadlineMs: Date.now() + 10_000,
            onRecord: (r) => {
              records.push(r);
              return records.length < opts.batchSize;
            },
          },
        );
        if (records.length > 0) await deliverBatch(records.map((r) => toMessage(opts.topic, r)));
        await reader.commit(reached);
        failures = 0;
      } catch (err) {
        failures++;
        const wait = backoff(failures, opts.maxBackoffMs);
        log(`[${opts.name}] batch failed (${(err as Error).message}); retrying in ${Math.round(wait / 1000)} s`);
        await sleep(wait, ac.signal);
      }
    }
  })();
  return {
    name: opts.name,
    stop: async () => {
      ac.abort();
      await loop;
      await reader.close();
    },
  };
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
