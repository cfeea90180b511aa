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

export function actionLine(index: string, id: string, routing?: string): string {
  // index names and routing are [a-z0-9._-] (validated tenant ids); the id is arbitrary text.
  return routing === undefined
    ? `{"index":{"_index":"${index}","_id":${JSON.stringify(id)}}}\n`
    : `{"index":{"_index":"${index}","_id":${JSON.stringify(id)},"routing":"${routing}"}}\n`;
}

/** Serializes items into bodies of at most `maxBytes` each (UTF-8 bytes), in order. */
export function buildBulkChunks(items: readonly BulkItem[], maxBytes = DEFAULT_MAX_BULK_BYTES): BulkChunk[] {
  const chunks: BulkChunk[] = [];
  let parts: string[] = [];
  let refs: number[] = [];
  let bytes = 0;
  for (const it of items) {
    const source = typeof it.doc === 'string' ? it.doc : JSON.stringify(it.doc);
    const pair = actionLine(it.index, it.id, it.routing) + source + '\n';
    const size = Buffer.byteLength(pair);
    if (bytes > 0 && bytes + size > maxBytes) {
      chunks.push({ body: parts.join(''), bytes, refs });
      parts = [];
      refs = [];
      bytes = 0;
    }
    parts.push(pair);
    refs.push(it.ref);
    bytes += size;
  }
  if (bytes > 0) chunks.push({ body: parts.join(''), bytes, refs });
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
