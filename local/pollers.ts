/**
 * Local event-source mappings: they do for `npm start` what Lambda's MSK and Kinesis event sources do
 * on AWS. A batch is at most `batchSize` records, gathered for up to `windowMs`, shaped exactly like
 * Lambda's event; offsets (or the shard position) advance only after the handler succeeded, and a
 * failed batch is retried with backoff, as Lambda retries until the records succeed.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KinesisStreamEvent, MSKEvent } from 'aws-lambda';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, type _Record } from '@aws-sdk/client-kinesis';
import { TopicReader, type TopicRecord } from '../shared/adapters/kafka-consumer.ts';
import { getKinesis } from '../shared/adapters/kinesis.ts';
import * as config from '../shared/config.ts';
import { toMskEvent } from '../shared/msk.ts';

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
}

export function startKafkaPoller(opts: KafkaPollerOptions): Poller {
  const ac = new AbortController();
  const log = opts.log ?? ((m: string) => console.log(m));
  const reader = new TopicReader({ topic: opts.topic, groupId: opts.groupId });
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
        if (records.length > 0) {
          const event = toMskEvent(
            records.map((r) => ({
              topic: opts.topic,
              partition: r.partition,
              offset: Number(r.offset),
              timestamp: Number(r.timestamp),
              key: r.key,
              value: r.value ?? Buffer.alloc(0),
              headers: Object.fromEntries(r.headers.filter(([k]) => k).map(([k, v]) => [k!.toString('utf8'), v ?? Buffer.alloc(0)])),
            })),
          );
          await opts.handler(event);
        }
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
