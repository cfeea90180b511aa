/**
 * The classifier: an event's raw text -> the normalized document Sluice indexes. Pure: no I/O, no
 * AWS, no clock (the receive time is an argument). Never throws. Schema: README.md beside this file.
 */
import type { RawEnvelope } from '../envelope/types.ts';
import { parseAccess } from './access.ts';
import { parseCef } from './cef.ts';
import type { Draft } from './draft.ts';
import { newDraft, trimEnd } from './draft.ts';
import { parseGc } from './gc.ts';
import { parseGeneric } from './generic.ts';
import { parseJson } from './json.ts';
import { parseLogfmt } from './logfmt.ts';
import { parseSyslog } from './syslog.ts';
import { plausible, toIso } from './time.ts';
import type { Classified, Format, Level, LogDocument } from './types.ts';
import { Cursor } from './cursor.ts';

export type { Classified, Flag, Format, Level, LogDocument } from './types.ts';
export { LEVELS } from './types.ts';
export { joinMultiline, MultilineJoiner } from './multiline.ts';
export { FUTURE_LIMIT_MS, PAST_LIMIT_MS } from './time.ts';
export { Cursor } from './cursor.ts';

/**
 * The cursor `classify` and `toDocument` use when given none: they are synchronous, so one per module
 * is enough; its memos (the last date, second and receive time) carry over from one call to the next.
 */
const CURSOR = new Cursor();

/** Events longer than this are classified on their first MAX_SCAN characters' first line only. */
const MAX_FIRST_LINE = 64 * 1024;

function dispatch(cur: Cursor, raw: string, ref: number, d: Draft): void {
  // First non-blank character.
  let i = 0;
  const n = raw.length;
  while (i < n) {
    const c = raw.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0xfeff) break;
    i++;
  }
  if (i >= n) {
    d.message = '';
    return;
  }
  const c = raw.charCodeAt(i);
  if (c === 0x7b /* { */ && parseJson(cur, raw, i, ref, d)) return;

  let nl = raw.indexOf('\n', i);
  if (nl < 0) nl = n;
  const lineEnd = Math.min(nl, i + MAX_FIRST_LINE);
  const line = raw.slice(i, lineEnd);
  const rest = nl < n ? trimEnd(raw.slice(nl)) : '';

  if (c === 0x3c /* < */ && parseSyslog(cur, line, rest, ref, d)) return;
  if (c === 0x43 /* C */ && line.startsWith('CEF:') && parseCef(cur, line, 0, ref, d)) return;
  if (c === 0x5b /* [ */ || (c >= 0x30 && c <= 0x39)) {
    if (parseGc(cur, line, rest, ref, d)) return;
  }
  if (parseAccess(cur, line, ref, d)) {
    if (rest.length > 0) d.message += rest;
    return;
  }
  if (parseGeneric(cur, line, rest, ref, d)) {
    cefBehindHeader(cur, ref, d);
    return;
  }
  if (parseLogfmt(cur, line, ref, d)) {
    if (rest.length > 0) d.message += rest;
    return;
  }
  d.format = 'text';
  d.message = trimEnd(raw.slice(i));
}

/**
 * After `parseGeneric`: a CEF payload behind a generic (syslog-like) header, "<time> [host] CEF:0|...",
 * is parsed as CEF, keeping the header's host and time. Otherwise the draft stays as it is.
 */
function cefBehindHeader(cur: Cursor, ref: number, d: Draft): void {
  const cefAt = d.message.startsWith('CEF:') ? 0 : d.format === 'generic' && !Number.isNaN(d.t) ? hostThenCef(d.message) : -1;
  if (cefAt > 0) {
    d.host = d.message.slice(0, cefAt - 1);
    d.message = d.message.slice(cefAt);
  }
  if (cefAt >= 0) {
    const host = d.host;
    const t = d.t;
    const tRaw = d.tRaw;
    const save = d.fields;
    d.fields = {};
    if (parseCef(cur, d.message, 0, ref, d)) {
      if (d.host === undefined) d.host = host;
      if (!Number.isNaN(t)) {
        d.t = t;
        d.tRaw = tRaw;
      }
      return;
    }
    d.fields = save;
  }
}

/** "host CEF:<digit>": index of "CEF:", else -1. */
function hostThenCef(m: string): number {
  // The first space, looked for in the first 256 characters only (a host name is shorter).
  let sp = 0;
  const lim = Math.min(m.length, 256);
  while (sp < lim && m.charCodeAt(sp) !== 0x20) sp++;
  if (sp === lim || sp === 0 || m.charCodeAt(sp + 1) !== 0x43 /* C */ || !m.startsWith('CEF:', sp + 1)) return -1;
  const c = m.charCodeAt(sp + 5);
  return c >= 0x30 && c <= 0x39 ? sp + 1 : -1;
}

/**
 * Classifies one event (possibly several lines, joined by `joinMultiline`). `receivedAt` is the
 * receive time: the fallback event time and the reference for year-less and relative timestamps.
 */
export function classify(raw: string, receivedAt: Date, cur: Cursor = CURSOR): Classified {
  let ref = receivedAt.getTime();
  if (Number.isNaN(ref)) ref = 0;
  return classifyAt(cur, raw, ref);
}

/** `classify` with the receive time in epoch ms (not NaN). */
function classifyAt(cur: Cursor, raw: string, ref: number): Classified {
  const flags: string[] = [];
  const d = classifyDraft(cur, raw, ref, flags);
  const out: Classified = {
    timestamp: cur.timestamp,
    timestampFallback: cur.fallback,
    message: d.message,
    format: d.format,
    fields: d.fields,
    flags,
  };
  if (d.level !== undefined) out.level = d.level;
  if (d.host !== undefined && d.host !== '') out.host = d.host;
  if (d.service !== undefined && d.service !== '') out.service = d.service;
  return out;
}

/** Parses the event into a draft, pushes the classification's flags, sets `cur.timestamp` and `cur.fallback`. */
function classifyDraft(cur: Cursor, raw: string, ref: number, flags: string[]): Draft {
  const d = newDraft();
  try {
    dispatch(cur, typeof raw === 'string' ? raw : String(raw), ref, d);
  } catch {
    // Defensive: a parser bug must not lose the event.
    const r = typeof raw === 'string' ? raw : '';
    d.format = 'text';
    d.message = trimEnd(r);
    d.fields = {};
    d.level = undefined;
    d.t = NaN;
    d.tRaw = undefined;
    d.host = undefined;
    d.service = undefined;
  }
  let timestamp: string;
  let fallback = false;
  if (!Number.isNaN(d.t) && plausible(d.t, ref)) {
    timestamp = toIso(cur, d.t);
  } else {
    fallback = true;
    flags.push('timestamp_fallback');
    if (!Number.isNaN(d.t)) {
      flags.push('timestamp_implausible');
      if (d.tRaw !== undefined && d.fields[d.tKey] === undefined) d.fields[d.tKey] = d.tRaw;
    }
    // The receive time: through the cursor's memo of recent instants (one receive time per batch is
    // the rule, so this is a look-up, not a Date per event) when it is an instant of years 1970-9999.
    timestamp = ref >= 0 && ref < MAX_ISO_MS && Number.isInteger(ref) ? toIso(cur, ref) : Number.isNaN(ref) ? EPOCH_ISO : safeIso(ref);
  }
  if (d.message.indexOf('\n') >= 0) flags.push('multiline');
  cur.timestamp = timestamp;
  cur.fallback = fallback;
  return d;
}

/** `Date.parse(receivedAt)`, or now when unparseable; the last one parsed is remembered in the cursor. */
function receivedMs(cur: Cursor, receivedAt: string): number {
  if (receivedAt === cur.lastReceived) return cur.lastReceivedMs;
  const received = Date.parse(receivedAt);
  if (Number.isNaN(received)) return Date.now();
  cur.lastReceived = receivedAt;
  cur.lastReceivedMs = received;
  return received;
}

/** Start of year 10000: `toIso`'s fixed-width prefix holds up to here. */
const MAX_ISO_MS = 253_402_300_800_000;
const EPOCH_ISO = new Date(0).toISOString();

function safeIso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? new Date(0).toISOString() : d.toISOString();
}

/**
 * The document to index for an envelope: the classification (computed when not given) plus the
 * envelope's tenant, id, source, tags and receive time. The event's own host wins over the
 * envelope's `host` (a forwarder's header names the forwarder, the event names its origin).
 */
export function toDocument(envelope: RawEnvelope, c?: Classified, cur: Cursor = CURSOR): LogDocument {
  if (c !== undefined) return assemble(envelope, c.timestamp, c, c.flags.slice());
  // Classifying here: the document is built from the draft, with no `Classified` in between.
  const flags: string[] = [];
  const d = classifyDraft(cur, envelope.raw, receivedMs(cur, envelope.receivedAt), flags);
  return assemble(envelope, cur.timestamp, d, flags);
}

/** What a document takes from the classification (a `Classified` or the parser's draft). */
interface DocumentParts {
  message: string;
  level?: Level | undefined;
  format: Format;
  host?: string | undefined;
  service?: string | undefined;
  fields: Record<string, unknown>;
}

function assemble(envelope: RawEnvelope, timestamp: string, p: DocumentParts, flags: string[]): LogDocument {
  if (envelope.truncated && !flags.includes('truncated')) flags.push('truncated');
  if (envelope.invalidUtf8 === true && !flags.includes('invalid_utf8')) flags.push('invalid_utf8');
  // Keys in reading order (JSON.stringify keeps insertion order).
  const doc = new (DocumentObject as unknown as new () => LogDocument)();
  doc['@timestamp'] = timestamp;
  doc.message = p.message;
  if (p.level !== undefined) doc.level = p.level;
  doc.format = p.format;
  const host = p.host !== undefined && p.host !== '' ? p.host : envelope.host;
  if (host !== undefined) doc.host = host;
  if (p.service !== undefined && p.service !== '') doc.service = p.service;
  doc.fields = p.fields;
  doc.flags = flags;
  doc.tenant = envelope.tenant;
  doc.event_id = envelope.id;
  if (envelope.source !== undefined) doc.source = envelope.source;
  doc.tags = envelope.tags;
  doc.received_at = envelope.receivedAt;
  return doc;
}

/**
 * A plain object (prototype `Object.prototype`, like `{}`), made by a constructor so that V8 sizes
 * its in-object property space from the documents made before: a document's dozen-odd keys, added
 * one by one, then need no property backing store grown and copied three times.
 */
function DocumentObject(): void {}
DocumentObject.prototype = Object.prototype;
