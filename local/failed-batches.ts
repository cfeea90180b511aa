/**
 * The local on-failure destination of the Kafka pollers: what they give up (retries exhausted or a
 * record too old, local/redelivery.ts) is written as the invocation record Lambda writes to the
 * deployed FailedBatchesBucket (requestContext.condition, KafkaBatchInfo, and the batch itself as
 * `payload`, an MSK event), one JSON file per given-up batch:
 *
 *   .sluice/failed-batches/<function>/<topic>-<partition>/<time>-<first offset>-<last offset>.json
 *
 * (under SLUICE_STATE when set). `sluice failed ls` lists them and `sluice failed redrive` produces
 * their records back to their topic (same key, value and headers, hence the same event ids), after
 * which the file moves to `redriven/`. A file is complete when it exists (written, then renamed).
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { MSKEvent } from 'aws-lambda';
import { decodeMskEvent, toMskEvent, type MessageInput } from '../shared/msk.ts';
import type { GiveUpCondition } from './redelivery.ts';
import { stateDir } from './services/config.ts';

/** Where the local pollers keep what they give up (the deployed FailedBatchesBucket's counterpart). */
export const failedBatchesDir = (): string => join(stateDir(), 'failed-batches');

export interface FailedBatch {
  version: '1.0';
  timestamp: string;
  requestContext: { requestId: string; functionArn: string; condition: GiveUpCondition; approximateInvokeCount: number };
  responseContext: { statusCode: number; executedVersion: string; functionError: string };
  KafkaBatchInfo: { batchSize: number; topic: string; partition: number; offset: number; lastOffset: number; payloadSize: number };
  /** Not in Lambda's record: the error the function gave, for whoever redrives it. */
  errorMessage: string;
  payload: MSKEvent;
}

export function writeFailedBatch(dir: string, fn: string, records: readonly MessageInput[], condition: GiveUpCondition, error: string, attempts: number, now = new Date()): string {
  const first = records[0]!;
  const last = records[records.length - 1]!;
  const payload = toMskEvent(records);
  const body: FailedBatch = {
    version: '1.0',
    timestamp: now.toISOString(),
    requestContext: { requestId: `local-${now.getTime()}-${first.partition}-${first.offset}`, functionArn: `arn:aws:lambda:local:000000000000:function:sluice-local-${fn}`, condition, approximateInvokeCount: attempts },
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    KafkaBatchInfo: { batchSize: records.length, topic: first.topic, partition: first.partition, offset: first.offset, lastOffset: last.offset, payloadSize: Buffer.byteLength(JSON.stringify(payload)) },
    errorMessage: error,
    payload,
  };
  const folder = join(dir, fn, `${first.topic}-${first.partition}`);
  mkdirSync(folder, { recursive: true });
  const file = join(folder, `${now.toISOString().replace(/[:]/g, '.')}-${first.offset}-${last.offset}.json`);
  writeFileSync(`${file}.tmp`, JSON.stringify(body, null, 1));
  renameSync(`${file}.tmp`, file);
  return file;
}

/** Every failed-batch file under `dir` (not the redriven ones), oldest first. */
export function listFailedBatches(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) {
        if (n !== 'redriven') walk(p);
      } else if (n.endsWith('.json')) out.push(p);
    }
  };
  walk(dir);
  return out.sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs || a.localeCompare(b));
}

export function readFailedBatch(file: string): FailedBatch {
  const body = JSON.parse(readFileSync(file, 'utf8')) as FailedBatch;
  if (!body?.payload?.records || !body.requestContext) throw new Error(`${file} is not a failed-batch record (no payload.records / requestContext)`);
  return body;
}

/** The records of a failed batch as they were on their topic (key, value and headers unchanged), to produce again. */
export function recordsOf(batch: FailedBatch): Array<{ topic: string; key: string; value: Buffer; headers: Record<string, Buffer> }> {
  return decodeMskEvent(batch.payload).map((m) => ({ topic: m.topic, key: m.key?.toString('utf8') ?? '', value: m.value, headers: m.headers }));
}

/** Moves a redriven file under `<dir>/redriven/` (kept, no longer listed). */
export function markRedriven(dir: string, file: string): string {
  const to = join(dir, 'redriven', relative(dir, file));
  mkdirSync(dirname(to), { recursive: true });
  renameSync(file, to);
  return to;
}
