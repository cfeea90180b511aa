/**
 * OTLP log records written straight as envelope literals (shared/envelope/literal.ts): the bytes
 * `JSON.stringify(recordRaw(...))` would give, without building the record, its document text or
 * its escaped text. Pure.
 *
 *  - `writeProtoRecord` walks a protobuf LogRecord's bytes once to find its fields, then writes the
 *    document in `recordRaw`'s order, strings escaped twice in one pass from their UTF-8 bytes. What
 *    it does not take on (a map or array body or attribute, a duplicate or integer-like attribute
 *    key, an attribute value it would have to guess) it leaves to the decoded path (`false`), which
 *    writes the same text from `logRecord` + `writeModelRecord`.
 *  - `writeModelRecord` writes a decoded record (the OTLP/JSON path, and protobuf's fallback).
 *
 * A unit test holds that both give exactly `JSON.stringify(recordRaw(...))` (test/unit/protocols/otlp-write.test.ts).
 */
import { type LiteralWriter, piece, type Piece } from '../../envelope/literal.ts';
import { levelOfSeverity, recordHead, type Attrs, type OtlpLogRecord } from './otlp-model.ts';
import { expectWire, type Reader, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT } from './wire.ts';

/** What the records of one ScopeLogs share: `,"resource":…,"scope":…` (either may be absent), made once. */
export function scopeTail(resJson: string | undefined, scJson: string | undefined): Piece {
  return piece((resJson !== undefined ? `,"resource":${resJson}` : '') + (scJson !== undefined ? `,"scope":${scJson}` : ''));
}

/** The pieces of a record's raw JSON that the protobuf and the JSON writers (./otlp-json-scan.ts) both write. */
export const RECORD_PIECES = {
  timestamp: piece('{"timestamp":"'),
  message: piece('","message":'),
  quote: piece('"'),
  flags: piece(',"flags":'),
  eventName: piece(',"event_name":'),
  dropped: piece(',"dropped_attributes_count":'),
  attributes: piece(',"attributes":{'),
  colon: piece(':'),
  comma: piece(','),
  close: piece('}'),
  emptyString: piece('""'),
  null: piece('null'),
  true: piece('true'),
  false: piece('false'),
};

const P = {
  ...RECORD_PIECES,
  level: piece(',"level":'),
  body: piece(',"body":'),
  severityNumber: piece(',"severity_number":'),
  severityText: piece(',"severity_text":'),
  time: piece(',"time_unix_nano":'),
  observed: piece(',"observed_time_unix_nano":'),
  traceId: piece(',"trace_id":'),
  spanId: piece(',"span_id":'),
};
const LEVELS = new Map<string, Piece>(['trace', 'debug', 'info', 'warn', 'error', 'critical'].map((l) => [l, piece(JSON.stringify(l))]));

/** Nanoseconds as two 32-bit halves -> whole milliseconds and the nanoseconds left, exactly, without BigInt. */
function nanos(lo: number, hi: number): { ms: number; rem: number } {
  // hi * 2^32 = hi * 4294 * 1e6 + hi * 967296: every product stays below 2^53.
  const low = hi * 967296 + lo;
  return { ms: hi * 4294 + Math.floor(low / 1e6), rem: low % 1e6 };
}

/**
 * `{"timestamp":"<ISO>","message":` for a record's milliseconds (NaN: the receive time), one piece
 * per millisecond: a request's records mostly share theirs or arrive in order.
 */
let headMs = NaN;
let headAt = '';
let head: Piece | undefined;
function headPiece(ms: number, receivedAt: string): Piece {
  if (head === undefined || !(ms === headMs || (Number.isNaN(ms) && Number.isNaN(headMs) && receivedAt === headAt))) {
    head = piece(`{"timestamp":"${Number.isNaN(ms) ? receivedAt : new Date(ms).toISOString()}","message":`);
    headMs = ms;
    headAt = receivedAt;
  }
  return head;
}

/** The most attributes the byte path checks for duplicate keys pairwise; more go the decoded path (linear too). */
const MAX_FAST_ATTRS = 16;

/**
 * What one walk over a LogRecord found: offsets into its bytes (-1: absent), its numbers. Module
 * state, reset per record: no object per record.
 */
const F = {
  timeLo: 0, timeHi: 0, hasTime: false, obsLo: 0, obsHi: 0, hasObs: false,
  sev: 0, sevS: -1, sevE: -1, evS: -1, evE: -1, trS: -1, trE: -1, spS: -1, spE: -1,
  dropped: -1, flags: -1, attrs: 0,
  /** The body's string value; -2: a body AnyValue with no value. */
  bodyS: -1, bodyE: -1,
};

/**
 * One protobuf LogRecord (`r` spans it) as a literal; `'empty'` for a record with nothing to log (no
 * body, event name or attributes: rejected by the caller, nothing written); `false` when the decoded
 * path must write it (nothing written, `r` unchanged). Throws WireError as `logRecord` does.
 */
export function writeProtoRecord(w: LiteralWriter, r: Reader, tail: Piece, receivedAt: string): boolean | 'empty' {
  const start = r.pos;
  const end = r.end;
  if (!scanRecord(r) || F.attrs > MAX_FAST_ATTRS) return restart(r, start, end);
  const recordEnd = r.pos;
  if ((F.bodyS < 0 || F.bodyE === F.bodyS) && F.evS < 0 && F.attrs === 0) return 'empty';
  w.begin();
  writeFields(w, r.buf, tail, receivedAt);
  if (F.attrs > 0 && !writeAttributes(w, r, tail)) {
    w.abandon();
    return restart(r, start, end);
  }
  w.piece(P.close);
  r.pos = recordEnd;
  r.end = end;
  return true;
}

/** The record's fields into F, checking wire types as `logRecord` does; false for a body that is not a string. */
function scanRecord(r: Reader): boolean {
  F.hasTime = F.hasObs = false;
  F.sev = F.attrs = 0;
  F.sevS = F.evS = F.trS = F.spS = F.bodyS = F.dropped = F.flags = -1;
  while (!r.done()) {
    const f = r.field();
    const wire = r.wire;
    if (f === 1 || f === 11) {
      expectWire('LogRecord', f, wire, WIRE_I64);
      scanTime(r, f);
    } else if (f === 2 || f === 7) {
      expectWire('LogRecord', f, wire, WIRE_VARINT);
      if (f === 2) F.sev = r.varint();
      else F.dropped = r.varint();
    } else if (f === 3 || f === 12 || f === 9 || f === 10) {
      expectWire('LogRecord', f, wire, WIRE_LEN);
      const s = r.open();
      if (r.openEnd > s) scanText(f, s, r.openEnd);
    } else if (f === 5) {
      expectWire('LogRecord', f, wire, WIRE_LEN);
      const s = r.open();
      const kind = stringBody(r, s, r.openEnd);
      if (kind < 0) return false;
      F.bodyS = kind === 1 ? found.s : -2;
      F.bodyE = kind === 1 ? found.e : -2;
    } else if (f === 6) {
      expectWire('LogRecord', f, wire, WIRE_LEN);
      const s = r.open();
      if (F.attrs < MAX_FAST_ATTRS) {
        kvAt[2 * F.attrs] = s;
        kvAt[2 * F.attrs + 1] = r.openEnd;
      }
      F.attrs++;
    } else if (f === 8) {
      expectWire('LogRecord', f, wire, WIRE_I32);
      F.flags = r.fixed32();
    } else r.skipField(wire);
  }
  return true;
}

/** A time field (1 or 11: fixed64 nanoseconds, as two halves) into F; 0 is absent. */
function scanTime(r: Reader, f: number): void {
  if (r.pos + 8 > r.end) r.fixed64(); // throws: truncated
  const lo = u32(r.buf, r.pos);
  const hi = u32(r.buf, r.pos + 4);
  r.pos += 8;
  if (lo === 0 && hi === 0) return;
  if (f === 1) {
    F.timeLo = lo;
    F.timeHi = hi;
    F.hasTime = true;
  } else {
    F.obsLo = lo;
    F.obsHi = hi;
    F.hasObs = true;
  }
}

/** A non-empty text or bytes field's offsets into F: severity text 3, event name 12, trace id 9, span id 10. */
function scanText(f: number, s: number, e: number): void {
  if (f === 3) {
    F.sevS = s;
    F.sevE = e;
  } else if (f === 12) {
    F.evS = s;
    F.evE = e;
  } else if (f === 9) {
    F.trS = s;
    F.trE = e;
  } else {
    F.spS = s;
    F.spE = e;
  }
}

/** The little-endian uint32 at `buf[p]` (in bounds): Buffer#readUInt32LE is a call with its own checks. */
function u32(buf: Buffer, p: number): number {
  return (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16)) + buf[p + 3]! * 0x1000000;
}

/** The document from F, in `recordRaw`'s order, up to the attributes. */
function writeFields(w: LiteralWriter, buf: Buffer, tail: Piece, receivedAt: string): void {
  const time = F.hasTime ? nanos(F.timeLo, F.timeHi) : undefined;
  const observed = F.hasObs ? nanos(F.obsLo, F.obsHi) : undefined;
  w.piece(headPiece(time !== undefined ? time.ms : observed !== undefined ? observed.ms : NaN, receivedAt));
  if (F.bodyS >= 0) w.utf8String(buf, F.bodyS, F.bodyE);
  else if (F.evS >= 0) w.utf8String(buf, F.evS, F.evE);
  else w.piece(P.emptyString);
  // The severity goes out joined to the time field after it (one copy for both).
  let sev = F.sev !== 0 || F.sevS >= 0 ? severityPiece(F.sev, buf, F.sevS, F.sevE) : undefined;
  if (time !== undefined) {
    timeField(w, 0, time, sev);
    sev = undefined;
  }
  if (observed !== undefined) {
    timeField(w, 1, observed, sev);
    sev = undefined;
  }
  if (sev !== undefined) w.piece(sev);
  if (F.trS >= 0) hexField(w, P.traceId, buf, F.trS, F.trE);
  if (F.spS >= 0) hexField(w, P.spanId, buf, F.spS, F.spE);
  if (F.flags > 0) {
    w.piece(P.flags);
    w.digits(F.flags);
  }
  if (F.evS >= 0) {
    w.piece(P.eventName);
    w.utf8String(buf, F.evS, F.evE);
  }
  if (F.dropped > 0) {
    w.piece(P.dropped);
    if (Number.isSafeInteger(F.dropped)) w.digits(F.dropped);
    else w.ascii(String(F.dropped));
  }
  // With attributes, the tail goes out joined to their opening (writeAttributes).
  if (F.attrs === 0) w.piece(tail);
}

/** Two pieces as one: one copy per record instead of two. The last pair's is kept (what follows a record's body mostly repeats). */
export interface Joined {
  a: Piece | undefined;
  b: Piece | undefined;
  ab: Piece | undefined;
}
export function joined(j: Joined, a: Piece, b: Piece): Piece {
  if (j.ab === undefined || j.a !== a || j.b !== b) {
    j.a = a;
    j.b = b;
    j.ab = { lit: Buffer.concat([a.lit, b.lit]), rawBytes: a.rawBytes + b.rawBytes };
  }
  return j.ab;
}
const TAIL_OPEN: Joined = { a: undefined, b: undefined, ab: undefined };

/** A severity's piece, with its last join to a time field's (per severity: a request mixes a handful). */
interface SevPiece extends Piece {
  readonly time: Joined;
}

/** `,"level":…,"severity_number":…,"severity_text":…` per distinct severity (a request has a handful). */
const severities = new Map<string, SevPiece>();

/** The last severity piece, kept while a record's number and text bytes repeat (no string, concatenation or hash per record). */
let lastSev = -1;
let lastText: Buffer | undefined;
let lastPiece: SevPiece | undefined;

function severityPiece(sev: number, buf: Buffer, s: number, e: number): SevPiece {
  if (lastPiece !== undefined && sev === lastSev && sameText(buf, s, e)) return lastPiece;
  const p = severityPieceOf(sev, buf, s, e);
  lastSev = sev;
  lastText = s >= 0 ? Buffer.from(buf.subarray(s, e)) : undefined;
  lastPiece = p;
  return p;
}

function sameText(buf: Buffer, s: number, e: number): boolean {
  if (s < 0 || lastText === undefined) return s < 0 && lastText === undefined;
  if (e - s !== lastText.length) return false;
  for (let i = 0; i < e - s; i++) if (buf[s + i] !== lastText[i]) return false;
  return true;
}

function severityPieceOf(sev: number, buf: Buffer, s: number, e: number): SevPiece {
  const text = s >= 0 ? buf.toString('utf8', s, e) : undefined;
  const key = text === undefined ? String(sev) : `${sev}:${text}`;
  let p = severities.get(key);
  if (p === undefined) {
    const level = (sev !== 0 ? levelOfSeverity(sev) : undefined) ?? text;
    const { lit, rawBytes } = piece(
      (level !== undefined ? `,"level":${JSON.stringify(level)}` : '') +
        (sev !== 0 ? `,"severity_number":${sev}` : '') +
        (text !== undefined ? `,"severity_text":${JSON.stringify(text)}` : ''),
    );
    p = { lit, rawBytes, time: { a: undefined, b: undefined, ab: undefined } };
    if (severities.size >= 256) severities.clear();
    severities.set(key, p);
  }
  return p;
}

/** Back to the record's start, for the decoded path. */
function restart(r: Reader, start: number, end: number): false {
  r.pos = start;
  r.end = end;
  return false;
}

/** Where `stringBody` found the string (module state: no object per record). */
const found = { s: -1, e: -1 };

/**
 * The body AnyValue `[s, e)`: 1 when it holds a string (at `found`), 0 when it holds nothing, -1 for
 * another kind (the decoded path). The reader ends where it was, past the body.
 */
function stringBody(r: Reader, s: number, e: number): number {
  const recordEnd = r.end;
  r.pos = s;
  r.end = e;
  let kind = 0;
  while (!r.done()) {
    const f = r.field();
    if (f === 1) {
      expectWire('AnyValue', f, r.wire, WIRE_LEN);
      found.s = r.open();
      found.e = r.openEnd;
      kind = 1;
    } else if (f <= 7) {
      kind = -1;
      break;
    } else r.skipField(r.wire);
  }
  r.pos = e;
  r.end = recordEnd;
  return kind;
}

/** Per field (time, observed time): `,"<name>":"<ms digits>` for the last millisecond seen, one piece. */
const timeMs = [NaN, NaN];
const timePieces: Piece[] = [P.time, P.observed];
const TIME_NAMES = ['time_unix_nano', 'observed_time_unix_nano'];

/** The nanoseconds as their decimal string, `"<ms><rem, 6 digits>"` (or just the nanoseconds under a millisecond). */
function timeField(w: LiteralWriter, k: number, t: { ms: number; rem: number }, before: SevPiece | undefined): void {
  if (t.ms !== timeMs[k]) {
    timeMs[k] = t.ms;
    timePieces[k] = piece(`,"${TIME_NAMES[k]}":"${t.ms > 0 ? String(t.ms) : ''}`);
  }
  w.piece(before !== undefined ? joined(before.time, before, timePieces[k]!) : timePieces[k]!);
  if (t.ms > 0) w.digits(t.rem, 6);
  else w.digits(t.rem);
  w.piece(P.quote);
}

function hexField(w: LiteralWriter, p: Piece, buf: Buffer, s: number, e: number): void {
  w.piece(p);
  w.piece(P.quote);
  w.hex(buf, s, e);
  w.piece(P.quote);
}

/** The record's KeyValue payloads as [start, end) pairs, and their keys', in order (module state: no array per record). */
const kvAt: number[] = new Array<number>(2 * MAX_FAST_ATTRS).fill(0);
const keyAt: number[] = new Array<number>(2 * MAX_FAST_ATTRS).fill(0);

/**
 * What the attribute at index k of the last records wrote, by its bytes: a request's records mostly
 * carry the same keys in the same order, many with the same value (a route, a pod name). `kv` is a
 * copy of the KeyValue's bytes, `kvPiece` what they gave (`,` before all but the first, key, `:`,
 * value), `keyPiece` its part up to the value. Output is a function of the bytes alone, so equal
 * bytes write the piece; `whole` goes false once the key repeated with another value (then only the
 * key is compared).
 */
interface AttrEntry {
  kv: Buffer;
  keyOff: number;
  keyLen: number;
  kvPiece: Piece;
  keyPiece: Piece;
  whole: boolean;
  /** For index 0: the attributes' opening joined to the piece written. */
  open: Joined;
}
const attrCache: Array<AttrEntry | undefined> = [];
/** A KeyValue longer than this is not kept (its copy would hold memory for a rare repeat). */
const MAX_CACHED_KV = 256;

/** The scope's tail and `,"attributes":{…}` from the KeyValues `scanRecord` found, or false (the caller abandons) for the decoded path. */
function writeAttributes(w: LiteralWriter, r: Reader, tail: Piece): boolean {
  const open = joined(TAIL_OPEN, tail, P.attributes);
  for (let k = 0; k < F.attrs; k++) if (!writeAttribute(w, r, k, open)) return false;
  // A repeated key keeps its first place in a JS object: decoded path.
  const buf = r.buf;
  for (let k = 2; k < 2 * F.attrs; k += 2) {
    for (let j = 0; j < k; j += 2) if (sameBytes(buf, keyAt[k]!, keyAt[k + 1]!, keyAt[j]!, keyAt[j + 1]!)) return false;
  }
  w.piece(P.close);
  return true;
}

/**
 * The attribute at index k (its key's offsets into keyAt), from the cache when its bytes repeat;
 * false for the decoded path. The first is preceded by `open` (joined to its kept piece: one copy).
 */
function writeAttribute(w: LiteralWriter, r: Reader, k: number, open: Piece): boolean {
  const buf = r.buf;
  const s = kvAt[2 * k]!;
  const e = kvAt[2 * k + 1]!;
  const c = attrCache[k];
  if (c !== undefined && c.whole && e - s === c.kv.length && equalBytes(buf, s, e, c.kv, 0)) {
    keyAt[2 * k] = s + c.keyOff;
    keyAt[2 * k + 1] = s + c.keyOff + c.keyLen;
    w.piece(k === 0 ? joined(c.open, open, c.kvPiece) : c.kvPiece);
    return true;
  }
  if (!keyValueAt(r, s, e)) return false;
  const { kS, kE, vS, vE } = kv;
  keyAt[2 * k] = kS;
  keyAt[2 * k + 1] = kE;
  const keyHit = c !== undefined && kE - kS === c.keyLen && equalBytes(buf, kS, kE, c.kv, c.keyOff);
  if (k === 0 && !keyHit) w.piece(open);
  const mark = w.mark();
  const raw = w.rawBytes;
  if (keyHit) {
    c.whole = false;
    w.piece(k === 0 ? joined(c.open, open, c.keyPiece) : c.keyPiece);
  } else {
    if (k > 0) w.piece(P.comma);
    // A key that is not valid UTF-8 may equal another once decoded: decoded path.
    if (!w.utf8String(buf, kS, kE)) return false;
    w.piece(P.colon);
  }
  const keyMark = w.mark();
  const keyRaw = w.rawBytes;
  if (vS < 0) w.piece(P.null);
  else if (!writeScalar(w, r, vS, vE)) return false;
  if (!keyHit) attrCache[k] = e - s <= MAX_CACHED_KV ? entryOf(w, buf, s, e, mark, raw, keyMark - mark, keyRaw - raw) : undefined;
  return true;
}

/** The cache entry for the KeyValue `buf[s, e)` just written from `mark` (its key part `keyBytes` long). */
function entryOf(w: LiteralWriter, buf: Buffer, s: number, e: number, mark: number, raw: number, keyBytes: number, keyRaw: number): AttrEntry {
  const kvPiece = w.since(mark, raw);
  return {
    kv: Buffer.from(buf.subarray(s, e)),
    keyOff: kv.kS - s,
    keyLen: kv.kE - kv.kS,
    kvPiece,
    keyPiece: { lit: kvPiece.lit.subarray(0, keyBytes), rawBytes: keyRaw },
    whole: true,
    open: { a: undefined, b: undefined, ab: undefined },
  };
}

/** Where `keyValueAt` found the key and the value (-1: none) (module state). */
const kv = { kS: 0, kE: 0, vS: -1, vE: -1 };

/** KeyValue { key = 1; value = 2 } at `buf[s, e)`, the last of each winning, into `kv`; false for an integer-like key (it sorts first in a JS object: decoded path). */
function keyValueAt(r: Reader, s: number, e: number): boolean {
  kv.kS = kv.kE = s;
  kv.vS = kv.vE = -1;
  r.pos = s;
  r.end = e;
  while (!r.done()) {
    const f = r.field();
    if (f === 1) {
      expectWire('KeyValue', f, r.wire, WIRE_LEN);
      kv.kS = r.open();
      kv.kE = r.openEnd;
    } else if (f === 2) {
      expectWire('KeyValue', f, r.wire, WIRE_LEN);
      kv.vS = r.open();
      kv.vE = r.openEnd;
    } else r.skipField(r.wire);
  }
  const b = r.buf[kv.kS]!;
  return !(kv.kE > kv.kS && b >= 0x30 && b <= 0x39);
}

/** `buf[s, e)` equals `other` from `at` (the caller checked the lengths fit): a JS loop for short runs, a native compare above. */
function equalBytes(buf: Buffer, s: number, e: number, other: Buffer, at: number): boolean {
  if (e - s >= 24) return buf.compare(other, at, at + e - s, s, e) === 0;
  for (let i = s, j = at; i < e; i++, j++) if (buf[i] !== other[j]) return false;
  return true;
}

function sameBytes(b: Buffer, s1: number, e1: number, s2: number, e2: number): boolean {
  if (e1 - s1 !== e2 - s2) return false;
  for (let i = 0; i < e1 - s1; i++) if (b[s1 + i] !== b[s2 + i]) return false;
  return true;
}

/** A scalar AnyValue (`buf[s, e)`) as its JSON; false for an array or a map (nothing written then). An empty AnyValue is null. */
function writeScalar(w: LiteralWriter, r: Reader, s: number, e: number): boolean {
  r.pos = s;
  r.end = e;
  let kind = 0;
  let a = 0;
  let b = 0;
  while (!r.done()) {
    const f = r.field();
    const wire = r.wire;
    if (f === 1 || f === 7) {
      expectWire('AnyValue', f, wire, WIRE_LEN);
      a = r.open();
      b = r.openEnd;
    } else if (f === 2 || f === 3) {
      expectWire('AnyValue', f, wire, WIRE_VARINT);
      a = r.pos;
      r.varint();
    } else if (f === 4) {
      expectWire('AnyValue', f, wire, WIRE_I64);
      a = r.pos;
      r.double();
    } else if (f === 5 || f === 6) return false;
    else {
      r.skipField(wire);
      continue;
    }
    kind = f;
  }
  const buf = r.buf;
  switch (kind) {
    case 0:
      w.piece(P.null);
      return true;
    case 1:
      w.utf8String(buf, a, b);
      return true;
    case 7:
      w.piece(P.quote);
      w.ascii(buf.toString('base64', a, b));
      w.piece(P.quote);
      return true;
    case 2:
      r.pos = a;
      w.piece(r.varint() !== 0 ? P.true : P.false);
      return true;
    case 3: {
      r.pos = a;
      const v = r.varint();
      // A varint below 2^53 is a non-negative int64 (a negative one takes ten bytes): its digits, no string.
      if (Number.isSafeInteger(v)) w.digits(v);
      else {
        r.pos = a;
        const str = r.int64String();
        const n = Number(str);
        if (Number.isSafeInteger(n)) w.ascii(String(n));
        else {
          w.piece(P.quote);
          w.ascii(str);
          w.piece(P.quote);
        }
      }
      return true;
    }
    default: {
      const d = buf.readDoubleLE(a);
      if (Number.isFinite(d)) w.ascii(String(d));
      else {
        w.piece(P.quote);
        w.ascii(String(d));
        w.piece(P.quote);
      }
      return true;
    }
  }
}

/** A decoded record as its literal: the same text as `recordRaw(resJson, scJson, r, receivedAt)`, `tail` being `scopeTail(resJson, scJson)`. */
export function writeModelRecord(w: LiteralWriter, r: OtlpLogRecord, tail: Piece, receivedAt: string): void {
  w.begin();
  const { timestamp, level, bodyJson, message } = recordHead(r, receivedAt);
  w.piece(P.timestamp);
  w.ascii(timestamp);
  w.piece(P.message);
  w.jsString(message);
  if (level !== undefined && level !== '') {
    w.piece(P.level);
    const known = LEVELS.get(level);
    if (known !== undefined) w.piece(known);
    else w.jsString(level);
  }
  if (bodyJson !== undefined) {
    w.piece(P.body);
    w.jsonText(bodyJson);
  }
  if (r.severityNumber !== undefined) {
    w.piece(P.severityNumber);
    w.ascii(String(r.severityNumber));
  }
  if (r.severityText !== undefined) {
    w.piece(P.severityText);
    w.jsString(r.severityText);
  }
  if (r.timeUnixNano !== undefined) stringField(w, P.time, r.timeUnixNano);
  if (r.observedTimeUnixNano !== undefined) stringField(w, P.observed, r.observedTimeUnixNano);
  if (r.traceId !== undefined) stringField(w, P.traceId, r.traceId);
  if (r.spanId !== undefined) stringField(w, P.spanId, r.spanId);
  if (r.flags !== undefined && r.flags !== 0) {
    w.piece(P.flags);
    w.ascii(String(r.flags));
  }
  if (r.eventName !== undefined) {
    w.piece(P.eventName);
    w.jsString(r.eventName);
  }
  if (r.droppedAttributesCount !== undefined && r.droppedAttributesCount > 0) {
    w.piece(P.dropped);
    w.ascii(String(r.droppedAttributesCount));
  }
  w.piece(tail);
  writeAttrs(w, r.attributes);
  w.piece(P.close);
}

function stringField(w: LiteralWriter, p: Piece, v: string): void {
  w.piece(p);
  w.jsString(v);
}

function writeAttrs(w: LiteralWriter, a: Attrs): void {
  let first = true;
  for (const k in a) {
    w.piece(first ? P.attributes : P.comma);
    first = false;
    w.jsString(k);
    w.piece(P.colon);
    const v = a[k];
    if (typeof v === 'string') w.jsString(v);
    else if (typeof v === 'number' && Number.isFinite(v)) w.ascii(String(v));
    else if (typeof v === 'boolean') w.piece(v ? P.true : P.false);
    else if (v === null) w.piece(P.null);
    else w.jsonText(JSON.stringify(v));
  }
  if (!first) w.piece(P.close);
}
