/**
 * Apache / Nginx access logs, Common and Combined Log Format:
 *   host ident user [dd/Mon/yyyy:hh:mm:ss zone] "METHOD path PROTO" status bytes ["referrer" "user agent"] [extra]
 * Extra after combined: a response time, either bare (nginx `$request_time`, seconds with a decimal
 * point; Apache `%D`, an integer in microseconds) or as `rt=`/`request_time=`/`upstream_response_time=`.
 * The message is the whole line (everything is also in fields). No level: a status is not a severity.
 */
import type { Draft } from './draft.ts';
import { trimEnd } from './draft.ts';
import { parseTimestampAt } from './time.ts';
import type { Cursor } from './cursor.ts';

/** Quoted string at s[i] === '"' with `\"` escapes; returns the raw inner text and sets `cur.qEnd` past the quote. */
function quoted(cur: Cursor, s: string, i: number): string | undefined {
  if (s.charCodeAt(i) !== 0x22) return undefined;
  let j = i + 1;
  let escaped = false;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) {
      escaped = true;
      j += 2;
      continue;
    }
    if (c === 0x22) {
      cur.qEnd = j + 1;
      const inner = s.slice(i + 1, j);
      return escaped ? inner.replace(/\\(["\\])/g, '$1') : inner;
    }
    j++;
  }
  return undefined;
}

function token(s: string, i: number): number {
  let j = i;
  while (j < s.length && s.charCodeAt(j) !== 0x20) j++;
  return j;
}

function responseTime(v: string): number | undefined {
  if (v.length === 0 || v === '-') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) return undefined;
  // Decimal: seconds (nginx $request_time); integer: microseconds (Apache %D).
  return v.indexOf('.') >= 0 ? Math.round(n * 1e6) / 1e3 : n / 1000;
}

export function parseAccess(cur: Cursor, line: string, ref: number, d: Draft): boolean {
  const c0 = line.charCodeAt(0);
  // host: starts with a letter, digit or ':' (IPv6).
  if (!((c0 >= 0x30 && c0 <= 0x3a) || ((c0 | 0x20) >= 0x61 && (c0 | 0x20) <= 0x7a))) return false;
  // `host ident user [`: the first ` [` of the line ends the third space-free field, within 300
  // characters (the user field may contain spaces in broken logs; only the standard shape is accepted).
  const e1 = token(line, 0);
  if (e1 > 300 || line.charCodeAt(e1 + 1) === 0x5b) return false;
  const e2 = token(line, e1 + 1);
  if (e2 > 300 || line.charCodeAt(e2 + 1) === 0x5b) return false;
  const e3 = token(line, e2 + 1);
  if (e3 > 300 || line.charCodeAt(e3) !== 0x20 || line.charCodeAt(e3 + 1) !== 0x5b) return false;
  const br = e3;
  const t = parseTimestampAt(cur, line, br + 1, ref);
  if (Number.isNaN(t)) return false;
  let i = cur.end;
  if (line.charCodeAt(i) !== 0x20) return false;
  const request = quoted(cur, line, i + 1);
  if (request === undefined) return false;
  i = cur.qEnd;
  if (line.charCodeAt(i) !== 0x20) return false;
  const se = token(line, i + 1);
  if (se - i - 1 !== 3) return false;
  const status = Number(line.slice(i + 1, se));
  if (!Number.isInteger(status)) return false;
  const be = token(line, se + 1);
  const bytesText = line.slice(se + 1, be);
  const bytes = bytesText === '-' ? 0 : Number(bytesText);
  if (!Number.isInteger(bytes)) return false;

  const fields: Record<string, unknown> = { client_ip: line.slice(0, e1) };
  const ident = line.slice(e1 + 1, e2);
  if (ident !== '-') fields.ident = ident;
  const user = line.slice(e2 + 1, e3);
  if (user !== '-') fields.user = user;
  requestFields(request, fields);
  fields.status = status;
  fields.bytes = bytes;

  d.format = 'access_common';
  i = combinedTail(cur, line, be, fields, d);
  extraTokens(line, i, fields);
  d.t = t;
  d.tRaw = line.slice(br + 2, cur.end - 1);
  d.fields = fields;
  d.message = trimEnd(line);
  return true;
}

/** The request line: method, path and protocol (or the whole `request` when it has no space). */
function requestFields(request: string, fields: Record<string, unknown>): void {
  const sp1 = request.indexOf(' ');
  if (sp1 > 0) {
    fields.method = request.slice(0, sp1);
    const sp2 = request.lastIndexOf(' ');
    if (sp2 > sp1 && request.startsWith('HTTP/', sp2 + 1)) {
      fields.path = request.slice(sp1 + 1, sp2);
      fields.protocol = request.slice(sp2 + 1);
    } else fields.path = request.slice(sp1 + 1);
  } else fields.request = request;
}

/** Combined Log Format's quoted referrer and user agent at i (after the bytes); returns where they end (i when absent). */
function combinedTail(cur: Cursor, line: string, i: number, fields: Record<string, unknown>, d: Draft): number {
  if (line.charCodeAt(i) === 0x20 && line.charCodeAt(i + 1) === 0x22) {
    const ref1 = quoted(cur, line, i + 1);
    if (ref1 !== undefined && line.charCodeAt(cur.qEnd) === 0x20) {
      const ua = quoted(cur, line, cur.qEnd + 1);
      if (ua !== undefined) {
        d.format = 'access_combined';
        if (ref1 !== '-') fields.referrer = ref1;
        if (ua !== '-') fields.user_agent = ua;
        return cur.qEnd;
      }
    }
  }
  return i;
}

/** Extra tokens from i: a bare response time, or rt=/request_time= pairs (the first one found counts). */
function extraTokens(line: string, i: number, fields: Record<string, unknown>): void {
  let guard = 0;
  while (i < line.length && line.charCodeAt(i) === 0x20 && guard++ < 16) {
    const te = token(line, i + 1);
    const tok = line.slice(i + 1, te);
    i = te;
    if (fields.response_time_ms !== undefined || tok.length === 0) continue;
    const eq = tok.indexOf('=');
    if (eq < 0) {
      const c = tok.charCodeAt(0);
      if (c >= 0x30 && c <= 0x39) {
        const rt = responseTime(tok);
        if (rt !== undefined) fields.response_time_ms = rt;
      }
    } else {
      const k = tok.slice(0, eq);
      if (k === 'rt' || k === 'request_time' || k === 'upstream_response_time' || k === 'urt') {
        const v = tok.slice(eq + 1).replace(/"/g, '');
        const n = Number(v);
        if (v.length > 0 && Number.isFinite(n)) fields.response_time_ms = Math.round(n * 1e6) / 1e3;
      }
    }
  }
}
