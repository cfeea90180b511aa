/**
 * JVM garbage-collection logs.
 *
 * JDK 8 (`-XX:+PrintGCDetails`, optionally `-XX:+PrintGCDateStamps`), format `jvm_gc`:
 *   2013-10-25T18:35:43.387+0000: 441.482: [GC (Allocation Failure) [PSYoungGen: 2430541K->268617K(2484544K)]
 *     7687523K->5660738K(8076992K), 0.3266870 secs] [Times: user=1.05 sys=0.17, real=0.33 secs]
 * JDK 9+ unified logging (`-Xlog:gc...`), format `jvm_unified`: adjacent `[decoration]` groups (time,
 * uptime, level, tags, pid, tid, ...) then the message; a GC pause message:
 *   GC(3) Pause Young (Normal) (G1 Evacuation Pause) 24M->4M(256M) 3.456ms
 *
 * Fields: gc_type (`GC`, `Full GC`, `Pause Young (Normal)`), cause, collector (JDK 8: the first
 * generation named, e.g. PSYoungGen, ParNew, DefNew; unified: from `Using G1`), heap_before_kb,
 * heap_after_kb, heap_total_kb (whole heap), pause_ms, uptime_s, gc_id, user_s/sys_s/real_s (JDK 8
 * `[Times: ...]`), tags (unified).
 */
import type { Draft } from './draft.ts';
import { trimEnd } from './draft.ts';
import { levelFromWord } from './levels.ts';
import { parseTimestampAt } from './time.ts';
import type { Cursor } from './cursor.ts';

// Every pattern that starts with a run of digits is anchored to the run's first digit by `(?<!\d)`:
// a later start inside the same run sees the same suffix and could not match where the first failed,
// so the matches are the same, but a long digit run is scanned once instead of once per digit
// (quadratic: 64 KB of digits took ~9 s). See test/unit/classify/complexity.test.ts.
const HEAP_RE = /(?<!\d)(\d+)([KMGB])->(\d+)([KMGB])\((\d+)([KMGB])\)/g;
const UNIT_KB: Record<string, number> = { B: 1 / 1024, K: 1, M: 1024, G: 1024 * 1024 };

function kb(v: string, unit: string): number {
  return Math.round(Number(v) * (UNIT_KB[unit] ?? 1) * 1000) / 1000;
}

/** Text of the parenthesized group at s[i] === '(' (nesting allowed); sets `cur.pEnd` past it. */
function paren(cur: Cursor, s: string, i: number): string | undefined {
  let depth = 0;
  for (let j = i; j < s.length && j - i < 200; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x28) depth++;
    else if (c === 0x29) {
      depth--;
      if (depth === 0) {
        cur.pEnd = j + 1;
        return s.slice(i + 1, j);
      }
    }
  }
  return undefined;
}

/** Uptime like `441.482` followed by `: ` at i; returns seconds or NaN, sets `cur.uEnd`. */
function uptimeColon(cur: Cursor, s: string, i: number): number {
  let j = i;
  while (j < s.length && ((s.charCodeAt(j) >= 0x30 && s.charCodeAt(j) <= 0x39) || s.charCodeAt(j) === 0x2e)) j++;
  if (j === i || s.charCodeAt(j) !== 0x3a || s.charCodeAt(j + 1) !== 0x20) return NaN;
  const v = Number(s.slice(i, j));
  if (!Number.isFinite(v)) return NaN;
  cur.uEnd = j + 2;
  return v;
}

function parseJdk8(cur: Cursor, line: string, rest: string, ref: number, d: Draft): boolean {
  let i = 0;
  let t = NaN;
  let tRaw: string | undefined;
  const c0 = line.charCodeAt(0);
  if (c0 !== 0x5b) {
    const k = line.indexOf('[');
    if (k < 0 || k > 64) return false;
    // The first `[` opens the record (neither a leading date nor the uptime holds one): not `[GC`
    // or `[Full GC`, no GC line, and no timestamp read for nothing.
    if (!line.startsWith('[GC', k) && !line.startsWith('[Full GC', k)) return false;
    // Optional date stamp "...: ", then optional uptime "441.482: ".
    const ts = parseTimestampAt(cur, line, 0, ref);
    if (!Number.isNaN(ts) && line.charCodeAt(cur.end) === 0x3a && line.charCodeAt(cur.end + 1) === 0x20) {
      t = ts;
      tRaw = line.slice(0, cur.end);
      i = cur.end + 2;
    }
  }
  const up = uptimeColon(cur, line, i);
  const fields: Record<string, unknown> = {};
  if (!Number.isNaN(up)) {
    fields.uptime_s = up;
    i = cur.uEnd;
  }
  let gcType: string;
  if (line.startsWith('[GC', i)) gcType = 'GC';
  else if (line.startsWith('[Full GC', i)) gcType = 'Full GC';
  else return false;
  const body = line.slice(i);
  let j = 1 + gcType.length;
  // "GC pause (G1 Evacuation Pause) (young)" (G1, JDK 8)
  if (body.startsWith(' pause', j)) {
    gcType = 'GC pause';
    j += 6;
  }
  const after = body.charCodeAt(j);
  if (after !== 0x20 && after !== 0x2d && after !== 0x5d) return false;
  fields.gc_type = gcType;
  if (body.charCodeAt(j) === 0x20 && body.charCodeAt(j + 1) === 0x28) {
    const cause = paren(cur, body, j + 1);
    if (cause !== undefined) fields.cause = cause;
  }
  const coll = /\[([A-Za-z][\w ]*?): \d+[KMG]->/.exec(body);
  if (coll !== null && coll[1] !== undefined) fields.collector = coll[1];
  jdk8Heap(body, fields);
  jdk8Times(body, fields);
  d.format = 'jvm_gc';
  d.t = t;
  d.tRaw = tRaw;
  d.fields = fields;
  d.message = trimEnd(body) + rest;
  return true;
}

/** JDK 8: the whole-heap transition, the first one at bracket depth 1. */
function jdk8Heap(body: string, fields: Record<string, unknown>): void {
  HEAP_RE.lastIndex = 0;
  let m: RegExpExecArray | null;
  let depth = 0;
  let scanned = 0;
  while ((m = HEAP_RE.exec(body)) !== null) {
    for (; scanned < m.index; scanned++) {
      const c = body.charCodeAt(scanned);
      if (c === 0x5b) depth++;
      else if (c === 0x5d) depth--;
    }
    if (depth === 1) {
      heapFields(m, fields);
      break;
    }
  }
}

/** JDK 8: the pause (the last `N secs]` before `[Times:`) and the `[Times: user= sys=, real= secs]` figures. */
function jdk8Times(body: string, fields: Record<string, unknown>): void {
  const timesAt = body.indexOf('[Times:');
  const head = timesAt >= 0 ? body.slice(0, timesAt) : body;
  const secs = head.match(/(?<!\d)(\d+\.\d+) secs\]/g);
  if (secs !== null && secs.length > 0) {
    const last = secs[secs.length - 1] ?? '';
    fields.pause_ms = Math.round(Number.parseFloat(last) * 1e6) / 1e3;
  }
  if (timesAt >= 0) {
    const tm = /user=([\d.]+) sys=([\d.]+), real=([\d.]+) secs/.exec(body);
    if (tm !== null) {
      fields.user_s = Number(tm[1]);
      fields.sys_s = Number(tm[2]);
      fields.real_s = Number(tm[3]);
    }
  }
}

/** heap_before_kb, heap_after_kb, heap_total_kb from a HEAP_RE match. */
function heapFields(m: RegExpExecArray, fields: Record<string, unknown>): void {
  fields.heap_before_kb = kb(m[1] ?? '0', m[2] ?? 'K');
  fields.heap_after_kb = kb(m[3] ?? '0', m[4] ?? 'K');
  fields.heap_total_kb = kb(m[5] ?? '0', m[6] ?? 'K');
}

/** An uptime decoration (`12.345s`, `120ms`, `5ns`) in seconds. */
function uptimeSeconds(text: string): number {
  const v = Number.parseFloat(text);
  return text.endsWith('ms') ? v / 1000 : text.endsWith('ns') ? v / 1e9 : v;
}

function isTagChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2c || c === 0x20 || c === 0x5f;
}

function parseUnified(cur: Cursor, line: string, rest: string, ref: number, d: Draft): boolean {
  let i = 0;
  let groups = 0;
  let level: Draft['level'];
  let haveLevel = false;
  let tags: string | undefined;
  let t = NaN;
  let tRaw: string | undefined;
  const fields: Record<string, unknown> = {};
  while (line.charCodeAt(i) === 0x5b && groups < 10) {
    const close = line.indexOf(']', i);
    if (close < 0 || close - i > 80) return false;
    const inner = line.slice(i + 1, close);
    groups++;
    const trimmed = inner.trim();
    const c = trimmed.charCodeAt(0);
    if (c >= 0x30 && c <= 0x39) {
      const last = trimmed.charCodeAt(trimmed.length - 1);
      if (last === 0x73 /* s */ && /^\d+(\.\d+)?(s|ms|ns)$/.test(trimmed)) fields.uptime_s = uptimeSeconds(trimmed);
      else if (/^\d+$/.test(trimmed)) {
        // pid / tid / timemillis: keep only a plausible epoch-ms as time.
        if (trimmed.length === 13 && Number.isNaN(t)) {
          t = Number(trimmed);
          tRaw = trimmed;
        } else if (fields.pid === undefined) fields.pid = Number(trimmed);
        else fields.tid = Number(trimmed);
      } else {
        const ts = parseTimestampAt(cur, inner, 0, ref);
        if (Number.isNaN(ts)) return false;
        if (Number.isNaN(t)) {
          t = ts;
          tRaw = inner;
        }
      }
    } else {
      const lv = !haveLevel ? levelFromWord(trimmed) : undefined;
      if (lv !== undefined) {
        level = lv;
        haveLevel = true;
      } else if (tags === undefined && trimmed.length > 0) {
        for (let k = 0; k < inner.length; k++) if (!isTagChar(inner.charCodeAt(k))) return false;
        tags = trimmed;
      } else return false;
    }
    i = close + 1;
  }
  if (groups < 2 || !haveLevel || tags === undefined) return false;
  if (line.charCodeAt(i) === 0x20) i++;
  const message = trimEnd(line.slice(i));
  fields.tags = tags;
  const tagList = tags.split(',');
  if (tagList.includes('gc')) unifiedGcFields(cur, message, fields);
  d.format = 'jvm_unified';
  d.t = t;
  d.tRaw = tRaw;
  d.level = level;
  d.fields = fields;
  d.message = message + rest;
  return true;
}

/** Unified logging, `gc` tag: the id, heap figures, type, cause and pause of a `GC(n) ...` message, or the collector of `Using ...`. */
function unifiedGcFields(cur: Cursor, message: string, fields: Record<string, unknown>): void {
  const id = /^GC\((\d+)\) /.exec(message);
  if (id !== null) fields.gc_id = Number(id[1]);
  HEAP_RE.lastIndex = 0;
  const hm = HEAP_RE.exec(message);
  if (id !== null && hm !== null) {
    heapFields(hm, fields);
    // Type and cause: text between "GC(n) " and the heap figures; the last (...) group is the cause.
    const between = message.slice(id[0].length, hm.index).trim();
    let k = between.indexOf('(');
    const groupsText: string[] = [];
    const typeText = k < 0 ? between : between.slice(0, k).trim();
    while (k >= 0 && k < between.length) {
      const g = paren(cur, between, k);
      if (g === undefined) break;
      groupsText.push(g);
      k = between.indexOf('(', cur.pEnd);
    }
    if (groupsText.length > 0) fields.cause = groupsText.pop();
    fields.gc_type = groupsText.length > 0 ? `${typeText} (${groupsText.join(') (')})` : typeText;
    const pm = /(?<!\d)(\d+(?:\.\d+)?)ms\s*$/.exec(message.slice(hm.index));
    if (pm !== null) fields.pause_ms = Number(pm[1]);
  }
  const using = /^Using (\S+(?: \S+)?)$/.exec(message);
  if (using !== null) fields.collector = using[1];
}

/** JVM GC line (either generation of the format)? Fills the draft and returns true. */
export function parseGc(cur: Cursor, line: string, rest: string, ref: number, d: Draft): boolean {
  const c = line.charCodeAt(0);
  if (c === 0x5b) {
    if (line.charCodeAt(1) === 0x47 /* G */ || line.charCodeAt(1) === 0x46 /* F */) return parseJdk8(cur, line, rest, ref, d);
    return parseUnified(cur, line, rest, ref, d);
  }
  return parseJdk8(cur, line, rest, ref, d);
}
