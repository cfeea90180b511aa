/**
 * Step 2 (deferred stage only): split what is due. Records whose not-before has passed go on;
 * when none is due yet, the stage first waits for the earliest (bounded by `maxParkMs` and the time
 * left); what is still not due is parked: re-produced unchanged (same bytes, same headers).
 */
import { parkWaitMs } from '../budget/defer.ts';
import { parkRecord } from './records.ts';
import type { Batch, Item } from './batch.ts';

export async function splitDue(items: Item[], b: Batch): Promise<Item[]> {
  if (b.stage !== 'deferred' || items.length === 0) return items;
  const { deps } = b;
  let now = deps.now();
  let earliest = Infinity;
  for (const it of items) earliest = Math.min(earliest, it.meta.notBefore);
  if (earliest > now) {
    await deps.sleep(parkWaitMs(earliest, now, b.indexDeadline - now - 1_000, deps.maxParkMs));
    now = deps.now();
  }
  const due: Item[] = [];
  for (const it of items) {
    if (it.meta.notBefore <= now) due.push(it);
    else {
      b.deferred.push(parkRecord(deps.topics.deferred, it.msg, it.env.tenant));
      b.tally.record(it.env.tenant, 'parked', undefined);
    }
  }
  return due;
}
