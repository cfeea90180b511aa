/**
 * drain against the real local Kafka, kinesalite and MinIO: records that ingest's delivery spilled
 * (Kafka unreachable: a broker address nothing listens on) are republished by `drain` with their
 * bytes and keys unchanged, including a claim-checked 1.2 MB value; the same Kinesis batch delivered
 * a second time (as the event source does after a failed or timed-out invocation) succeeds again and
 * republishes the same records, because drain never deletes the claim checks it reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { KinesisStreamEvent } from 'aws-lambda';
import { ensureBucket, ensureKafkaTopics, ensureSpillStream } from '../../local/bootstrap.ts';
import { resetProducer, type KafkaRecord } from '../../shared/adapters/kafka.ts';
import { getKinesis } from '../../shared/adapters/kinesis.ts';
import { getS3 } from '../../shared/adapters/s3.ts';
import * as config from '../../shared/config.ts';
import { deliver } from '../../shared/delivery.ts';
import { claimCheckKey } from '../../shared/delivery/framing.ts';
import { drain } from '../../functions/drain.ts';
import { readTopic } from '../support/kafka.ts';

const run = Date.now().toString(36);
const saved = { ...process.env };

/** Every record of the stream (all shards, from the start), as the Kinesis event source delivers them. */
async function streamAsEvent(expected: number): Promise<KinesisStreamEvent> {
  const k = getKinesis();
  const stream = config.kinesis().spillStream;
  const Records: KinesisStreamEvent['Records'] = [];
  const { StreamDescription } = await k.send(new DescribeStreamCommand({ StreamName: stream }));
  for (const shard of StreamDescription?.Shards ?? []) {
    let iterator = (await k.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' })))
      .ShardIterator;
    for (let i = 0; i < 5 && iterator; i++) {
      const out = await k.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of out.Records ?? []) {
        Records.push({
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: `${shard.ShardId}:${r.SequenceNumber}`,
          eventName: 'aws:kinesis:record',
          invokeIdentityArn: 'arn:aws:iam::123456789012:role/drain',
          awsRegion: config.region(),
          eventSourceARN: `arn:aws:kinesis:${config.region()}:123456789012:stream/${stream}`,
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: r.PartitionKey!,
            sequenceNumber: r.SequenceNumber!,
            approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp ?? new Date()).getTime() / 1000,
            data: Buffer.from(r.Data!).toString('base64'),
          },
        });
      }
      iterator = out.NextShardIterator;
      if ((out.Records ?? []).length === 0 && Records.length >= expected) break;
    }
  }
  return { Records };
}

const envelope = (id: string, raw: string) => Buffer.from(JSON.stringify({ v: 1, tenant: `drain-${run}`, id, raw }));
const records: KafkaRecord[] = [
  { topic: `test.drain.${run}`, key: `drain-${run}`, value: envelope(`${run}-1`, 'first line') },
  { topic: `test.drain.${run}`, key: `drain-${run}#1`, value: envelope(`${run}-2`, 'second line\nwith a newline') },
  // Too large for a Kinesis record: claim-checked in S3.
  { topic: `test.drain.${run}`, key: `drain-${run}`, value: envelope(`${run}-3`, 'x'.repeat(1_200_000)) },
  { topic: `test.drain.${run}`, key: `drain-${run}#2`, value: envelope(`${run}-4`, 'fourth line') },
];

beforeAll(async () => {
  process.env.SLUICE_TOPIC_RAW = `test.drain.${run}`;
  process.env.SPILL_STREAM = `sluice-spill-test-drain-${run}`;
  await Promise.all([ensureKafkaTopics(), ensureSpillStream(), ensureBucket()]);
});

afterAll(async () => {
  process.env = saved;
  await resetProducer();
});

describe('drain', () => {
  it('republishes every spilled record exactly as sent, and succeeds again when the same batch is redelivered', async () => {
    // Kafka unreachable: a port nothing listens on. Delivery spills, claim-checking the large value.
    await resetProducer();
    process.env.KAFKA_BROKERS = '127.0.0.1:1';
    process.env.KAFKA_PRODUCE_TIMEOUT_MS = '2000';
    process.env.KAFKA_CONNECT_TIMEOUT_MS = '500';
    const outcome = await deliver([records]);
    expect(outcome).toMatchObject({ to: 'spill', spilled: 4, claimChecked: 1 });
    process.env.KAFKA_BROKERS = saved.KAFKA_BROKERS ?? '';
    process.env.KAFKA_PRODUCE_TIMEOUT_MS = saved.KAFKA_PRODUCE_TIMEOUT_MS ?? '';
    process.env.KAFKA_CONNECT_TIMEOUT_MS = saved.KAFKA_CONNECT_TIMEOUT_MS ?? '';
    await resetProducer();

    const event = await streamAsEvent(4);
    expect(event.Records).toHaveLength(4);

    expect(await drain(event)).toEqual({ republished: 4, missingClaimChecks: 0, unreadable: 0 });
    // The same batch again: before, the claim check was deleted and this threw NoSuchKey for ever.
    expect(await drain(event)).toEqual({ republished: 4, missingClaimChecks: 0, unreadable: 0 });
    const head = await getS3().send(new HeadObjectCommand({ Bucket: config.s3().archiveBucket, Key: claimCheckKey(records[2]!.value) }));
    expect(head.ContentLength).toBe(records[2]!.value.byteLength);

    // Every record is on the topic twice (once per delivery), with its key and value byte for byte,
    // and nothing else is.
    const got = await readTopic(`test.drain.${run}`, (rs) => rs.length >= 8, 60_000);
    const seen = (r: { key: Buffer | string | null; value: Buffer }) => `${r.key?.toString()}|${r.value.toString('base64')}`;
    const expected = records.flatMap((r) => [seen(r), seen(r)]).sort();
    expect(got.map(seen).sort()).toEqual(expected);
  }, 180_000);
});
