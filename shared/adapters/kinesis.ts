/**
 * Kinesis adapter: the spill stream that takes ingest's records while Kafka is unavailable.
 * HTTP/1.1 handler: kinesalite (local) does not speak HTTP/2, and it costs nothing on AWS.
 */
import { KinesisClient, PutRecordsCommand, type PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import * as config from '../config.ts';
import type { SpillRecord } from '../delivery/ports.ts';
import { onClose } from './lifecycle.ts';

let client: KinesisClient | undefined;

export function getKinesis(): KinesisClient {
  if (!client) {
    const { endpoint } = config.kinesis();
    const credentials = config.localCredentials();
    client = new KinesisClient({
      region: config.region(),
      requestHandler: new NodeHttpHandler({ connectionTimeout: 2000, requestTimeout: 10_000 }),
      ...(endpoint ? { endpoint } : {}),
      ...(credentials ? { credentials } : {}),
    });
    const c = client;
    onClose(() => {
      if (client === c) client = undefined;
      c.destroy();
    });
  }
  return client;
}

/** PutRecords takes at most 500 records and 5 MiB a call; each record at most 1 MiB (key + data). */
const MAX_RECORDS = 500;
const MAX_CALL_BYTES = 5 * 1024 * 1024;

export type { SpillRecord };

/**
 * Writes every record to the stream, resending the ones Kinesis rejected (throttling) with backoff.
 * Resolves only when all are written; rejects when that cannot be done within `deadlineMs`.
 */
export async function putAll(streamName: string, records: readonly SpillRecord[], deadlineMs = 10_000): Promise<void> {
  const giveUpAt = Date.now() + deadlineMs;
  let pending: PutRecordsRequestEntry[] = records.map((r) => ({ PartitionKey: r.partitionKey, Data: r.data }));
  for (let attempt = 0; pending.length > 0; attempt++) {
    const failed: PutRecordsRequestEntry[] = [];
    for (const chunk of chunks(pending)) {
      const out = await getKinesis().send(new PutRecordsCommand({ StreamName: streamName, Records: chunk }));
      if (!out.FailedRecordCount) continue;
      out.Records?.forEach((r, i) => {
        if (r.ErrorCode && chunk[i]) failed.push(chunk[i]);
      });
    }
    pending = failed;
    if (pending.length === 0) return;
    if (Date.now() > giveUpAt) {
      throw new Error(`Kinesis rejected ${pending.length} of ${records.length} records until the deadline`);
    }
    await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt) * (0.5 + Math.random())));
  }
}

function* chunks(entries: PutRecordsRequestEntry[]): Generator<PutRecordsRequestEntry[]> {
  let chunk: PutRecordsRequestEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    const size = (e.Data?.byteLength ?? 0) + Buffer.byteLength(e.PartitionKey ?? '');
    if (chunk.length === MAX_RECORDS || (chunk.length > 0 && bytes + size > MAX_CALL_BYTES)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(e);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
