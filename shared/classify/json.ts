/**
 * JSON lines. Reads time, level, message, host and service from the usual keys (top level, dotted
 * ECS-style `log.level`, or nested `{"log":{"level":..}}`); everything else stays in `fields`, with
 * nesting capped at MAX_DEPTH (deeper values become their JSON text, or a marker when even that fails).
 */
import type { Draft } from './draft.ts';
import { trimEnd } from './draft.ts';
import { levelFromValue } from './levels.ts';
import { epochToMs, parseTimestampString } from './time.ts';
import type { Cursor } from './cursor.ts';

const TIME_KEYS = ['@timestamp', 'timestamp', 'time', 'ts', 'datetime', 'date', 't', 'eventTime', 'time_local'];
const LEVEL_KEYS = ['level', 'severity', 'lvl', 'loglevel', 'log_level', 'levelname', 'severity_text', 'SeverityText', 'level_name', 'log.level', '@l'];
const MESSAGE_KEYS = ['message', 'msg', '@m', 'log', 'text', 'body', 'Body', '@message', 'short_message'];
const HOST_KEYS = ['host', 'hostname', 'host.name', 'HOSTNAME', 'source_host'];
const SERVICE_KEYS = ['service', 'service.name', 'app', 'application', 'app_name', 'appname', 'SYSLOG_IDENTIFIER', 'program'];

/** Nesting kept as objects in `fields`; deeper values are stored as JSON text (OpenSearch's default mapping depth limit is 20). */
export const MAX_DEPTH = 6;
/** Keys kept per object; the rest are dropped and counted in `_dropped_keys` (avoids mapping explosion). */
export const MAX_KEYS = 200;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Looks a key up at top level, as a dotted key, or nested one level (`log.level` -> obj.log.level). */
function take(o: Obj, keys: readonly string[]): [string, unknown] | undefined {
  for (const k of keys) {
    if (hasOwn.call(o, k)) {
      const v = o[k];
      if (v !== null && v !== undefined && v !== '') return [k, v];
    }
  }
  const dotted = DOTTED.get(keys);
  if (dotted === undefined) return undefined;
  for (const [k, p, c] of dotted) {
    const parent = o[p];
    if (isObj(parent)) {
      const v = parent[c];
      if (v !== null && v !== undefined && v !== '' && typeof v !== 'object') return [k, v];
    }
  }
  return undefined;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Per key list, its dotted keys split once: [key, parent, child], in list order (none: no entry). */
const DOTTED = new Map<readonly string[], Array<[string, string, string]>>();
for (const keys of [TIME_KEYS, LEVEL_KEYS, MESSAGE_KEYS, HOST_KEYS, SERVICE_KEYS]) {
  const list: Array<[string, string, string]> = [];
  for (const k of keys) {
    const dot = k.indexOf('.');
    if (dot > 0) list.push([k, k.slice(0, dot), k.slice(dot + 1)]);
  }
  if (list.length > 0) DOTTED.set(keys, list);
}

function remove(o: Obj, key: string): void {
  if (Object.prototype.hasOwnProperty.call(o, key)) {
    delete o[key];
    return;
  }
  const dot = key.indexOf('.');
  if (dot > 0) {
    const parent = o[key.slice(0, dot)];
    if (isObj(parent)) {
      delete parent[key.slice(dot + 1)];
      if (Object.keys(parent).length === 0) delete o[key.slice(0, dot)];
    }
  }
}

/**
 * `remove`, with a top-level key only noted in `gone` (removed by `without` once all are read). The
 * key lists are disjoint and no parent of a later dotted key is in an earlier list, so the reads in
 * between see the same object either way.
 */
function drop(o: Obj, key: string, gone: string[]): void {
  if (hasOwn.call(o, key)) gone.push(key);
  else remove(o, key);
}

/**
 * `o` without the `gone` keys, other keys in the same order: a new object rather than `delete`s,
 * which would turn `o` into a slow dictionary (for `cap` and `JSON.stringify` after).
 */
function without(o: Obj, gone: readonly string[]): Obj {
  const keys = Object.keys(o);
  // `f.__proto__ = v` would set the prototype: such an object keeps the deletes.
  if (keys.includes('__proto__')) {
    for (const k of gone) delete o[k];
    return o;
  }
  const f: Obj = {};
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (!gone.includes(k)) f[k] = o[k];
  }
  return f;
}

function stringifySafe(v: unknown): string {
  try {
    return JSON.stringify(v) ?? '';
  } catch {
    return '[too deep to serialize]';
  }
}

/** Caps depth (recursion bounded by MAX_DEPTH) and key counts, in place where possible. */
function cap(v: unknown, depth: number): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (depth >= MAX_DEPTH) return stringifySafe(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = cap(v[i], depth + 1);
    return v;
  }
  const o = v as Obj;
  let count = 0;
  let dropped = 0;
  for (const k in o) {
    if (++count > MAX_KEYS) {
      delete o[k];
      dropped++;
      continue;
    }
    const child = o[k];
    if (typeof child === 'object' && child !== null) o[k] = cap(child, depth + 1);
  }
  if (dropped > 0) o._dropped_keys = dropped;
  return o;
}

function timeFrom(cur: Cursor, v: unknown, ref: number): number {
  if (typeof v === 'number') return epochToMs(v);
  if (typeof v !== 'string' || v.length > 64) return NaN;
  const t = parseTimestampString(cur, v, ref);
  if (!Number.isNaN(t)) return t;
  // Numeric strings: epoch.
  const c = v.charCodeAt(0);
  if (c >= 0x30 && c <= 0x39) {
    const num = Number(v);
    if (Number.isFinite(num)) return epochToMs(num);
  }
  return NaN;
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

export function parseJson(cur: Cursor, raw: string, start: number, ref: number, d: Draft): boolean {
  const text = start === 0 ? trimEnd(raw) : trimEnd(raw.slice(start));
  if (text.charCodeAt(text.length - 1) !== 0x7d /* } */) return false;
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return false;
  }
  if (!isObj(o)) return false;
  d.format = 'json';
  // Top-level keys taken out, removed at the end (see `without`).
  const gone: string[] = [];
  const tk = take(o, TIME_KEYS);
  if (tk !== undefined) {
    const t = timeFrom(cur, tk[1], ref);
    if (!Number.isNaN(t)) {
      d.t = t;
      d.tRaw = tk[1];
      d.tKey = tk[0];
      drop(o, tk[0], gone);
    }
  }
  const lk = take(o, LEVEL_KEYS);
  if (lk !== undefined) {
    const lv = levelFromValue(lk[1]);
    if (lv !== undefined) {
      d.level = lv;
      drop(o, lk[0], gone);
    }
  }
  const mk = take(o, MESSAGE_KEYS);
  const m = mk !== undefined ? str(mk[1]) : undefined;
  if (mk !== undefined && m !== undefined) {
    d.message = trimEnd(m);
    drop(o, mk[0], gone);
  } else d.message = text;
  const hk = take(o, HOST_KEYS);
  if (hk !== undefined) {
    const h = str(hk[1]);
    if (h !== undefined) {
      d.host = h;
      drop(o, hk[0], gone);
    }
  }
  const sk = take(o, SERVICE_KEYS);
  if (sk !== undefined) {
    const sv = str(sk[1]);
    if (sv !== undefined) {
      d.service = sv;
      drop(o, sk[0], gone);
    }
  }
  d.fields = cap(gone.length === 0 ? o : without(o, gone), 0) as Obj;
  return true;
}

