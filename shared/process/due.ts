/**
 * Step 2 (deferred stage only): split what is due. Records whose not-before has passed go on; the
 * others are parked (re-produced unchanged but for their park count), paced by
 * shared/budget/defer.ts: the batch first waits (within the time left) until the earliest of its
 * records' release times, unless one is due already.
 */
import { parkWaitMs, releaseAt } from '../budget/defer.ts';
import { parkRecord } from './records.ts';
import type { Batch, Item } from './batch.ts';

export async function splitDue(items: Item[], b: Batch): Promise<Item[]> {
  if (b.stage !== 'deferred' || items.length === 0) return items;
  const { deps } = b;
  const cap = deps.maxParkCapMs ?? 6 * deps.maxParkMs;
  let now = deps.now();
  let earliest = Infinity;
  for (const it of items) earliest = Math.min(earliest, releaseAt(it.meta.notBefore, it.msg.timestamp, it.meta.parks ?? 0, deps.maxParkMs, cap));
  if (earliest > now) {
    await deps.sleep(parkWaitMs(earliest, now, b.indexDeadline - now - 1_000));
    now = deps.now();
  }
  const due: Item[] = [];
  for (const it of items) {
    if (it.meta.notBefore <= now) due.push(it);
    else {
      b.deferred.push(parkRecord(deps.topics.deferred, it.msg, it.tenant, (it.meta.parks ?? 0) + 1));
      b.tally.record(it.tenant, 'parked', undefined);
    }
  }
  return due;
}
