/**
 * The PROCESS stage's core (and the DEFERRED stage's: the same steps on `logs.deferred`):
 *
 *  1. decode the MSK batch; what is not a valid envelope goes to the DLQ          ./decode.ts
 *  2. deferred stage: split what is due; park (re-produce unchanged) the rest      ./due.ts
 *  3. admit against each tenant's budget; defer (or count archive-only) the rest   ./admit.ts
 *  4. classify, mine and bulk-index the admitted events within the deadline        ./classify-index.ts
 *  5. write the summaries (OpenSearch, `logs.summary`) and the DLQ records         ./summaries.ts
 *
 * Resolves only when every record is indexed, deferred/parked, counted as archive-only, or in the
 * DLQ; throws otherwise, so the event source retries the batch. One tenant's failure (its plan,
 * budget, index, mapping) stays that tenant's: its events are deferred or in the DLQ, the others'
 * are indexed.
 */
import type { MSKEvent } from 'aws-lambda';
import type { Stage } from '../summary/summary.ts';
import { openBatch, produceSoon, type RemainingTime } from './batch.ts';
import { decodeRecords } from './decode.ts';
import { splitDue } from './due.ts';
import { admit } from './admit.ts';
import { classifyAndIndex } from './classify-index.ts';
import { writeSummaries } from './summaries.ts';
import type { StageResult } from './tally.ts';
import type { StageDeps } from './ports.ts';

export type { RemainingTime } from './batch.ts';
export type { StageResult, TenantCounts } from './tally.ts';
export { HEADER_ERROR, HEADER_ERROR_KIND, HEADER_ORIGIN, HEADER_STAGE, dlqRecord } from './records.ts';
export { DEFAULT_BULK_CONCURRENCY, DEFAULT_STREAM_BULK_BYTES } from './classify-index.ts';
export { batchKey } from './admit.ts';

export async function runStage(event: MSKEvent, context: RemainingTime, deps: StageDeps, stage: Stage): Promise<StageResult> {
  const b = openBatch(event, context, deps, stage);
  const items = decodeRecords(b);
  const due = await splitDue(items, b);
  await admit(due, b);
  // Deferred and parked records must be durable before anything is acknowledged: produced now,
  // awaited before this returns.
  const deferredWrite = produceSoon(b, b.deferred.splice(0));
  await classifyAndIndex(due, b);
  const lateWrite = produceSoon(b, b.deferred.splice(0));
  for (const w of [await deferredWrite, await lateWrite]) if (w) throw w.error;
  await writeSummaries(b);
  return b.tally.result;
}
