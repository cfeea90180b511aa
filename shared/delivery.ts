/**
 * Durable delivery of ingest's records: Kafka first; when Kafka does not acknowledge in time, the
 * Kinesis spill stream (the `drain` function republishes from there to Kafka later, with the same
 * event ids). Resolves only when every record is durably written to one of the two.
 *
 * Spill framing: one JSON header line `{"t":topic,"k":key}` then the Kafka value's bytes. A Kinesis
 * record holds at most 1 MiB, and an event may be 1 MB before its envelope, so a record that does
 * not fit is stored in the archive bucket under `spill/` and the stream carries a pointer to it
 * (`{"t","k","s3":key}`): the claim-check pattern. `drain` reads it back and deletes it.
 */
import { createHash } from 'node:crypto';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import * as config from './config.ts';
import { produce, type KafkaRecord } from './adapters/kafka.ts';
import { putAll, type SpillRecord } from './adapters/kinesis.ts';
import { getS3 } from './adapters/s3.ts';

export class DeliveryFailedError extends Error {
  override readonly name = 'DeliveryFailedError';
}

/** Kinesis's limit is 1 MiB for data plus partition key; keep a margin. */
export const MAX_INLINE_SPILL_BYTES = 1_000_000;

interface SpillHeader {
  t: string;
  k: string;
  s3?: string;
}

export async function encodeSpill(r: KafkaRecord): Promise<SpillRecord> {
  const inline = Buffer.concat([Buffer.from(JSON.stringify({ t: r.topic, k: r.key } satisfies SpillHeader) + '\n'), r.value]);
  if (inline.byteLength + Buffer.byteLength(r.key) <= MAX_INLINE_SPILL_BYTES) {
    return { partitionKey: r.key, data: inline };
  }
  const objectKey = `spill/${createHash('sha256').update(r.value).digest('hex')}`;
  await getS3().send(new PutObjectCommand({ Bucket: config.s3().archiveBucket, Key: objectKey, Body: r.value }));
  return { partitionKey: r.key, data: Buffer.from(JSON.stringify({ t: r.topic, k: r.key, s3: objectKey } satisfies SpillHeader)) };
}

/** Reads a spill record back into the Kafka record it stands for (fetching a claim-checked value). */
export async function decodeSpill(data: Buffer): Promise<KafkaRecord & { claimCheck?: string }> {
  const nl = data.indexOf(0x0a);
  const header = JSON.parse(data.subarray(0, nl === -1 ? data.length : nl).toString('utf8')) as Partial<SpillHeader>;
  if (typeof header.t !== 'string' || typeof header.k !== 'string') {
    throw new Error('Not a Sluice spill record: the first line must be {"t":topic,"k":key}');
  }
  if (header.s3) {
    const out = await getS3().send(new GetObjectCommand({ Bucket: config.s3().archiveBucket, Key: header.s3 }));
    const value = Buffer.from(await out.Body!.transformToByteArray());
    return { topic: header.t, key: header.k, value, claimCheck: header.s3 };
  }
  return { topic: header.t, key: header.k, value: data.subarray(nl + 1) };
}

/** Deletes a claim-checked value once its record is back in Kafka. */
export async function releaseClaimCheck(objectKey: string): Promise<void> {
  await getS3().send(new DeleteObjectCommand({ Bucket: config.s3().archiveBucket, Key: objectKey }));
}

export interface DeliveryOutcome {
  /** Where the records went: all to Kafka, all to the spill stream, or some to each. */
  to: 'kafka' | 'spill' | 'both';
  /** Records written to the spill stream (0 when all went to Kafka). */
  spilled: number;
  kafkaError?: string;
}

/**
 * Delivers batches in order: to Kafka while it acknowledges, and once it fails, that batch and every
 * later one to the spill stream (a request does not wait on a broken Kafka more than once).
 * Rejects with DeliveryFailedError when a batch reaches neither; batches delivered before that stay
 * delivered, so a client that retries the request may create duplicates unless it sends an
 * Idempotency-Key (then the retried events have the same ids, and every consumer overwrites).
 */
export async function deliver(batches: Iterable<readonly KafkaRecord[]>): Promise<DeliveryOutcome> {
  let kafkaError: string | undefined;
  let toKafka = 0;
  let toSpill = 0;
  let spilled = 0;
  for (const batch of batches) {
    if (kafkaError === undefined) {
      try {
        await produce(batch);
        toKafka++;
        continue;
      } catch (err) {
        kafkaError = (err as Error).message;
      }
    }
    try {
      const spill = await Promise.all(batch.map(encodeSpill));
      await putAll(config.kinesis().spillStream, spill);
      toSpill++;
      spilled += batch.length;
    } catch (err) {
      throw new DeliveryFailedError(
        `Neither Kafka (${kafkaError}) nor the Kinesis spill stream (${(err as Error).message}) took the records`,
        { cause: err },
      );
    }
  }
  return {
    to: toSpill === 0 ? 'kafka' : toKafka === 0 ? 'spill' : 'both',
    spilled,
    ...(kafkaError !== undefined ? { kafkaError } : {}),
  };
}
