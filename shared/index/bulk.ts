/**
 * `_bulk` bodies and what to do with each item's result. Pure.
 *
 * Each document is an `index` action with `_id` = the event id (a retry or a replay overwrites,
 * never duplicates) and, on a shared index, `routing` = the tenant. Bodies are NDJSON strings capped
 * at `maxBytes` (a document larger than the cap travels alone).
 */

import type { BufferPool } from './body-buffers.ts';

export interface BulkItem {
  index: string;
  id: string;
  routing?: string | undefined;
  /** The document (serialized here) or its JSON already serialized. */
  doc: unknown;
  /** The caller's handle for this item (reported back with the result). */
  ref: number;
}

export interface BulkChunk {
  /** The NDJSON body, UTF-8. */
  body: Buffer;
  bytes: number;
  refs: number[];
}

export const DEFAULT_MAX_BULK_BYTES = 5 * 1024 * 1024;

/** The JSON string literal of `s`: quotes only, unless something needs escaping. */
export function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || (c >= 0xd800 && c <= 0xdfff)) return JSON.stringify(s);
  }
  return '"' + s + '"';
}

export function actionLine(index: string, id: string, routing?: string): string {
  // index names and routing are [a-z0-9._-] (validated tenant ids); the id is arbitrary text.
  return routing === undefined
    ? '{"index":{"_index":"' + index + '","_id":' + jsonString(id) + '}}\n'
    : '{"index":{"_index":"' + index + '","_id":' + jsonString(id) + ',"routing":"' + routing + '"}}\n';
}

/** First capacity of a body buffer (grown by doubling up to the cap when documents need it). */
export const FIRST_CAPACITY = 1024 * 1024;

/**
 * Writes `action + source + \n` pairs straight into UTF-8 body buffers of at most `maxBytes` (a pair
 * larger than the cap travels alone), in order, handing each full body to `emit`. Bodies are
 * Buffers, not strings: no string concatenation to flatten, no per-document byte count (the write
 * returns it), and the bodies kept for retries live outside the JS heap. After each `add`,
 * `last` tells where the pair was written (a retry copies it from there with `addBytes`).
 */
export class BulkChunker {
  private buf: Buffer<ArrayBuffer> | undefined;
  private used = 0;
  private refs: number[] = [];
  /** The buffers taken from the pool (given back by `release`). */
  private readonly taken: Buffer<ArrayBuffer>[] = [];
  /** Where the last pair added was written: `buf.subarray(start, end)`. */
  readonly last: { buf: Buffer; start: number; end: number } = { buf: Buffer.alloc(0), start: 0, end: 0 };

  /** `pool`: where first buffers come from (and go back to with `release`); none: new buffers, left to the GC. */
  constructor(
    private readonly maxBytes: number,
    private readonly emit: (chunk: BulkChunk) => void,
    private readonly pool?: BufferPool,
  ) {}

  /** Adds a serialized pair (`action` ends with a newline; `source` is one line of JSON). */
  add(action: string, source: string, ref: number): void {
    // At most 3 UTF-8 bytes per UTF-16 unit: measured only when the worst case would not fit.
    let need = 3 * (action.length + source.length) + 1;
    if (this.used + need > this.maxBytes) {
      need = Buffer.byteLength(action) + Buffer.byteLength(source) + 1;
      if (this.used > 0 && this.used + need > this.maxBytes) this.flush();
    }
    const buf = this.room(need);
    const start = this.used;
    let at = start + buf.write(action, start);
    at += buf.write(source, at);
    buf[at++] = 0x0a;
    this.wrote(buf, start, at, ref);
  }

  /** Adds a pair already written somewhere (`src[start, end)`), e.g. a retry. */
  addBytes(src: Buffer, start: number, end: number, ref: number): void {
    const need = end - start;
    if (this.used > 0 && this.used + need > this.maxBytes) this.flush();
    const buf = this.room(need);
    const at = this.used;
    src.copy(buf, at, start, end);
    this.wrote(buf, at, at + need, ref);
  }

  get pendingBytes(): number {
    return this.used;
  }

  flush(): void {
    if (this.buf === undefined || this.used === 0) return;
    const chunk = { body: this.buf.subarray(0, this.used), bytes: this.used, refs: this.refs };
    this.buf = undefined;
    this.refs = [];
    this.used = 0;
    this.emit(chunk);
  }

  /** The current buffer, with room for `need` more bytes (grown by doubling, copied). */
  private room(need: number): Buffer<ArrayBuffer> {
    const buf = this.buf;
    if (buf !== undefined && buf.length - this.used >= need) return buf;
    let cap = buf === undefined ? Math.min(this.maxBytes, FIRST_CAPACITY) : buf.length * 2;
    while (cap - this.used < need) cap *= 2;
    const grown = this.allocate(cap);
    if (buf !== undefined && this.used > 0) buf.copy(grown, 0, 0, this.used);
    this.buf = grown;
    return grown;
  }

  /**
   * Gives the pooled buffers back: only once no body or pair written here is read again (every
   * request answered, nothing left to retry). The chunker is not used after.
   */
  release(): void {
    this.pool?.give(this.taken.splice(0));
  }

  private allocate(cap: number): Buffer<ArrayBuffer> {
    if (this.pool === undefined || cap !== this.pool.size) return Buffer.allocUnsafe(cap);
    const b = this.pool.take();
    this.taken.push(b);
    return b;
  }

  private wrote(buf: Buffer, start: number, end: number, ref: number): void {
    this.used = end;
    this.refs.push(ref);
    this.last.buf = buf;
    this.last.start = start;
    this.last.end = end;
    // A pair alone over the cap travels alone.
    if (this.used >= this.maxBytes) this.flush();
  }
}

/** The action line and source (one JSON line) of an item (one JSON.stringify of the document at most). */
export function serializeItem(it: BulkItem): { action: string; source: string } {
  return { action: actionLine(it.index, it.id, it.routing), source: typeof it.doc === 'string' ? it.doc : JSON.stringify(it.doc) };
}

/** Serializes items into bodies of at most `maxBytes` each (UTF-8 bytes), in order. */
export function buildBulkChunks(items: readonly BulkItem[], maxBytes = DEFAULT_MAX_BULK_BYTES): BulkChunk[] {
  const chunks: BulkChunk[] = [];
  const chunker = new BulkChunker(maxBytes, (c) => chunks.push(c));
  for (const it of items) {
    const { action, source } = serializeItem(it);
    chunker.add(action, source, it.ref);
  }
  chunker.flush();
  return chunks;
}

export type ItemOutcome = 'ok' | 'retry' | 'reject';

export interface ItemError {
  type?: string;
  reason?: string;
  caused_by?: { type?: string; reason?: string };
}

/**
 * 2xx: stored. 429 and 5xx (and 404/408: an index deleted under us, a timeout): worth retrying.
 * Other 4xx (mapping conflict, parse error, too large): the document can never be indexed as it
 * is, so it goes to the DLQ with the error.
 */
export function itemOutcome(status: number): ItemOutcome {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 429 || status >= 500 || status === 404 || status === 408) return 'retry';
  return 'reject';
}

export function describeItemError(status: number, error: ItemError | string | undefined): string {
  if (error === undefined) return `status ${status}`;
  if (typeof error === 'string') return `status ${status}: ${error}`;
  const cause = error.caused_by ? ` (caused by ${error.caused_by.type ?? '?'}: ${error.caused_by.reason ?? ''})` : '';
  return `status ${status}: ${error.type ?? 'error'}: ${error.reason ?? ''}${cause}`;
}

/** Exponential backoff with full jitter: a random wait in [0, min(cap, base * 2^attempt)]. */
export function jitteredBackoff(attempt: number, baseMs = 100, capMs = 5_000, random: () => number = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(20, attempt));
  return Math.round(ceiling * random());
}
