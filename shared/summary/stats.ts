/**
 * Trend statistics of a summary contribution (issue 20). Pure.
 *
 * For each (tenant, minute, partition) slot of a batch: per numeric field the count, min, max, sum
 * and a DDSketch (relative accuracy 1 %, `@datadog/sketches-js`) from which p50/p90/p95/p99 are read;
 * and, for access logs, the counts of status classes 1xx-5xx. Sketches are mergeable: the minute's
 * figures are the merge of its contributions' sketches (`mergeFieldStats`), which gives the same
 * quantiles as one sketch of all the values (the stores' bin counts add up).
 *
 * Which fields (bounded, so a tenant sending thousands of distinct numeric keys cannot blow up a
 * summary; at most `AUTO_NAMES.length + MAX_SUFFIX_FIELDS + MAX_NAMED_FIELDS` per contribution):
 * - access logs: `response_time_ms` and `bytes` (the classifier's names; shared/classify/access.ts);
 * - JVM GC logs: `pause_ms`;
 * - JSON and logfmt: the top-level keys in `AUTO_NAMES` (latency_ms, duration, ...), and the first
 *   `MAX_SUFFIX_FIELDS` distinct other top-level `*_ms` keys seen in the slot (batch order, so the
 *   same batch always picks the same ones);
 * - any format: up to `MAX_NAMED_FIELDS` fields the tenant's plan names (`statsFields`, dotted paths
 *   into `fields` allowed, e.g. `http.duration_ms`).
 * A value counts when it is a finite number >= 0, or a string that is a plain decimal number (logfmt
 * values are strings). Negative values are not tracked (durations and sizes are never negative, and
 * the sketch library does not merge its negative store).
 *
 * A sketch is stored as base64 of DDSketch's standard protobuf (sketch.ts), which keeps the bins and
 * the mapping; count, min, max and sum are stored beside it (exact; the protobuf has no min/max).
 * Quantiles are clamped to [min, max].
 */
import { RELATIVE_ACCURACY, Sketch } from './sketch.ts';

export { RELATIVE_ACCURACY };

/** Fields a tenant's plan may name (`statsFields`); the rest of the list is ignored. */
export const MAX_NAMED_FIELDS = 8;
/** Other `*_ms` keys of JSON / logfmt events tracked per contribution, first seen first. */
export const MAX_SUFFIX_FIELDS = 4;

/** JSON / logfmt top-level keys tracked automatically. */
export const AUTO_NAMES: readonly string[] = Object.freeze([
  'latency', 'latency_ms', 'duration', 'duration_ms', 'response_time', 'response_time_ms', 'request_time',
  'elapsed', 'elapsed_ms', 'took', 'took_ms', 'bytes', 'size',
]);
const AUTO = new Set(AUTO_NAMES);
const ACCESS_FIELDS = ['response_time_ms', 'bytes'] as const;
const GC_FIELDS = ['pause_ms'] as const;

export const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof STATUS_CLASSES)[number];

/** One field's figures in a summary document (`stats: [...]`). */
export interface FieldStats {
  field: string;
  count: number;
  min: number;
  max: number;
  sum: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  /** base64 of the DDSketch protobuf. */
  sketch: string;
}

/** The figures of a field over merged contributions (a minute, or a range). */
export interface FieldPoint {
  count: number;
  min: number;
  max: number;
  sum: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

interface FieldAcc {
  count: number;
  min: number;
  max: number;
  sum: number;
  sketch: Sketch;
}

/** A slot's statistics, filled by `observe`. */
export class StatsAcc {
  readonly fields = new Map<string, FieldAcc>();
  /** Counts of 1xx..5xx. */
  readonly status = [0, 0, 0, 0, 0];
  /** Distinct `*_ms` keys beyond AUTO_NAMES taken so far. */
  suffixTaken = 0;
}

/** The plan's named fields, at most MAX_NAMED_FIELDS non-empty strings (memoised per plan object). */
const namedOf = new WeakMap<object, readonly string[]>();
export function namedFields(plan: { statsFields?: readonly string[] | undefined } | undefined): readonly string[] {
  if (plan === undefined || plan.statsFields === undefined) return NO_FIELDS;
  let n = namedOf.get(plan);
  if (n === undefined) {
    n = [...new Set(plan.statsFields.filter((f) => typeof f === 'string' && f.length > 0 && f.length <= 200))].slice(0, MAX_NAMED_FIELDS);
    namedOf.set(plan, n);
  }
  return n;
}
const NO_FIELDS: readonly string[] = Object.freeze([]);

const PLAIN_NUMBER = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** The value as a trackable number (finite, >= 0), or undefined. */
export function numeric(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v === 'string' && v.length > 0 && v.length <= 40 && PLAIN_NUMBER.test(v)) {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** 1xx..5xx index of an HTTP status, or -1. */
export function statusClassIndex(status: unknown): number {
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return -1;
  return Math.floor(status / 100) - 1;
}

function add(acc: StatsAcc, field: string, value: number): void {
  let f = acc.fields.get(field);
  if (f === undefined) {
    f = { count: 0, min: Infinity, max: -Infinity, sum: 0, sketch: new Sketch() };
    acc.fields.set(field, f);
  }
  f.count++;
  if (value < f.min) f.min = value;
  if (value > f.max) f.max = value;
  f.sum += value;
  f.sketch.accept(value);
}

function addIfNumeric(acc: StatsAcc, field: string, v: unknown): void {
  const n = numeric(v);
  if (n !== undefined) add(acc, field, n);
}

/** `fields[path]`, else the dotted path walked through nested objects. */
function lookup(fields: Record<string, unknown>, path: string): unknown {
  const direct = fields[path];
  if (direct !== undefined || path.indexOf('.') < 0) return direct;
  let cur: unknown = fields;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function observeStructured(acc: StatsAcc, fields: Record<string, unknown>): void {
  for (const k in fields) {
    if (AUTO.has(k)) addIfNumeric(acc, k, fields[k]);
    else if (k.endsWith('_ms')) {
      if (acc.fields.has(k)) addIfNumeric(acc, k, fields[k]);
      else if (acc.suffixTaken < MAX_SUFFIX_FIELDS) {
        const n = numeric(fields[k]);
        if (n === undefined) continue;
        acc.suffixTaken++;
        add(acc, k, n);
      }
    }
  }
}

/**
 * Counts one classified event's numbers into its slot: the format's automatic fields, the plan's
 * named ones (a field both automatic and named is counted once), and the status class of an access log.
 */
export function observe(acc: StatsAcc, format: string, fields: Record<string, unknown>, named: readonly string[]): void {
  if (format === 'access_combined' || format === 'access_common') {
    for (const k of ACCESS_FIELDS) addIfNumeric(acc, k, fields[k]);
    const c = statusClassIndex(fields.status);
    if (c >= 0) acc.status[c]!++;
  } else if (format === 'jvm_gc' || format === 'jvm_unified') addIfNumeric(acc, 'pause_ms', fields.pause_ms);
  else if (format === 'json' || format === 'logfmt') observeStructured(acc, fields);
  for (const path of named) {
    if (!countedAutomatically(acc, format, path, fields)) addIfNumeric(acc, path, lookup(fields, path));
  }
}

/** Whether `observe` already counted this field of this event as an automatic one. */
function countedAutomatically(acc: StatsAcc, format: string, path: string, fields: Record<string, unknown>): boolean {
  if (format === 'access_combined' || format === 'access_common') return (ACCESS_FIELDS as readonly string[]).includes(path);
  if (format === 'jvm_gc' || format === 'jvm_unified') return path === 'pause_ms';
  if (format !== 'json' && format !== 'logfmt') return false;
  if (!Object.hasOwn(fields, path)) return false;
  // observeStructured counts every AUTO key, and a `*_ms` key once it is among the slot's fields.
  return AUTO.has(path) || (path.endsWith('_ms') && acc.fields.has(path));
}


function quantiles(s: Sketch, min: number, max: number): Pick<FieldPoint, 'p50' | 'p90' | 'p95' | 'p99'> {
  const q = (p: number) => Math.min(max, Math.max(min, s.quantile(p)));
  return { p50: q(0.5), p90: q(0.9), p95: q(0.95), p99: q(0.99) };
}

/** The slot's `stats` (sorted by field) for its summary document. */
export function toFieldStats(acc: StatsAcc): FieldStats[] {
  const out: FieldStats[] = [];
  for (const [field, f] of acc.fields) {
    out.push({ field, count: f.count, min: f.min, max: f.max, sum: f.sum, ...quantiles(f.sketch, f.min, f.max), sketch: f.sketch.encode() });
  }
  return out.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0));
}

/** The slot's `status_classes` (1xx..5xx order, classes never seen left out). */
export function toStatusClasses(acc: StatsAcc): { key: StatusClass; count: number }[] {
  const out: { key: StatusClass; count: number }[] = [];
  acc.status.forEach((count, i) => {
    if (count > 0) out.push({ key: STATUS_CLASSES[i]!, count });
  });
  return out;
}

/** Merges several contributions' stats of the same field(s): field -> its merged figures. */
export function mergeFieldStats(lists: readonly (readonly FieldStats[] | undefined)[]): Map<string, FieldPoint> {
  const merged = new Map<string, FieldAcc>();
  for (const list of lists) {
    for (const s of list ?? []) {
      if (s.count <= 0) continue;
      const sketch = Sketch.decode(s.sketch);
      const m = merged.get(s.field);
      if (m === undefined) {
        merged.set(s.field, { count: s.count, min: s.min, max: s.max, sum: s.sum, sketch });
        continue;
      }
      m.count += s.count;
      m.min = Math.min(m.min, s.min);
      m.max = Math.max(m.max, s.max);
      m.sum += s.sum;
      m.sketch.merge(sketch);
    }
  }
  const out = new Map<string, FieldPoint>();
  for (const [field, m] of merged) out.set(field, { count: m.count, min: m.min, max: m.max, sum: m.sum, ...quantiles(m.sketch, m.min, m.max) });
  return out;
}

/** Sums status classes of several contributions. */
export function mergeStatusClasses(lists: readonly (readonly { key: string; count: number }[] | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const list of lists) for (const { key, count } of list ?? []) out[key] = (out[key] ?? 0) + count;
  return out;
}
