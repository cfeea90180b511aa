/**
 * `_bulk` bodies and what to do with each item's result. Pure.
 *
 * Each document is an `index` action with `_id` = the event id (a retry or a replay overwrites,
 * never duplicates) and, on a shared index, `routing` = the tenant. Bodies are NDJSON strings capped
 * at `maxBytes` (a document larger than the cap travels alone).
 */

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
  body: string;
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

/** UTF-8 length of a string known to be flat and probably ASCII (falls back to Buffer.byteLength). */
export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/**
 * Groups serialized `action + source` pairs into bodies of at most `maxBytes` (a pair larger than
 * the cap travels alone), in order, handing each full body to `emit`.
 */
export class BulkChunker {
  private parts: string[] = [];
  private refs: number[] = [];
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly emit: (chunk: BulkChunk) => void,
  ) {}

  /** `pair` = action line + source + `\n`; `size` its UTF-8 bytes. */
  add(pair: string, size: number, ref: number): void {
    if (this.bytes > 0 && this.bytes + size > this.maxBytes) this.flush();
    this.parts.push(pair);
    this.refs.push(ref);
    this.bytes += size;
  }

  get pendingBytes(): number {
    return this.bytes;
  }

  flush(): void {
    if (this.bytes === 0 && this.parts.length === 0) return;
    const chunk = { body: this.parts.join(''), bytes: this.bytes, refs: this.refs };
    this.parts = [];
    this.refs = [];
    this.bytes = 0;
    this.emit(chunk);
  }
}

/** `action + source + \n` of an item and its UTF-8 size (one JSON.stringify of the document at most). */
export function serializeItem(it: BulkItem): { pair: string; size: number } {
  const source = typeof it.doc === 'string' ? it.doc : JSON.stringify(it.doc);
  const action = actionLine(it.index, it.id, it.routing);
  // The action line is ASCII unless the id is not; the source is measured on its own (flat) string.
  const actionBytes = utf8Bytes(it.id) === it.id.length ? action.length : utf8Bytes(action);
  return { pair: action + source + '\n', size: actionBytes + utf8Bytes(source) + 1 };
}

/** Serializes items into bodies of at most `maxBytes` each (UTF-8 bytes), in order. */
export function buildBulkChunks(items: readonly BulkItem[], maxBytes = DEFAULT_MAX_BULK_BYTES): BulkChunk[] {
  const chunks: BulkChunk[] = [];
  const chunker = new BulkChunker(maxBytes, (c) => chunks.push(c));
  for (const it of items) {
    const { pair, size } = serializeItem(it);
    chunker.add(pair, size, it.ref);
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
