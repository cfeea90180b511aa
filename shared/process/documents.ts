/**
 * What the stage does to a document besides classifying it. Pure.
 *
 *  - `textDocument`: the document of an event indexed without classification (its classification
 *    overran the per-event budget, or its shape did before): message = the raw line, format `text`,
 *    the receive time as `@timestamp`, flagged.
 *  - `cutLargeValues`: OpenSearch refuses a document with a term over 32,766 bytes of UTF-8
 *    (`immense term`); the `fields` object is a `flat_object`, which indexes every value, and every
 *    `path=value`, as one term, with no `ignore_above`. So in the INDEXED copy, string values are cut
 *    to 8,192 characters and key paths to 2,048 characters (UTF-16 units: at most 3 bytes of UTF-8
 *    each, so a `path=value` term stays under 3 × 10,241 = 30,723 bytes), flagged `value_cut`. The
 *    archive keeps the raw envelope, whole. Only a document whose JSON is over 8,192 characters can
 *    hold such a value (the test costs one length check per document).
 */
import type { RawEnvelope } from '../envelope/types.ts';
import type { LogDocument } from '../classify/types.ts';

export const SLOW_FLAG = 'classify_slow';
export const CUT_FLAG = 'value_cut';
/** Longest string value kept in `fields` (characters). */
export const MAX_VALUE_CHARS = 8_192;
/** Longest key path kept in `fields` (characters, dots included). */
export const MAX_PATH_CHARS = 2_048;

export function textDocument(env: RawEnvelope, flag: string): LogDocument {
  const flags = [flag, 'timestamp_fallback'];
  if (env.truncated) flags.push('truncated');
  if (env.invalidUtf8 === true) flags.push('invalid_utf8');
  const doc: LogDocument = { '@timestamp': env.receivedAt, message: env.raw, format: 'text', fields: {}, flags, tenant: env.tenant, event_id: env.id, tags: env.tags, received_at: env.receivedAt };
  if (env.host !== undefined) doc.host = env.host;
  if (env.source !== undefined) doc.source = env.source;
  if (env.region !== undefined) doc.region = env.region;
  return doc;
}

/** What the stage sets on every document from its envelope, whatever made it: tenant, event id, region. */
export function stampDocument(doc: LogDocument, env: RawEnvelope): void {
  doc.tenant = env.tenant;
  doc.event_id = env.id;
  if (env.region !== undefined) doc.region = env.region;
}

/** Cuts `doc.fields` in place when its JSON (`json`, already made) may hold a term over the limit; true when something was cut. */
export function cutLargeValues(doc: LogDocument, json: string): boolean {
  if (json.length <= MAX_VALUE_CHARS) return false;
  const state = { cut: false };
  doc.fields = cutObject(doc.fields, 'fields'.length, state) as Record<string, unknown>;
  if (state.cut) doc.flags.push(CUT_FLAG);
  return state.cut;
}

function cutValue(v: unknown, pathLen: number, state: { cut: boolean }): unknown {
  if (typeof v === 'string') {
    if (v.length <= MAX_VALUE_CHARS) return v;
    state.cut = true;
    return v.slice(0, MAX_VALUE_CHARS);
  }
  if (Array.isArray(v)) return v.map((x) => cutValue(x, pathLen, state));
  if (v !== null && typeof v === 'object') return cutObject(v as Record<string, unknown>, pathLen, state);
  return v;
}

function cutObject(o: Record<string, unknown>, pathLen: number, state: { cut: boolean }): Record<string, unknown> | string {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    let key = k;
    const room = MAX_PATH_CHARS - pathLen - 1;
    if (room <= 0) {
      // The path is already at its limit: what is below is kept as one (cut) string value.
      state.cut = true;
      return cutValue(JSON.stringify(o), pathLen, state) as string;
    }
    if (key.length > room) {
      state.cut = true;
      key = key.slice(0, room);
    }
    out[key] = cutValue(v, pathLen + 1 + key.length, state);
  }
  return out;
}
