/**
 * Bulk-indexes items and retries what is worth retrying until the deadline. Returns what was
 * stored and what can never be stored (with the error); throws `IndexingIncompleteError` when items
 * are still neither at the deadline (the event source then retries the whole batch; `_id`s make
 * that an overwrite).
 *
 * `BulkPipeline` streams: the stage adds documents as it classifies them; each body is sent as soon
 * as it is full, at most `concurrency` requests at a time, so OpenSearch indexes one body while the
 * stage classifies the next (the caller yields with `pump()` now and then so the requests progress).
 * `bulkWithRetry` is the same on a list of items.
 *
 * Invariant: every item added ends as `ok` or `rejected`, or `finish` throws; an outcome that
 * accounts for fewer (or more) items than were added is a bug, and throws too (never an
 * acknowledged batch with documents silently left out).
 */
import { BulkChunker, describeItemError, FIRST_CAPACITY, itemOutcome, jitteredBackoff, serializeItem, type BulkChunk, type BulkItem, type ItemOutcome } from '../index/bulk.ts';
import type { BulkItemResult, SearchSink } from '../index/ports.ts';
import { BufferPool } from '../index/body-buffers.ts';

/**
 * The body buffers of finished pipelines, for the next ones (shared/index/body-buffers.ts): at most
 * 16 of 1 MiB, enough for the bodies of one 10,000-event batch.
 */
export const bodyBuffers = new BufferPool(FIRST_CAPACITY, 16);

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
  /** Duration of each request OpenSearch answered, ms (wall clock, whatever `now` is). */
  latencyMs: number[];
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
  /** Requests in flight at once. Default 1. */
  concurrency?: number;
  /** Called (and awaited) before each request: e.g. create the indices the added items target. */
  beforeSend?: () => Promise<void>;
  /**
   * Overrides the verdict on a failed item (e.g. a 404 for an index deleted under us: make it again
   * and retry; for an index that could not be made: reject with that reason). Undefined: the default.
   */
  judge?: (ref: number, r: BulkItemResult) => { outcome: ItemOutcome; error?: string } | undefined;
}

export class BulkPipeline {
  private readonly out: BulkOutcome = { ok: [], rejected: [], requests: 0, retries: 0, latencyMs: [] };
  /** ref -> where its pair was written (kept for retries): `bufs[ref].subarray(starts[ref], ends[ref])`. */
  private readonly bufs: Buffer[] = [];
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly chunker: BulkChunker;
  private readonly queue: BulkChunk[] = [];
  private readonly running = new Set<Promise<void>>();
  private pending: number[] = [];
  private lastError = '';
  private fatal: Error | undefined;
  private readonly concurrency: number;
  private count = 0;

  constructor(
    private readonly sink: SearchSink,
    private readonly o: BulkRunOptions,
  ) {
    // (A bad value, e.g. NaN, sends nothing: `finish` then throws rather than report nothing done.)
    this.concurrency = Math.max(1, o.concurrency ?? 1);
    this.chunker = new BulkChunker(
      o.maxBytes,
      (c) => {
        this.queue.push(c);
        this.dispatch();
      },
      bodyBuffers,
    );
  }

  /** Adds one document (its pair is serialized now). */
  addItem(it: BulkItem): void {
    const p = serializeItem(it);
    this.addPair(it.ref, p.action, p.source);
  }

  /** Adds an already serialized pair: its action line (ending in a newline) and its source. */
  addPair(ref: number, action: string, source: string): void {
    this.count++;
    this.chunker.add(action, source, ref);
    const at = this.chunker.last;
    this.bufs[ref] = at.buf;
    this.starts[ref] = at.start;
    this.ends[ref] = at.end;
  }

  /** Requests in flight or waiting for a slot. */
  get busy(): boolean {
    return this.running.size > 0 || this.queue.length > 0;
  }

  /** Lets the requests in flight progress (one turn of the event loop). */
  async pump(): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
  }

  private dispatch(): void {
    while (this.running.size < this.concurrency && this.queue.length > 0) {
      const chunk = this.queue.shift()!;
      const p: Promise<void> = this.send(chunk).finally(() => {
        this.running.delete(p);
        this.dispatch();
      });
      this.running.add(p);
    }
  }

  private async send(chunk: BulkChunk): Promise<void> {
    const left = this.o.deadline - this.o.now();
    if (left <= 0 || this.fatal) {
      for (const ref of chunk.refs) this.pending.push(ref);
      return;
    }
    let results;
    try {
      if (this.o.beforeSend) await this.o.beforeSend();
    } catch (err) {
      this.fatal ??= err as Error;
      for (const ref of chunk.refs) this.pending.push(ref);
      return;
    }
    try {
      this.out.requests++;
      const t0 = performance.now();
      results = await this.sink.bulk(chunk.body, Math.min(left, this.o.requestTimeoutMs ?? 60_000));
      this.out.latencyMs.push(Math.round((performance.now() - t0) * 10) / 10);
    } catch (err) {
      this.lastError = (err as Error).message;
      for (const ref of chunk.refs) this.pending.push(ref);
      return;
    }
    if (results.length !== chunk.refs.length) {
      this.fatal ??= new IndexingIncompleteError(`bulk answered ${results.length} items for ${chunk.refs.length} sent`);
      for (const ref of chunk.refs) this.pending.push(ref);
      return;
    }
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      const ref = chunk.refs[i]!;
      let verdict = itemOutcome(r.status);
      let error: string | undefined;
      if (verdict !== 'ok' && this.o.judge) {
        const j = this.o.judge(ref, r);
        if (j) ({ outcome: verdict, error } = j);
      }
      if (verdict === 'ok') this.out.ok.push(ref);
      else if (verdict === 'reject') this.out.rejected.push({ ref, error: error ?? describeItemError(r.status, r.error) });
      else {
        this.lastError = describeItemError(r.status, r.error);
        this.pending.push(ref);
      }
    }
  }

  private async drain(): Promise<void> {
    this.chunker.flush();
    while (this.running.size > 0) await Promise.all([...this.running]);
    if (this.fatal) throw this.fatal;
  }

  /** Sends what is left, retries 429/5xx items with backoff until the deadline; the outcome. */
  async finish(): Promise<BulkOutcome> {
    await this.drain();
    let attempt = 0;
    while (this.pending.length > 0) {
      attempt++;
      const retry = this.pending;
      this.out.retries += retry.length;
      const wait = jitteredBackoff(attempt, 100, 5_000, this.o.random);
      if (this.o.now() + wait >= this.o.deadline) {
        throw new IndexingIncompleteError(
          `${retry.length} of ${this.count} documents neither indexed nor rejected before the deadline (last error: ${this.lastError})`,
        );
      }
      await this.o.sleep(wait);
      this.pending = [];
      // Retried in their original order.
      retry.sort((a, b) => a - b);
      for (const ref of retry) this.chunker.addBytes(this.bufs[ref]!, this.starts[ref]!, this.ends[ref]!, ref);
      await this.drain();
    }
    this.assertComplete();
    // Every request answered and nothing left to retry: the bodies are not read again.
    this.chunker.release();
    return this.out;
  }

  /** Every item added is ok or rejected, once. */
  private assertComplete(): void {
    const { ok, rejected } = this.out;
    if (ok.length + rejected.length !== this.count || this.queue.length > 0 || this.chunker.pendingBytes > 0) {
      throw new IndexingIncompleteError(
        `bulk pipeline ended with ${ok.length} indexed and ${rejected.length} rejected of ${this.count} documents (${this.queue.length} bodies never sent): nothing acknowledged`,
      );
    }
  }
}

export async function bulkWithRetry(sink: SearchSink, items: readonly BulkItem[], o: BulkRunOptions): Promise<BulkOutcome> {
  const p = new BulkPipeline(sink, o);
  for (const it of items) p.addItem(it);
  return p.finish();
}
