/**
 * Bulk-indexes items and retries what is worth retrying until the deadline. Returns what was
 * stored and what can never be stored (with the error); throws `IndexingIncompleteError` when items
 * are still neither at the deadline (the event source then retries the whole batch; `_id`s make
 * that an overwrite).
 */
import { buildBulkChunks, describeItemError, itemOutcome, jitteredBackoff, type BulkItem } from '../index/bulk.ts';
import type { SearchSink } from './ports.ts';

export class IndexingIncompleteError extends Error {
  override readonly name = 'IndexingIncompleteError';
}

export interface BulkOutcome {
  /** refs stored. */
  ok: number[];
  /** refs refused for good, with the reason. */
  rejected: Array<{ ref: number; error: string }>;
  requests: number;
  retries: number;
}

export interface BulkRunOptions {
  maxBytes: number;
  /** Time (ms since the epoch, by `now`) by which this must be done. */
  deadline: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  /** Longest single request. */
  requestTimeoutMs?: number;
}

export async function bulkWithRetry(sink: SearchSink, items: readonly BulkItem[], o: BulkRunOptions): Promise<BulkOutcome> {
  const byRef = new Map<number, BulkItem>();
  for (const it of items) byRef.set(it.ref, it);
  const out: BulkOutcome = { ok: [], rejected: [], requests: 0, retries: 0 };
  let pending: BulkItem[] = [...items];
  let attempt = 0;
  let lastError = '';
  while (pending.length > 0) {
    const next: BulkItem[] = [];
    for (const chunk of buildBulkChunks(pending, o.maxBytes)) {
      const left = o.deadline - o.now();
      if (left <= 0) {
        for (const ref of chunk.refs) next.push(byRef.get(ref)!);
        continue;
      }
      let results;
      try {
        out.requests++;
        results = await sink.bulk(chunk.body, Math.min(left, o.requestTimeoutMs ?? 60_000));
      } catch (err) {
        lastError = (err as Error).message;
        for (const ref of chunk.refs) next.push(byRef.get(ref)!);
        continue;
      }
      if (results.length !== chunk.refs.length) {
        throw new IndexingIncompleteError(`bulk answered ${results.length} items for ${chunk.refs.length} sent`);
      }
      for (let i = 0; i < results.length; i++) {
        const r = results[i]!;
        const ref = chunk.refs[i]!;
        const verdict = itemOutcome(r.status);
        if (verdict === 'ok') out.ok.push(ref);
        else if (verdict === 'reject') out.rejected.push({ ref, error: describeItemError(r.status, r.error) });
        else {
          lastError = describeItemError(r.status, r.error);
          next.push(byRef.get(ref)!);
        }
      }
    }
    pending = next;
    if (pending.length === 0) break;
    attempt++;
    out.retries += pending.length;
    const wait = jitteredBackoff(attempt, 100, 5_000, o.random);
    if (o.now() + wait >= o.deadline) {
      throw new IndexingIncompleteError(
        `${pending.length} of ${items.length} documents neither indexed nor rejected before the deadline (last error: ${lastError})`,
      );
    }
    await o.sleep(wait);
  }
  return out;
}
