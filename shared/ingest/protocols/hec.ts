/**
 * Splunk HTTP Event Collector (HEC):
 *
 *   POST /services/collector[/event][/1.0]   JSON event objects, concatenated (whitespace optional)
 *   POST /services/collector/raw[/1.0]       text: one event per line (stack traces joined, as native
 *                                            text is); host, source, sourcetype, time from the query
 *   GET  /services/collector/health[/1.0]    {"text":"HEC is healthy","code":17}
 *
 * Token: `Authorization: Splunk <token>` (Bearer, Basic password and X-Api-Key work too). Answers in
 * HEC's words: {"text":"Success","code":0}; code 2 (token required) / 4 (invalid token), 5 (no data),
 * 6 (invalid data format), 12 (event field is required), 13 (event field cannot be blank), each with
 * `invalid-event-number` (0-based) when one event of the body is at fault, and 9 (server is busy,
 * 503 with Retry-After). As Splunk does, the events before the faulty one are stored; unlike Splunk,
 * the valid events after it are stored too (a shipper drops a 400 answer's body, so nothing valid is
 * lost), and the answer counts them. Indexer acknowledgement is NOT supported: Sluice answers only
 * once every event is stored, so the answer itself is the acknowledgement; /services/collector/ack
 * answers code 14 (ACK is disabled), as a Splunk with ack disabled does.
 */
import { IngestError } from '../errors.ts';
import { toResponse, type IngestRequest, type LambdaHttpResult, type RequestShape } from '../http.ts';
import { extractToken } from '../routes.ts';
import { splitBody } from '../split.ts';
import type { ProtocolEvent } from './events.ts';
import type { Decoded, ProtocolRoute } from './types.ts';

type HecError = { status: number; code: number; text: string; invalid?: number };

const ERR_NO_DATA: HecError = { status: 400, code: 5, text: 'No data' };

function hecAnswer(shape: RequestShape, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): LambdaHttpResult {
  return toResponse(shape, status, body, { 'content-type': 'application/json; charset=UTF-8', ...headers });
}

/** HEC epoch seconds (number or numeric string, fractions allowed) to ISO; undefined when not a time. */
export function hecTime(v: unknown): string | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isFinite(n) || n <= 0) return undefined;
  const ms = n > 1e11 ? n : n * 1000; // some clients send milliseconds
  const d = new Date(Math.round(ms));
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** One HEC event object to a protocol event, or the HEC error for it. */
function hecEvent(o: unknown): ProtocolEvent | HecError {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return { status: 400, code: 6, text: 'Invalid data format' };
  const e = o as Record<string, unknown>;
  if (!('event' in e) || e.event === null || e.event === undefined) return { status: 400, code: 12, text: 'Event field is required' };
  const ev = e.event;
  if (ev === '' || (typeof ev === 'string' && ev.trim() === '')) return { status: 400, code: 13, text: 'Event field cannot be blank' };
  const meta: Record<string, unknown> = {};
  const ts = hecTime(e.time);
  if (ts !== undefined) meta.timestamp = ts;
  if (str(e.sourcetype) !== undefined) meta.sourcetype = str(e.sourcetype);
  if (str(e.index) !== undefined) meta.index = str(e.index);
  if (typeof e.fields === 'object' && e.fields !== null && !Array.isArray(e.fields)) meta.fields = e.fields;
  let doc: Record<string, unknown> & { message?: string };
  if (typeof ev === 'object') {
    // An object event is the document; HEC's metadata is added where the event has no such key.
    doc = Array.isArray(ev) ? { message: JSON.stringify(ev), event: ev } : { ...(ev as Record<string, unknown>) };
    for (const [k, v] of Object.entries(meta)) if (!(k in doc)) doc[k] = v;
  } else {
    doc = { ...(meta.timestamp !== undefined ? { timestamp: meta.timestamp } : {}), message: String(ev), ...meta };
  }
  return { doc, source: str(e.source), host: str(e.host) };
}

/** Concatenated JSON objects (`{...}{...}` or one per line), decoded one at a time. */
function* concatenatedJson(text: string): Generator<{ value?: unknown; broken?: true }> {
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i]!)) i++;
    if (i >= n) return;
    const end = objectEnd(text, i);
    if (end < 0) {
      yield { broken: true };
      return;
    }
    try {
      yield { value: JSON.parse(text.slice(i, end)) };
    } catch {
      yield { broken: true };
      return;
    }
    i = end;
  }
}

/** The index after the JSON value starting at `start` (an object, or a scalar up to whitespace/`{`), or -1. */
function objectEnd(s: string, start: number): number {
  if (s[start] !== '{') {
    let j = start;
    while (j < s.length && !/[\s{]/.test(s[j]!)) j++;
    return j;
  }
  let depth = 0;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      i++;
      while (i < s.length && s.charCodeAt(i) !== 0x22) i += s.charCodeAt(i) === 0x5c ? 2 : 1;
      if (i >= s.length) return -1;
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

export function decodeHecEvents(body: Buffer): Decoded {
  const events: ProtocolEvent[] = [];
  let first: HecError | undefined;
  let rejected = 0;
  let k = 0;
  for (const item of concatenatedJson(body.toString('utf8'))) {
    const r: ProtocolEvent | HecError = item.broken ? { status: 400, code: 6, text: 'Invalid data format' } : hecEvent(item.value);
    k++;
    if ('code' in r) {
      rejected++;
      first ??= { ...r, invalid: k - 1 };
      if (item.broken) break; // the rest cannot be told apart
    } else events.push(r);
  }
  if (k === 0) throw hecFailure(ERR_NO_DATA);
  if (events.length === 0 && first !== undefined) throw hecFailure(first); // nothing valid: a rejected request
  return { events, rejected, ...(first !== undefined ? { detail: first } : {}) };
}

export function decodeHecRaw(body: Buffer, query: Record<string, string>): Decoded {
  const events: ProtocolEvent[] = [];
  const ts = hecTime(query['time']);
  const sourcetype = str(query['sourcetype']);
  // Not cut here: events.ts cuts and flags over-long events as for every protocol.
  splitBody(body, { maxEventBytes: Number.MAX_SAFE_INTEGER, contentType: 'text/plain' }, (raw) => {
    events.push({ raw, source: query['source'], host: query['host'], ...(sourcetype !== undefined ? { tags: [sourcetype] } : {}) });
  });
  if (events.length === 0) throw hecFailure(ERR_NO_DATA);
  if (ts !== undefined) {
    // A time for the whole request: kept beside each line, which Sluice still classifies as text.
    for (const e of events) e.doc = { timestamp: ts, message: e.raw!, ...(sourcetype !== undefined ? { sourcetype } : {}) };
    for (const e of events) delete e.raw;
  }
  return { events, rejected: 0 };
}

/** An IngestError carrying a HEC code (400s decided while decoding). */
class HecFailure extends IngestError {
  constructor(readonly hec: HecError) {
    super(hec.status, 'malformed_request', hec.text);
  }
}

function hecFailure(e: HecError): HecFailure {
  return new HecFailure(e);
}

/** Any error as HEC answers it. */
export function hecError(shape: RequestShape, err: IngestError): LambdaHttpResult {
  if (err instanceof HecFailure) {
    return hecAnswer(shape, err.hec.status, { text: err.hec.text, code: err.hec.code, ...(err.hec.invalid !== undefined ? { 'invalid-event-number': err.hec.invalid } : {}) });
  }
  const headers = { ...err.headers };
  if (err.code === 'missing_token') return hecAnswer(shape, 401, { text: 'Token is required', code: 2 }, headers);
  if (err.code === 'invalid_token') return hecAnswer(shape, err.message.includes('malformed') ? 401 : 403, { text: err.message.includes('malformed') ? 'Invalid authorization' : 'Invalid token', code: err.message.includes('malformed') ? 3 : 4 }, headers);
  if (err.status === 429 || err.status === 503) return hecAnswer(shape, err.status === 429 ? 429 : 503, { text: 'Server is busy', code: 9 }, headers);
  if (err.status === 413 || err.code === 'bad_encoding') return hecAnswer(shape, err.status, { text: 'Invalid data format', code: 6, detail: err.message }, headers);
  if (err.status === 405) return hecAnswer(shape, 405, { text: 'Method not allowed', code: 6, detail: err.message }, headers);
  if (err.status === 404) return hecAnswer(shape, 404, { text: 'The requested URL was not found on this server.', code: 404 }, headers);
  return hecAnswer(shape, err.status >= 500 ? 500 : err.status, { text: err.status >= 500 ? 'Internal server error' : err.message, code: err.status >= 500 ? 8 : 6 }, headers);
}

/** `Splunk <token>` as Bearer, then the usual places (Basic password, X-Api-Key, ?token= is not accepted: Splunk's default). */
export function hecToken(req: IngestRequest): string {
  const auth = req.headers['authorization']?.trim();
  const headers = auth !== undefined && /^splunk\s/i.test(auth) ? { ...req.headers, authorization: `Bearer ${auth.slice(7).trim()}` } : req.headers;
  return extractToken({ ...req, headers }, { kind: 'logs', path: '/v1/logs' });
}

const HEC_PATH = /^\/services\/collector(?:\/(event|raw|health|ack))?(?:\/1\.0)?\/?$/;

export function hecMatcher(path: string): ProtocolRoute | undefined {
  const m = HEC_PATH.exec(path);
  if (!m) return undefined;
  const kind = m[1] ?? 'event';
  return {
    protocol: 'hec',
    probe: (r) => {
      if (kind === 'health') return hecAnswer(r.shape, 200, { text: 'HEC is healthy', code: 17 });
      if (kind === 'ack') return hecAnswer(r.shape, 400, { text: 'ACK is disabled', code: 14 });
      return undefined;
    },
    token: (r) => {
      if (r.method !== 'POST') throw new IngestError(405, 'method_not_allowed', `${r.method} is not allowed on ${r.path}; use POST.`, { headers: { allow: 'POST' } });
      return hecToken(r);
    },
    decode: (body, r) => {
      if (body.toString('utf8').trim() === '') throw hecFailure(ERR_NO_DATA);
      return kind === 'raw' ? decodeHecRaw(body, r.query) : decodeHecEvents(body);
    },
    answer: (r, d) => {
      const first = d.detail as HecError | undefined;
      if (first === undefined) return hecAnswer(r.shape, 200, { text: 'Success', code: 0 });
      return hecAnswer(r.shape, first.status, { text: first.text, code: first.code, 'invalid-event-number': first.invalid, accepted: d.events.length, rejected: d.rejected });
    },
    fail: (r, err) => hecError(r.shape, err),
  };
}
