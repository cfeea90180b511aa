/**
 * logfmt / key=value lines: `time=2024-01-01T00:00:00Z level=info msg="started" port=8080`.
 * A line is logfmt when it is entirely `key=value` pairs (values bare or double-quoted with `\"`
 * escapes; bare keys allowed as long as at least two thirds of the tokens are pairs), at least two of
 * them. Values stay strings (a key's type must not change between events in the index).
 */
import type { Draft } from './draft.ts';
import { levelFromValue } from './levels.ts';
import { parseTimestampString } from './time.ts';
import type { Cursor } from './cursor.ts';

const TIME_KEYS = new Set(['time', 'ts', 'timestamp', '@timestamp', 't', 'date', 'datetime']);
const LEVEL_KEYS = new Set(['level', 'lvl', 'severity', 'loglevel', 'log_level']);
const MESSAGE_KEYS = new Set(['msg', 'message']);
const HOST_KEYS = new Set(['host', 'hostname']);
const SERVICE_KEYS = new Set(['service', 'app', 'svc', 'application', 'component_name']);

const R_TIME = 1;
const R_LEVEL = 2;
const R_MESSAGE = 4;
const R_HOST = 8;
const R_SERVICE = 16;
/** Key -> the sets above it is in (bits): one look-up per key instead of one per set. */
const ROLES = new Map<string, number>();
for (const [set, bit] of [[TIME_KEYS, R_TIME], [LEVEL_KEYS, R_LEVEL], [MESSAGE_KEYS, R_MESSAGE], [HOST_KEYS, R_HOST], [SERVICE_KEYS, R_SERVICE]] as const) {
  for (const k of set) ROLES.set(k, (ROLES.get(k) ?? 0) | bit);
}

function isKeyChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x5f || // _
    c === 0x2e || // .
    c === 0x2d || // -
    c === 0x40 || // @
    c === 0x2f // /
  );
}

/** Reads pairs from s[i..]; returns null when the text is not logfmt. */
export function readPairs(s: string, i: number): Map<string, string> | null {
  const out = new Map<string, string>();
  const n = s.length;
  let pairs = 0;
  let bare = 0;
  while (i < n) {
    while (i < n && s.charCodeAt(i) === 0x20) i++;
    if (i >= n) break;
    const ks = i;
    while (i < n && isKeyChar(s.charCodeAt(i))) i++;
    if (i === ks) return null;
    const key = s.slice(ks, i);
    if (i >= n || s.charCodeAt(i) === 0x20) {
      bare++;
      out.set(key, 'true');
      continue;
    }
    if (s.charCodeAt(i) !== 0x3d /* = */) return null;
    i++;
    let value: string;
    if (s.charCodeAt(i) === 0x22 /* " */) {
      i++;
      let buf = '';
      let start = i;
      let closed = false;
      while (i < n) {
        const c = s.charCodeAt(i);
        if (c === 0x5c /* \ */ && i + 1 < n) {
          buf += s.slice(start, i);
          const e = s[i + 1] ?? '';
          buf += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i += 2;
          start = i;
          continue;
        }
        if (c === 0x22) {
          closed = true;
          break;
        }
        i++;
      }
      if (!closed) return null;
      value = buf + s.slice(start, i);
      i++;
      if (i < n && s.charCodeAt(i) !== 0x20) return null;
    } else {
      const vs = i;
      while (i < n && s.charCodeAt(i) !== 0x20) i++;
      value = s.slice(vs, i);
    }
    pairs++;
    out.set(key, value);
  }
  if (pairs < 2 || bare * 2 > pairs) return null;
  return out;
}

export function parseLogfmt(cur: Cursor, line: string, ref: number, d: Draft): boolean {
  // Cheap pre-check: the first token must be key=.
  let i = 0;
  while (i < line.length && isKeyChar(line.charCodeAt(i))) i++;
  if (i === 0 || line.charCodeAt(i) !== 0x3d) return false;
  const pairs = readPairs(line, 0);
  if (pairs === null) return false;
  d.format = 'logfmt';
  const fields: Record<string, unknown> = {};
  let message: string | undefined;
  for (const [k, v] of pairs) {
    const roles = ROLES.get(k);
    if (roles === undefined) {
      fields[k] = v;
      continue;
    }
    if (Number.isNaN(d.t) && (roles & R_TIME) !== 0) {
      const t = parseTimestampString(cur, v, ref);
      if (!Number.isNaN(t)) {
        d.t = t;
        d.tRaw = v;
        d.tKey = k;
        continue;
      }
    }
    if (d.level === undefined && (roles & R_LEVEL) !== 0) {
      const lv = levelFromValue(v);
      if (lv !== undefined) {
        d.level = lv;
        continue;
      }
    }
    if (message === undefined && (roles & R_MESSAGE) !== 0) {
      message = v;
      continue;
    }
    if (d.host === undefined && (roles & R_HOST) !== 0) {
      d.host = v;
      continue;
    }
    if (d.service === undefined && (roles & R_SERVICE) !== 0) {
      d.service = v;
      continue;
    }
    fields[k] = v;
  }
  d.fields = fields;
  d.message = message ?? line;
  return true;
}
