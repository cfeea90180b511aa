/**
 * OTLP/JSON log records written straight from the request's bytes, without `JSON.parse` of the body.
 * Pure.
 *
 * A JSON string without escapes in a valid UTF-8 body is already what `JSON.stringify` writes for its
 * value, so the writer copies its bytes (shared/envelope/literal.ts) instead of decoding and escaping
 * it again. The scanner walks resourceLogs / scopeLogs / logRecords once, validating the JSON it reads
 * (strings, escapes, numbers, literals, structure) and the field types it interprets; the resource and
 * scope (once per ScopeLogs) go through the decoded path's own functions (otlp-json.ts).
 *
 * Whatever it does not take on (invalid UTF-8, a duplicate or camel+snake key, a body or attribute
 * that is not a plain string/int/bool/double, an id in base64, numbers where strings are usual, an
 * escaped key, nesting deeper than 64, malformed JSON, a type error) makes it answer `false` having
 * told the sink nothing it keeps: the caller then runs the decoded path (JSON.parse + otlp-json.ts),
 * which accepts or rejects (400) exactly as before. Each byte is read once here (recursion bounded
 * by the depth limit), so the cost stays linear whatever the nesting.
 */
import { isUtf8 } from 'node:buffer';
import { type LiteralWriter, piece, type Piece, wasmEscaper } from '../../envelope/literal.ts';
import { INPUT_AT, type WasmEscaper } from '../../envelope/escape-wasm.ts';
import { levelOfSeverity, type Attrs, type OtlpScope } from './otlp-model.ts';
import { arr, attributes, obj, scopeOf } from './otlp-json.ts';
import { joined, type Joined, RECORD_PIECES } from './otlp-write.ts';

/** Thrown (one instance, no stack) when the scanner leaves the request to the decoded path. */
const BAIL = { bail: true };
const MAX_DEPTH = 64;
const MAX_ATTRS = 16;

export interface JsonScanSink {
  /** Before the records of each ScopeLogs (the same resource object for the scopes of one ResourceLogs): sets the tail. */
  scope(resource: Attrs, scope: OtlpScope): void;
  tail(): Piece;
  /** The literal just ended (`w.end()`) is one event. */
  written(): void;
  /** A record with nothing to log. */
  empty(): void;
}

// Scanner state (module-level: no object per record).
let b: Buffer = Buffer.alloc(0);
let p = 0;
let n = 0;
/** The last string's content `[S, E)`; whether it holds escapes; whether they are all as JSON.stringify writes them. */
let S = 0;
let E = 0;
let ESC = false;
let CANON = true;
/** The escaper holding the body (while a scan runs). */
let X: WasmEscaper;

/**
 * Writes the records of the OTLP/JSON request `body` through `w` and `sink`; false (nothing the sink
 * must keep: the caller discards what it was told) when the decoded path must do it.
 */
export function scanJsonLogsRequest(body: Buffer, w: LiteralWriter, sink: JsonScanSink, receivedAt: string): boolean {
  if (!isUtf8(body)) return false;
  b = body;
  p = 0;
  n = body.length;
  T_SLOTS = -1;
  // The body in WebAssembly memory: long strings are scanned and escaped there (shared/envelope/escape-wasm.ts).
  X = wasmEscaper();
  X.load(body);
  T_AT_WASM = X.reserve(TEMPLATE_WORDS);
  T_WORDS = X.words(T_AT_WASM, TEMPLATE_WORDS);
  try {
    root(w, sink, receivedAt);
    ws();
    return p === n;
  } catch {
    // BAIL, or a type error from the decoded path's functions: that path answers (the same 400).
    w.abandon();
    return false;
  } finally {
    b = Buffer.alloc(0);
    X.unload();
  }
}

function ws(): void {
  const buf = b;
  let i = p;
  for (;;) {
    const c = buf[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
    else break;
  }
  p = i;
}

function expect(c: number): void {
  ws();
  if (b[p] !== c) throw BAIL;
  p++;
}

const HEXV = new Int8Array(256).fill(-1);
for (let c = 0; c < 16; c++) HEXV['0123456789abcdef'.charCodeAt(c)] = HEXV['0123456789ABCDEF'.charCodeAt(c)] = c;
/** `\u00` + these two bytes is how JSON.stringify escapes a control character. */
const CANON_U = new Uint8Array(65536);
for (let c = 0; c < 0x20; c++) {
  const once = JSON.stringify(String.fromCharCode(c));
  if (once.startsWith('"\\u00')) CANON_U[once.charCodeAt(5) * 256 + once.charCodeAt(6)] = 1;
}
const ESCAPES = new Uint8Array(256);
for (const c of '"\\/bfnrt') ESCAPES[c.charCodeAt(0)] = 1;

/** A JSON string (validated) at `p`: its content into S/E/ESC/CANON. The scan stops at the closing quote, a backslash or a control character (invalid raw). */
function str(): void {
  ws();
  const buf = b;
  const end = n;
  if (buf[p] !== 0x22) throw BAIL;
  let i = p + 1;
  S = i;
  ESC = false;
  CANON = true;
  for (;;) {
    // In WebAssembly: a call costs what two or three bytes of a JS loop do.
    i = X.stop(i, end);
    if (i >= end) throw BAIL;
    const c = buf[i]!;
    if (c === 0x22) break;
    if (c !== 0x5c) throw BAIL;
    i = escape(buf, i);
  }
  E = i;
  p = i + 1;
}

/** The escape at `buf[i]` (a backslash), validated; the offset after it. */
function escape(buf: Buffer, i: number): number {
  ESC = true;
  const x = buf[i + 1] ?? 0;
  if (x === 0x75) {
    if (i + 5 >= n || HEXV[buf[i + 2]!]! < 0 || HEXV[buf[i + 3]!]! < 0 || HEXV[buf[i + 4]!]! < 0 || HEXV[buf[i + 5]!]! < 0) throw BAIL;
    // JSON.stringify writes \u00xx (lower-case hex) only for control characters without a short escape.
    if (CANON && (buf[i + 2] !== 0x30 || buf[i + 3] !== 0x30 || CANON_U[buf[i + 4]! * 256 + buf[i + 5]!] !== 1)) CANON = false;
    return i + 6;
  }
  if (ESCAPES[x] !== 1) throw BAIL;
  if (x === 0x2f) CANON = false; // \/
  return i + 2;
}

/** The last string's value. */
function strValue(): string {
  return ESC ? (JSON.parse(b.toString('utf8', S - 1, E + 1)) as string) : b.toString('utf8', S, E);
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** A JSON number (validated) at `p`: its text into S/E. */
function num(): void {
  ws();
  S = p;
  if (b[p] === 0x2d) p++;
  if (b[p] === 0x30) p++;
  else if (isDigit(b[p] ?? 0)) while (isDigit(b[p] ?? 0)) p++;
  else throw BAIL;
  if (b[p] === 0x2e) {
    p++;
    if (!isDigit(b[p] ?? 0)) throw BAIL;
    while (isDigit(b[p] ?? 0)) p++;
  }
  if (b[p] === 0x65 || b[p] === 0x45) {
    p++;
    if (b[p] === 0x2b || b[p] === 0x2d) p++;
    if (!isDigit(b[p] ?? 0)) throw BAIL;
    while (isDigit(b[p] ?? 0)) p++;
  }
  E = p;
}

function word(text: string): void {
  for (let k = 0; k < text.length; k++) if (b[p + k] !== text.charCodeAt(k)) throw BAIL;
  p += text.length;
}

/** Skips any JSON value (validated), nested at most MAX_DEPTH deep. */
function skip(depth: number): void {
  ws();
  const c = b[p];
  if (c === 0x22) str();
  else if (c === 0x7b || c === 0x5b) {
    if (depth >= MAX_DEPTH) throw BAIL;
    const close = c === 0x7b ? 0x7d : 0x5d;
    p++;
    ws();
    if (b[p] === close) {
      p++;
      return;
    }
    for (;;) {
      if (close === 0x7d) {
        str();
        expect(0x3a);
      }
      skip(depth + 1);
      ws();
      const d = b[p++];
      if (d === close) return;
      if (d !== 0x2c) throw BAIL;
    }
  } else if (c === 0x74) word('true');
  else if (c === 0x66) word('false');
  else if (c === 0x6e) word('null');
  else num();
}

/** True (and past it) when the next value is `null`. */
function isNull(): boolean {
  ws();
  if (b[p] !== 0x6e) return false;
  word('null');
  return true;
}

/** Keys the scanner interprets: name (camelCase and proto snake_case) -> id (one bit each in an object's seen mask). */
const KEYS = new Map<string, number>();
const K = {
  resourceLogs: 0, resource: 1, scopeLogs: 2, scope: 3, logRecords: 4,
  time: 5, observed: 6, sevNum: 7, sevText: 8, body: 9, attributes: 10, dropped: 11, flags: 12, traceId: 13, spanId: 14, eventName: 15,
  key: 16, value: 17, stringValue: 18, intValue: 19, boolValue: 20, doubleValue: 21,
} as const;
for (const [names, id] of [
  [['resourceLogs', 'resource_logs'], K.resourceLogs], [['resource'], K.resource], [['scopeLogs', 'scope_logs'], K.scopeLogs], [['scope'], K.scope],
  [['logRecords', 'log_records'], K.logRecords], [['timeUnixNano', 'time_unix_nano'], K.time], [['observedTimeUnixNano', 'observed_time_unix_nano'], K.observed],
  [['severityNumber', 'severity_number'], K.sevNum], [['severityText', 'severity_text'], K.sevText], [['body'], K.body], [['attributes'], K.attributes],
  [['droppedAttributesCount', 'dropped_attributes_count'], K.dropped], [['flags'], K.flags], [['traceId', 'trace_id'], K.traceId], [['spanId', 'span_id'], K.spanId],
  [['eventName', 'event_name'], K.eventName], [['key'], K.key], [['value'], K.value], [['stringValue', 'string_value'], K.stringValue],
  [['intValue', 'int_value'], K.intValue], [['boolValue', 'bool_value'], K.boolValue], [['doubleValue', 'double_value'], K.doubleValue],
] as const) for (const name of names) KEYS.set(name, id);
/** By length then first byte: the candidate names as bytes (compared without making a string). */
const BY_SHAPE = new Map<number, Array<[Buffer, number]>>();
for (const [name, id] of KEYS) {
  const k = name.length * 256 + name.charCodeAt(0);
  const list = BY_SHAPE.get(k) ?? [];
  list.push([Buffer.from(name, 'latin1'), id]);
  BY_SHAPE.set(k, list);
}

/** The id of the key just read (S/E/ESC), or -1 for a key the scanner does not interpret. */
function keyId(): number {
  if (ESC) return KEYS.get(strValue()) ?? -1;
  const list = BY_SHAPE.get((E - S) * 256 + (b[S] ?? 0));
  if (list === undefined) return -1;
  outer: for (const [name, id] of list) {
    for (let k = 1; k < name.length; k++) if (b[S + k] !== name[k]) continue outer;
    return id;
  }
  return -1;
}

/**
 * The keys of the object at `p`, each with its id (`-1`: unknown, its value skipped by `onKey`'s
 * caller); a key repeated (or given in both spellings) makes the scanner bail, as JSON.parse keeps the last.
 */
function eachKey(onKey: (id: number) => void): void {
  expect(0x7b);
  ws();
  if (b[p] === 0x7d) {
    p++;
    return;
  }
  let seen = 0;
  for (;;) {
    str();
    const id = keyId();
    expect(0x3a);
    if (id < 0) skip(1);
    else {
      if ((seen & (1 << id)) !== 0) throw BAIL;
      seen |= 1 << id;
      onKey(id);
    }
    ws();
    const d = b[p++];
    if (d === 0x7d) return;
    if (d !== 0x2c) throw BAIL;
  }
}

/** The items of the array at `p` (or nothing for `null`). */
function eachItem(onItem: () => void): void {
  if (isNull()) return;
  expect(0x5b);
  ws();
  if (b[p] === 0x5d) {
    p++;
    return;
  }
  for (;;) {
    onItem();
    ws();
    const d = b[p++];
    if (d === 0x5d) return;
    if (d !== 0x2c) throw BAIL;
  }
}

/** The value at `p` skipped, then decoded with JSON.parse (a resource or a scope: once per ScopeLogs). */
function parsedValue(): unknown {
  ws();
  const s = p;
  skip(1);
  return JSON.parse(b.toString('utf8', s, p));
}

// The walk: root -> resourceLogs[] -> scopeLogs[] -> logRecords[].
let W: LiteralWriter;
let SINK: JsonScanSink;
let RECEIVED = '';
let resource: Attrs = {};
let scopeLogsSeen = false;
let scope: OtlpScope = { attributes: {} };
let recordsSeen = false;

function root(w: LiteralWriter, sink: JsonScanSink, receivedAt: string): void {
  W = w;
  SINK = sink;
  RECEIVED = receivedAt;
  eachKey((id) => {
    if (id === K.resourceLogs) eachItem(resourceLogs);
    else skip(1);
  });
}

function resourceLogs(): void {
  resource = {};
  scopeLogsSeen = false;
  eachKey(onResourceLogsKey);
}

function onResourceLogsKey(id: number): void {
  if (id === K.resource) {
    if (scopeLogsSeen) throw BAIL; // the records before it would lack it
    const res = parsedValue();
    resource = res === null ? {} : attributes(arr(obj(res, 'resource'), 'attributes', undefined, 'resource'), 'resource.attributes', 0);
  } else if (id === K.scopeLogs) {
    scopeLogsSeen = true;
    const res = resource;
    eachItem(() => {
      resource = res;
      scopeLogs();
    });
  } else skip(1);
}

function scopeLogs(): void {
  scope = { attributes: {} };
  recordsSeen = false;
  let told = false;
  eachKey((id) => {
    if (id === K.scope) {
      if (recordsSeen) throw BAIL;
      scope = scopeOf(parsedValue(), 'scope');
    } else if (id === K.logRecords) {
      recordsSeen = true;
      SINK.scope(resource, scope);
      told = true;
      eachItem(logRecord);
    } else skip(1);
  });
  if (!told) SINK.scope(resource, scope);
}

/** One LogRecord's fields (offsets into the body; -1 absent), reset per record. */
const R = {
  tS: -1, tE: -1, oS: -1, oE: -1, sev: 0, stS: -1, stE: -1, stEsc: 0, bS: -1, bE: -1, bEsc: 0,
  trS: -1, spS: -1, flags: 0, dropped: 0, evS: -1, evE: -1, evEsc: 0, attrs: 0,
  /** Where the numbers were (-1: absent or null), for the record's template. */
  sevS: -1, sevE: -1, flS: -1, flE: -1, drS: -1, drE: -1,
};
/** Per attribute: key start, key end, value kind, value start, value end. */
const A: number[] = [];
const V_NULL = 0, V_STR = 1, V_ESC = 2, V_INT = 3, V_TRUE = 4, V_FALSE = 5, V_DOUBLE = 6, V_CANON = 7;

function logRecord(): void {
  ws();
  if (T_SLOTS < 0 || !fromTemplate()) {
    const start = p;
    R.tS = R.oS = R.stS = R.bS = R.trS = R.spS = R.evS = R.sevS = R.flS = R.drS = -1;
    R.sev = R.flags = R.dropped = R.attrs = 0;
    eachKey(onRecordKey);
    makeTemplate(start, p);
  }
  if ((R.bS < 0 || R.bE === R.bS) && R.evS < 0 && R.attrs === 0) {
    SINK.empty();
    return;
  }
  W.begin();
  writeRecord(W);
  SINK.written();
}

function onRecordKey(id: number): void {
  if (id === K.attributes) eachItem(attribute);
  else if (id === K.body) body();
  else if (id === K.time || id === K.observed) uint64(id);
  else if (id === K.sevNum) {
    R.sev = smallUint();
    R.sevS = NUM_AT;
    R.sevE = E;
  } else if (id === K.flags) {
    R.flags = smallUint();
    R.flS = NUM_AT;
    R.flE = E;
  } else if (id === K.dropped) {
    R.dropped = smallUint();
    R.drS = NUM_AT;
    R.drE = E;
  }
  else if (id === K.traceId || id === K.spanId) hexId(id);
  else if (id === K.sevText || id === K.eventName) {
    if (isNull()) return;
    str();
    if (E === S) return; // '' is absent
    if (id === K.sevText) {
      R.stS = S;
      R.stE = E;
      R.stEsc = strKind();
    } else {
      R.evS = S;
      R.evE = E;
      R.evEsc = strKind();
    }
  } else skip(1);
}

/** time_unix_nano as a decimal string without a leading zero (a number, or "0...", goes the decoded path). */
function uint64(id: number): void {
  if (isNull()) return;
  str();
  if (ESC || E - S > 20 || E === S) throw BAIL;
  for (let i = S; i < E; i++) if (!isDigit(b[i]!)) throw BAIL;
  if (b[S] === 0x30) {
    if (E - S === 1) return; // "0" is absent
    throw BAIL;
  }
  if (id === K.time) {
    R.tS = S;
    R.tE = E;
  } else {
    R.oS = S;
    R.oE = E;
  }
}

/** A plain JSON integer in 0..2^32-1 (a string form, a fraction or an exponent goes the decoded path); null is 0. */
let NUM_AT = -1;
function smallUint(): number {
  NUM_AT = -1;
  if (isNull()) return 0;
  num();
  NUM_AT = S;
  const v = uint32Of(b, S, E);
  if (v < 0) throw BAIL;
  return v;
}

/** The value of the decimal digits `buf[s, e)`, or -1 when one is not a digit or it passes 2^32 - 1. */
function uint32Of(buf: Uint8Array, s: number, e: number): number {
  if (e - s > 10) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const c = buf[i]!;
    if (!isDigit(c)) return -1;
    v = v * 10 + (c - 0x30);
  }
  return v > 0xffffffff ? -1 : v;
}

/** trace_id / span_id as hex of the right length (base64 goes the decoded path); '' is absent. */
function hexId(id: number): void {
  if (isNull()) return;
  str();
  if (E === S) return;
  if (ESC || E - S !== (id === K.traceId ? 32 : 16)) throw BAIL;
  for (let i = S; i < E; i++) if (HEXV[b[i]!]! < 0) throw BAIL;
  if (id === K.traceId) R.trS = S;
  else R.spS = S;
}

/** The body: `{"stringValue": "..."}` only (anything else goes the decoded path); null is absent. */
function body(): void {
  if (isNull()) return;
  bodyKind = -1;
  eachKey(onBodyKey);
  if (bodyKind < 0) throw BAIL; // {} is a null body: rare, decoded path
}

// Per-record walk state (module-level functions: no closure per record or attribute).
let bodyKind = -1;
let AT = 0;
let hasKey = false;
let scalarDone = false;

function onBodyKey(id: number): void {
  if (id !== K.stringValue || bodyKind >= 0) throw BAIL;
  str();
  bodyKind = V_STR;
  R.bS = S;
  R.bE = E;
  R.bEsc = strKind();
}

/** One KeyValue into A: a plain key (not escaped, not integer-like, not repeated) and a scalar value. */
function attribute(): void {
  if (R.attrs >= MAX_ATTRS) throw BAIL;
  const at = (AT = R.attrs * 5);
  hasKey = false;
  A[at + 2] = V_NULL;
  eachKey(onKeyValueKey);
  if (!hasKey) throw BAIL;
  for (let k = 0; k < at; k += 5) if (sameBytes(A[k]!, A[k + 1]!, A[at]!, A[at + 1]!)) throw BAIL;
  R.attrs++;
}

function onKeyValueKey(id: number): void {
  const at = AT;
  if (id === K.key) {
    str();
    if (ESC || (E > S && isDigit(b[S]!))) throw BAIL;
    A[at] = S;
    A[at + 1] = E;
    hasKey = true;
  } else if (id === K.value) {
    if (!isNull()) scalar();
  } else throw BAIL;
}

function sameBytes(s1: number, e1: number, s2: number, e2: number): boolean {
  if (e1 - s1 !== e2 - s2) return false;
  for (let i = 0; i < e1 - s1; i++) if (b[s1 + i] !== b[s2 + i]) return false;
  return true;
}

/** An AnyValue with exactly one of stringValue / intValue (plain, safe) / boolValue / doubleValue (finite). */
function scalar(): void {
  scalarDone = false;
  eachKey(onScalarKey);
  if (!scalarDone) throw BAIL;
}

function onScalarKey(id: number): void {
  const at = AT;
  if (scalarDone) throw BAIL;
  scalarDone = true;
  ws();
  if (id === K.stringValue) {
    str();
    A[at + 2] = !ESC ? V_STR : CANON ? V_CANON : V_ESC;
  } else if (id === K.boolValue) {
    const yes = b[p] === 0x74;
    word(yes ? 'true' : 'false');
    A[at + 2] = yes ? V_TRUE : V_FALSE;
    return;
  } else if (id === K.intValue) {
    if (b[p] === 0x22) str();
    else num();
    if (!plainSafeInt(S, E)) throw BAIL;
    A[at + 2] = V_INT;
  } else if (id === K.doubleValue) {
    if (b[p] === 0x22) throw BAIL;
    num();
    if (!Number.isFinite(Number(b.toString('latin1', S, E)))) throw BAIL;
    A[at + 2] = V_DOUBLE;
  } else throw BAIL;
  A[at + 3] = S;
  A[at + 4] = E;
}

/** `-?[1-9][0-9]{0,14}` or `0`: an integer JSON and String() write as these same digits. */
function plainSafeInt(s: number, e: number): boolean {
  if (b[s] === 0x2d) s++;
  if (e - s < 1 || e - s > 15) return false;
  if (b[s] === 0x30) return e - s === 1 && b[s - 1] !== 0x2d;
  for (let i = s; i < e; i++) if (!isDigit(b[i]!)) return false;
  return true;
}

/*
 * The record template. Records of one request mostly differ only in their values: the same keys in
 * the same order, the same punctuation and whitespace, the same attribute keys. So each record
 * scanned key by key becomes the template for the next: its bytes between the values it keeps
 * (gaps, compared byte for byte) and those values (slots, each scanned as the token it was: a
 * string or a number, then checked as its field requires). A record whose gaps are the template's
 * and whose slots are tokens of the same kinds is the same JSON structure as the template record,
 * so it gives the same fields, only with its own values. Anything else (a gap that differs, a slot
 * that fails its field's check) leaves the record to the key-by-key scan, which then makes it the
 * template. Each byte is compared at most once per record before that, so the cost stays linear.
 */
const MAX_SLOTS = 32;
/** Slots in the template (-1: none yet). */
let T_SLOTS = -1;
/** Per slot: what it holds (a ROLE_), its attribute's offset in A. */
const T_ROLE = new Uint8Array(MAX_SLOTS);
const T_AT = new Int32Array(MAX_SLOTS);
/** The template record's R and A (what its gaps hold stays as it was: attribute keys, nulls, booleans, counts). */
const TR = { ...R };
const TA: number[] = [];

const ROLE_TIME = 0, ROLE_OBS = 1, ROLE_SEV = 2, ROLE_FLAGS = 3, ROLE_DROPPED = 4, ROLE_SEVTEXT = 5, ROLE_EVENT = 6, ROLE_BODY = 7,
  ROLE_TRACE = 8, ROLE_SPAN = 9, ROLE_ATTR_STR = 10, ROLE_ATTR_INT_STR = 11, ROLE_ATTR_INT = 12, ROLE_ATTR_DOUBLE = 13;
/** Roles whose token is a number (the others are strings). */
const NUMBER_ROLE = new Uint8Array(16);
for (const r of [ROLE_SEV, ROLE_FLAGS, ROLE_DROPPED, ROLE_ATTR_INT, ROLE_ATTR_DOUBLE]) NUMBER_ROLE[r] = 1;

/** The template in the escaper's memory (escape-wasm.ts `match`): its address (reserved per scan), its words and their view. */
let T_AT_WASM = 0;
const OUT_WORD = 1 + 3 * (MAX_SLOTS + 1);
const TEMPLATE_WORDS = OUT_WORD + 3 * MAX_SLOTS;
let T_WORDS: Int32Array = new Int32Array(0);

/** Slots being collected by makeTemplate: start, end, role, attribute offset (sorted by start once collected). */
const C: number[] = [];
function slot(s: number, e: number, role: number, at: number): void {
  if (s >= 0) C.push(s, e, role, at);
}

/** The record just scanned key by key (`[start, end)` of the body, its fields in R and A) as the template. */
function makeTemplate(start: number, end: number): void {
  C.length = 0;
  slot(R.tS, R.tE, ROLE_TIME, 0);
  slot(R.oS, R.oE, ROLE_OBS, 0);
  slot(R.sevS, R.sevE, ROLE_SEV, 0);
  slot(R.flS, R.flE, ROLE_FLAGS, 0);
  slot(R.drS, R.drE, ROLE_DROPPED, 0);
  slot(R.stS, R.stE, ROLE_SEVTEXT, 0);
  slot(R.evS, R.evE, ROLE_EVENT, 0);
  slot(R.bS, R.bE, ROLE_BODY, 0);
  slot(R.trS, R.trS + 32, ROLE_TRACE, 0);
  slot(R.spS, R.spS + 16, ROLE_SPAN, 0);
  for (let at = 0; at < R.attrs * 5; at += 5) {
    const kind = A[at + 2]!;
    const s = A[at + 3]!;
    if (kind === V_STR || kind === V_ESC || kind === V_CANON) slot(s, A[at + 4]!, ROLE_ATTR_STR, at);
    else if (kind === V_INT) slot(s, A[at + 4]!, b[s - 1] === 0x22 ? ROLE_ATTR_INT_STR : ROLE_ATTR_INT, at);
    else if (kind === V_DOUBLE) slot(s, A[at + 4]!, ROLE_ATTR_DOUBLE, at);
  }
  const slots = C.length / 4;
  if (slots > MAX_SLOTS) {
    T_SLOTS = -1;
    return;
  }
  // By start (insertion sort: a handful of slots).
  for (let i = 4; i < C.length; i += 4) {
    for (let j = i; j > 0 && C[j]! < C[j - 4]!; j -= 4) {
      for (let k = 0; k < 4; k++) {
        const x = C[j + k]!;
        C[j + k] = C[j - 4 + k]!;
        C[j - 4 + k] = x;
      }
    }
  }
  let v = T_WORDS;
  if (v.length === 0) v = T_WORDS = X.words(T_AT_WASM, TEMPLATE_WORDS);
  v[0] = slots;
  let from = start;
  for (let k = 0; k < slots; k++) {
    v[1 + 3 * k] = INPUT_AT + from;
    v[2 + 3 * k] = C[4 * k]! - from;
    const role = C[4 * k + 2]!;
    v[3 + 3 * k] = NUMBER_ROLE[role]!;
    from = C[4 * k + 1]!;
    T_ROLE[k] = role;
    T_AT[k] = C[4 * k + 3]!;
  }
  v[1 + 3 * slots] = INPUT_AT + from;
  v[2 + 3 * slots] = end - from;
  copyFields(TR, R);
  TA.length = R.attrs * 5;
  for (let k = 0; k < TA.length; k++) TA[k] = A[k]!;
  T_SLOTS = slots;
}

/** `from`'s fields into `to` (R and its template copy; Object.assign costs ten times more per record). */
function copyFields(to: typeof R, from: typeof R): void {
  to.tS = from.tS;
  to.tE = from.tE;
  to.oS = from.oS;
  to.oE = from.oE;
  to.sev = from.sev;
  to.stS = from.stS;
  to.stE = from.stE;
  to.stEsc = from.stEsc;
  to.bS = from.bS;
  to.bE = from.bE;
  to.bEsc = from.bEsc;
  to.trS = from.trS;
  to.spS = from.spS;
  to.flags = from.flags;
  to.dropped = from.dropped;
  to.evS = from.evS;
  to.evE = from.evE;
  to.evEsc = from.evEsc;
  to.attrs = from.attrs;
  to.sevS = from.sevS;
  to.sevE = from.sevE;
  to.flS = from.flS;
  to.flE = from.flE;
  to.drS = from.drS;
  to.drE = from.drE;
}

/** The record at `p` matched against the template: true (R and A filled, `p` past it) or false (nothing changed but R and A). */
function fromTemplate(): boolean {
  let v = T_WORDS;
  if (v.length === 0) v = T_WORDS = X.words(T_AT_WASM, TEMPLATE_WORDS); // the memory grew
  const at = X.match(p, n, T_AT_WASM, T_AT_WASM + 4 * OUT_WORD);
  if (at < 0) return false;
  copyFields(R, TR);
  for (let k = 0; k < TA.length; k++) A[k] = TA[k]!;
  for (let k = 0, o = OUT_WORD; k < T_SLOTS; k++, o += 3) {
    const s = v[o]! - INPUT_AT;
    const e = v[o + 1]! - INPUT_AT;
    const flag = v[o + 2]!;
    let kind = flag === 0 ? STR_PLAIN : STR_CANON;
    // Another escape than the short ones: checked (and its kind found) as `str` does.
    if (flag > 1) {
      if (stringAt(b, s) !== e) return false;
      kind = strKind();
    }
    const role = T_ROLE[k]!;
    if (role >= ROLE_ATTR_STR) {
      if (!attrSlot(role, T_AT[k]!, s, e, kind)) return false;
    } else if (!recordSlot(role, s, e, kind)) return false;
  }
  p = at;
  return true;
}

/** The end of the JSON number at `i` (as `num` reads it), or -1. */
function numberAt(buf: Buffer, i: number): number {
  if (buf[i] === 0x2d) i++;
  if (buf[i] === 0x30) i++;
  else if (isDigit(buf[i] ?? 0)) while (isDigit(buf[i] ?? 0)) i++;
  else return -1;
  if (buf[i] === 0x2e) {
    if (!isDigit(buf[++i] ?? 0)) return -1;
    while (isDigit(buf[i] ?? 0)) i++;
  }
  if (buf[i] === 0x65 || buf[i] === 0x45) {
    i++;
    if (buf[i] === 0x2b || buf[i] === 0x2d) i++;
    if (!isDigit(buf[i] ?? 0)) return -1;
    while (isDigit(buf[i] ?? 0)) i++;
  }
  return i;
}

/** The end (its closing quote) of the JSON string content at `i`, escapes validated into ESC/CANON as `str` does (throws BAIL as it does); -1 for a raw control character or the body's end. */
function stringAt(buf: Buffer, i: number): number {
  const end = n;
  ESC = false;
  CANON = true;
  for (;;) {
    i = X.stop(i, end);
    if (i >= end) return -1;
    const c = buf[i]!;
    if (c === 0x22) return i;
    if (c !== 0x5c) return -1;
    i = escape(buf, i);
  }
}

/** A record field's slot, checked as uint64 / smallUint / hexId / the strings do (anything they would not take: false). */
function recordSlot(role: number, s: number, e: number, kind: number): boolean {
  switch (role) {
    case ROLE_TIME:
    case ROLE_OBS:
      if (kind !== STR_PLAIN || e - s > 20 || e === s || b[s] === 0x30) return false;
      for (let i = s; i < e; i++) if (!isDigit(b[i]!)) return false;
      if (role === ROLE_TIME) {
        R.tS = s;
        R.tE = e;
      } else {
        R.oS = s;
        R.oE = e;
      }
      return true;
    case ROLE_SEV:
    case ROLE_FLAGS:
    case ROLE_DROPPED: {
      // A JSON integer as `num` reads it (no leading zero), as `smallUint` takes it.
      if (e === s || (b[s] === 0x30 && e - s > 1)) return false;
      const v = uint32Of(b, s, e);
      if (v < 0) return false;
      if (role === ROLE_SEV) R.sev = v;
      else if (role === ROLE_FLAGS) R.flags = v;
      else R.dropped = v;
      return true;
    }
    case ROLE_TRACE:
    case ROLE_SPAN:
      if (kind !== STR_PLAIN || e - s !== (role === ROLE_TRACE ? 32 : 16)) return false;
      for (let i = s; i < e; i++) if (HEXV[b[i]!]! < 0) return false;
      if (role === ROLE_TRACE) R.trS = s;
      else R.spS = s;
      return true;
    case ROLE_SEVTEXT:
    case ROLE_EVENT:
      if (e === s) return false; // '' is absent: the template had a text
      if (role === ROLE_SEVTEXT) {
        R.stS = s;
        R.stE = e;
        R.stEsc = kind;
      } else {
        R.evS = s;
        R.evE = e;
        R.evEsc = kind;
      }
      return true;
    default:
      R.bS = s;
      R.bE = e;
      R.bEsc = kind;
      return true;
  }
}

/** An attribute value's slot, checked as `onScalarKey` does. */
function attrSlot(role: number, at: number, s: number, e: number, kind: number): boolean {
  if (role === ROLE_ATTR_STR) A[at + 2] = kind === STR_PLAIN ? V_STR : kind === STR_CANON ? V_CANON : V_ESC;
  else if (role === ROLE_ATTR_DOUBLE) {
    // The slot holds the bytes numbers are made of: a JSON number exactly, and finite.
    if (numberAt(b, s) !== e || !Number.isFinite(Number(b.toString('latin1', s, e)))) return false;
  } else if ((role === ROLE_ATTR_INT_STR && kind !== STR_PLAIN) || !plainSafeInt(s, e)) return false;
  A[at + 3] = s;
  A[at + 4] = e;
  return true;
}

/** The JSON encoding's own pieces: ids and times arrive as JSON strings, so their opening quote comes with the key. */
const P = {
  ...RECORD_PIECES,
  time: piece(',"time_unix_nano":"'),
  observed: piece(',"observed_time_unix_nano":"'),
  traceId: piece(',"trace_id":"'),
  spanId: piece(',"span_id":"'),
};

/** How the last string is written: STR_PLAIN (copied), STR_CANON (escaped once more), STR_DECODE (decoded, then written). */
const STR_PLAIN = 0, STR_CANON = 1, STR_DECODE = 2;
function strKind(): number {
  return !ESC ? STR_PLAIN : CANON ? STR_CANON : STR_DECODE;
}

function writeString(w: LiteralWriter, s: number, e: number, kind: number): void {
  if (kind === STR_PLAIN) w.plainUtf8(b, s, e);
  else if (kind === STR_CANON) w.jsonStringBytes(b, s, e);
  else w.jsString(JSON.parse(b.toString('utf8', s - 1, e + 1)) as string);
}

/** The record in `writeModelRecord`'s order (otlp-write.ts): the same bytes. */
function writeRecord(w: LiteralWriter): void {
  w.piece(headOf(R.tS >= 0 ? isoOfDigits(R.tS, R.tE) : R.oS >= 0 ? isoOfDigits(R.oS, R.oE) : RECEIVED));
  if (R.bS >= 0) writeString(w, R.bS, R.bE, R.bEsc);
  else if (R.evS >= 0) writeString(w, R.evS, R.evE, R.evEsc);
  else w.piece(P.emptyString);
  // The severity goes out joined to the time field's name after it (one copy for both).
  const sev = R.sev !== 0 || R.stS >= 0 ? severityOfRecord() : undefined;
  if (R.tS >= 0) {
    w.piece(sev !== undefined ? sev.time : P.time);
    w.plainAscii(b, R.tS, R.tE);
    w.piece(P.quote);
  } else if (sev !== undefined) w.piece(sev);
  if (R.oS >= 0) digitsField(w, P.observed, R.oS, R.oE);
  if (R.trS >= 0) hexField(w, P.traceId, R.trS, 32);
  if (R.spS >= 0) hexField(w, P.spanId, R.spS, 16);
  if (R.flags !== 0) {
    w.piece(P.flags);
    w.digits(R.flags);
  }
  if (R.evS >= 0) {
    w.piece(P.eventName);
    writeString(w, R.evS, R.evE, R.evEsc);
  }
  if (R.dropped > 0) {
    w.piece(P.dropped);
    w.digits(R.dropped);
  }
  if (R.attrs > 0) writeAttributes(w, SINK.tail());
  else w.piece(SINK.tail());
  w.piece(P.close);
}

/** `{"timestamp":"<iso>","message":` as one piece, kept while the time repeats (a request's records mostly share their millisecond). */
let headIso = '';
let head: Piece | undefined;
function headOf(iso: string): Piece {
  if (head === undefined || iso !== headIso) {
    head = piece(`{"timestamp":"${iso}","message":`);
    headIso = iso;
  }
  return head;
}

/**
 * Decimal nanoseconds (1-20 digits, no leading zero: checked by the scan) as ISO 8601 milliseconds,
 * as `nanosToIso` gives them: the milliseconds (at most 14 digits, exact) read without making a string.
 */
let lastMs = NaN;
let lastIso = '';
function isoOfDigits(s: number, e: number): string {
  let ms = 0;
  for (let i = s; i < e - 6; i++) ms = ms * 10 + (b[i]! - 0x30);
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}

/** The severity piece of the record in R; the last one is reused while the number and the text's bytes repeat. */
let lastSev = -1;
let lastText: Buffer | undefined;
let lastPiece: SevPiece | undefined;
function severityOfRecord(): SevPiece {
  const plain = R.stS < 0 || R.stEsc === STR_PLAIN;
  if (plain && lastPiece !== undefined && R.sev === lastSev && sameText(R.stS, R.stE)) return lastPiece;
  const text = R.stS < 0 ? undefined : R.stEsc !== STR_PLAIN ? (JSON.parse(b.toString('utf8', R.stS - 1, R.stE + 1)) as string) : b.toString('utf8', R.stS, R.stE);
  const pc = severityPiece(R.sev, text);
  if (plain) {
    lastSev = R.sev;
    lastText = R.stS < 0 ? undefined : Buffer.from(b.subarray(R.stS, R.stE));
    lastPiece = pc;
  } else lastPiece = undefined;
  return pc;
}

function sameText(s: number, e: number): boolean {
  if (s < 0 || lastText === undefined) return s < 0 && lastText === undefined;
  if (e - s !== lastText.length) return false;
  for (let i = 0; i < e - s; i++) if (b[s + i] !== lastText[i]) return false;
  return true;
}

function digitsField(w: LiteralWriter, p0: Piece, s: number, e: number): void {
  w.piece(p0);
  w.plainAscii(b, s, e);
  w.piece(P.quote);
}

function hexField(w: LiteralWriter, p0: Piece, s: number, len: number): void {
  w.piece(p0);
  w.lowerAscii(b, s, s + len);
  w.piece(P.quote);
}

/** Per attribute index: the last key's bytes and what they gave (`,` but for the first, the key, `:`); a request's records mostly repeat their keys. */
const keyCache: Array<{ key: Buffer; out: Piece; open: Joined } | undefined> = [];
/** A longer key is not kept. */
const MAX_CACHED_KEY = 128;
const TAIL_OPEN: Joined = { a: undefined, b: undefined, ab: undefined };

/** The scope's tail (joined to the attributes' opening: one copy) and the attributes. */
function writeAttributes(w: LiteralWriter, tail: Piece): void {
  const open = joined(TAIL_OPEN, tail, P.attributes);
  for (let at = 0; at < R.attrs * 5; at += 5) {
    writeKey(w, at, open);
    const kind = A[at + 2]!;
    const s = A[at + 3]!;
    const e = A[at + 4]!;
    if (kind === V_NULL) w.piece(P.null);
    else if (kind === V_STR) w.plainUtf8(b, s, e);
    else if (kind === V_CANON) w.jsonStringBytes(b, s, e);
    else if (kind === V_ESC) writeString(w, s, e, STR_DECODE);
    else if (kind === V_INT) w.plainAscii(b, s, e);
    else if (kind === V_TRUE) w.piece(P.true);
    else if (kind === V_FALSE) w.piece(P.false);
    else w.ascii(String(Number(b.toString('latin1', s, e))));
  }
  w.piece(P.close);
}

/** The key of the attribute at `at` (in A), from the cache when its bytes repeat the last key's at that index; the first after `open` (joined to it: one copy). */
function writeKey(w: LiteralWriter, at: number, open: Piece): void {
  const s = A[at]!;
  const e = A[at + 1]!;
  const k = at / 5;
  const c = keyCache[k];
  if (c !== undefined && c.key.length === e - s && sameAs(c.key, s, e)) {
    w.piece(at === 0 ? joined(c.open, open, c.out) : c.out);
    return;
  }
  if (at === 0) w.piece(open);
  const mark = w.mark();
  const raw = w.rawBytes;
  if (at > 0) w.piece(P.comma);
  w.plainUtf8(b, s, e);
  w.piece(P.colon);
  keyCache[k] = e - s <= MAX_CACHED_KEY ? { key: Buffer.from(b.subarray(s, e)), out: w.since(mark, raw), open: { a: undefined, b: undefined, ab: undefined } } : undefined;
}

/** `b[s, e)` equals `x` (the caller checked the length). */
function sameAs(x: Buffer, s: number, e: number): boolean {
  for (let i = s, j = 0; i < e; i++, j++) if (b[i] !== x[j]) return false;
  return true;
}

/** A severity's piece, and the same joined to the time field's name (`,"time_unix_nano":"`) that mostly follows it. */
interface SevPiece extends Piece {
  readonly time: Piece;
}

/** `,"level":…,"severity_number":…,"severity_text":…` per distinct severity (a request has a handful). */
const severities = new Map<string, SevPiece>();

function severityPiece(sev: number, text: string | undefined): SevPiece {
  const key = text === undefined ? String(sev) : `${sev}:${text}`;
  let pc = severities.get(key);
  if (pc === undefined) {
    const level = (sev !== 0 ? levelOfSeverity(sev) : undefined) ?? text;
    const { lit, rawBytes } = piece(
      (level !== undefined && level !== '' ? `,"level":${JSON.stringify(level)}` : '') +
        (sev !== 0 ? `,"severity_number":${sev}` : '') +
        (text !== undefined ? `,"severity_text":${JSON.stringify(text)}` : ''),
    );
    pc = { lit, rawBytes, time: { lit: Buffer.concat([lit, P.time.lit]), rawBytes: rawBytes + P.time.rawBytes } };
    if (severities.size >= 256) severities.clear();
    severities.set(key, pc);
  }
  return pc;
}
