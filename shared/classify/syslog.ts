/**
 * Syslog with a priority: RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD] MSG`) and RFC 3164
 * (`<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG`, the header after PRI read by the generic reader, which
 * knows this shape). PRI gives facility (`fields.facility`, RFC 5424 names) and severity (-> level).
 * Own parser rather than a library: it never throws, allocates little, and shares the timestamp reader.
 */
import type { Draft } from './draft.ts';
import { trimEnd } from './draft.ts';
import { parseGeneric } from './generic.ts';
import { levelFromSyslogSeverity } from './levels.ts';
import { parseCef } from './cef.ts';
import { parseTimestampAt } from './time.ts';
import type { Cursor } from './cursor.ts';

const FACILITIES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp',
  'ntp', 'security', 'console', 'solaris-cron', 'local0', 'local1', 'local2', 'local3', 'local4',
  'local5', 'local6', 'local7',
];

/** Reads a space-delimited header field; `-` (NILVALUE) is undefined. Sets `cur.fieldEnd`. */
function field(cur: Cursor, s: string, i: number): string | undefined {
  let j = i;
  while (j < s.length && s.charCodeAt(j) !== 0x20) j++;
  cur.fieldEnd = j;
  if (j === i || (j === i + 1 && s.charCodeAt(i) === 0x2d)) return undefined;
  return s.slice(i, j);
}

/** RFC 5424 STRUCTURED-DATA at i: `[id k="v" ...]...` -> object; sets `cur.sdEnd`. null when malformed. */
function structuredData(cur: Cursor, s: string, i: number): Record<string, Record<string, string>> | null {
  const out: Record<string, Record<string, string>> = {};
  const n = s.length;
  while (i < n && s.charCodeAt(i) === 0x5b /* [ */) {
    let j = i + 1;
    while (j < n && s.charCodeAt(j) !== 0x20 && s.charCodeAt(j) !== 0x5d) j++;
    const id = s.slice(i + 1, j);
    if (id.length === 0) return null;
    const params: Record<string, string> = {};
    while (j < n && s.charCodeAt(j) === 0x20) {
      j++;
      const ks = j;
      while (j < n && s.charCodeAt(j) !== 0x3d && s.charCodeAt(j) !== 0x5d && s.charCodeAt(j) !== 0x20) j++;
      if (s.charCodeAt(j) !== 0x3d || s.charCodeAt(j + 1) !== 0x22) return null;
      const key = s.slice(ks, j);
      j += 2;
      let v = '';
      let start = j;
      let closed = false;
      while (j < n) {
        const c = s.charCodeAt(j);
        if (c === 0x5c /* \ */ && j + 1 < n) {
          const e = s.charCodeAt(j + 1);
          // Only ", \ and ] are escapes; any other backslash is kept.
          if (e === 0x22 || e === 0x5c || e === 0x5d) {
            v += s.slice(start, j);
            start = j + 1;
            j += 2;
            continue;
          }
        }
        if (c === 0x22) {
          closed = true;
          break;
        }
        j++;
      }
      if (!closed) return null;
      params[key] = v + s.slice(start, j);
      j++;
    }
    if (s.charCodeAt(j) !== 0x5d) return null;
    out[id] = params;
    i = j + 1;
  }
  cur.sdEnd = i;
  return out;
}

export function parseSyslog(cur: Cursor, line: string, rest: string, ref: number, d: Draft): boolean {
  // <PRI>: 1-3 digits, 0..191.
  let i = 1;
  let pri = 0;
  while (i < line.length && i <= 4) {
    const c = line.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    pri = pri * 10 + (c - 0x30);
    i++;
  }
  if (i === 1 || i > 4 || line.charCodeAt(i) !== 0x3e /* > */ || pri > 191) return false;
  i++;
  const facility = FACILITIES[pri >> 3];
  const level = levelFromSyslogSeverity(pri & 7);

  // RFC 5424: VERSION (digits) then a space.
  let j = i;
  while (j < line.length && j - i < 3 && line.charCodeAt(j) >= 0x30 && line.charCodeAt(j) <= 0x39) j++;
  if (j > i && line.charCodeAt(j) === 0x20 && line.charCodeAt(i) !== 0x30) {
    let k = j + 1;
    let t = NaN;
    if (line.charCodeAt(k) === 0x2d && line.charCodeAt(k + 1) === 0x20) k += 1;
    else {
      t = parseTimestampAt(cur, line, k, ref);
      if (Number.isNaN(t)) return parseBsd(cur, line, i, rest, ref, d, facility, level);
      d.tRaw = line.slice(k, cur.end);
      k = cur.end;
    }
    if (line.charCodeAt(k) !== 0x20) return parseBsd(cur, line, i, rest, ref, d, facility, level);
    const host = field(cur, line, k + 1);
    const app = field(cur, line, cur.fieldEnd + 1);
    const procid = field(cur, line, cur.fieldEnd + 1);
    const msgid = field(cur, line, cur.fieldEnd + 1);
    k = cur.fieldEnd + 1;
    const fields: Record<string, unknown> = {};
    if (facility !== undefined) fields.facility = facility;
    if (procid !== undefined) fields.procid = procid;
    if (msgid !== undefined) fields.msgid = msgid;
    if (line.charCodeAt(k) === 0x2d /* - */) k++;
    else if (line.charCodeAt(k) === 0x5b) {
      const sd = structuredData(cur, line, k);
      if (sd === null) return parseBsd(cur, line, i, rest, ref, d, facility, level);
      fields.sd = sd;
      k = cur.sdEnd;
    } else if (k < line.length) return parseBsd(cur, line, i, rest, ref, d, facility, level);
    if (line.charCodeAt(k) === 0x20) k++;
    if (line.charCodeAt(k) === 0xfeff) k++; // BOM before a UTF-8 MSG
    d.format = 'syslog5424';
    d.t = t;
    d.level = level;
    d.host = host;
    d.service = app;
    d.fields = fields;
    d.message = trimEnd(line.slice(k)) + rest;
    cefPayload(cur, d, ref);
    return true;
  }
  return parseBsd(cur, line, i, rest, ref, d, facility, level);
}

function parseBsd(cur: Cursor, 
  line: string,
  i: number,
  rest: string,
  ref: number,
  d: Draft,
  facility: string | undefined,
  level: Draft['level'],
): boolean {
  const body = line.slice(i);
  d.fields = {};
  if (!parseGeneric(cur, body, rest, ref, d)) {
    d.t = NaN;
    d.tRaw = undefined;
    d.message = trimEnd(body) + rest;
  }
  d.format = 'syslog3164';
  // PRI's severity is authoritative.
  d.level = level;
  if (facility !== undefined) d.fields.facility = facility;
  cefPayload(cur, d, ref);
  return true;
}

/** A CEF record as the syslog message: parse it, keeping the syslog time and host. */
function cefPayload(cur: Cursor, d: Draft, ref: number): void {
  if (!d.message.startsWith('CEF:')) return;
  const { t, tRaw, host, service } = d;
  const facility = d.fields.facility;
  const save = d.fields;
  d.fields = {};
  if (!parseCef(cur, d.message, 0, ref, d)) {
    d.fields = save;
    return;
  }
  if (!Number.isNaN(t)) {
    d.t = t;
    d.tRaw = tRaw;
  }
  if (host !== undefined) d.host = host;
  if (d.service === undefined) d.service = service;
  if (facility !== undefined) d.fields.facility = facility;
}
