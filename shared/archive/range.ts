/**
 * Time ranges for `sluice replay` and `sluice archive ls` (pure): parsing `--from/--to`, and which
 * hour partitions and objects a half-open range [from, to) touches.
 */
import { dayPrefix, hourStart, MAX_ARCHIVE_TIME_MS, parseObjectKey, type ObjectKeyParts } from './keys.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: HOUR_MS, d: DAY_MS, w: 7 * DAY_MS };

export class TimeRangeError extends Error {
  override readonly name = 'TimeRangeError';
}

/**
 * Parses a time given on the command line, as ms since the epoch:
 *  - `now`;
 *  - a duration ago: `90m`, `2h`, `7d`, `1w` (optionally with a leading `-`);
 *  - an ISO 8601 date (`2024-05-01`, UTC midnight) or date-time (`2024-05-01T10:30`, `...Z`,
 *    `...+02:00`); a date-time without a zone is taken as UTC, never as the machine's local time.
 */
export function parseTime(text: string, nowMs = Date.now()): number {
  const s = text.trim();
  if (s === 'now') return nowMs;
  const rel = /^-?(\d+)([smhdw])$/.exec(s);
  if (rel) return nowMs - Number(rel[1]) * UNIT_MS[rel[2]!]!;
  let iso = s;
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) iso += 'T00:00:00Z';
  else if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}(:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(iso)) {
    iso = iso.replace(' ', 'T');
    if (/T\d{2}$/.test(iso)) iso += ':00';
    iso += 'Z';
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(iso)) {
    throw new TimeRangeError(`Cannot read time ${JSON.stringify(text)}: use ISO 8601 (2024-05-01, 2024-05-01T10:00Z), "now", or a duration ago (30m, 2h, 7d).`);
  }
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new TimeRangeError(`Cannot read time ${JSON.stringify(text)}.`);
  return ms;
}

export interface TimeRange {
  /** Inclusive, ms since the epoch. */
  fromMs: number;
  /** Exclusive, ms since the epoch. */
  toMs: number;
}

/** Validates and clamps a range to what the archive can hold. */
export function timeRange(fromMs: number, toMs: number): TimeRange {
  if (!(toMs > fromMs)) throw new TimeRangeError(`Empty time range: --to (${iso(toMs)}) must be after --from (${iso(fromMs)}).`);
  return { fromMs: Math.max(0, fromMs), toMs: Math.min(toMs, MAX_ARCHIVE_TIME_MS + 1) };
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

/** Start of every hour that overlaps [from, to). */
export function hoursOverlapping(r: TimeRange): number[] {
  const out: number[] = [];
  for (let h = hourStart(r.fromMs); h < r.toMs; h += HOUR_MS) out.push(h);
  return out;
}

/**
 * The S3 prefixes to list for a tenant and range: one per UTC day (`.../dt=<d>/`), so a month is
 * about 30 LIST calls rather than 720; `objectsInRange` then keeps the hours that overlap.
 */
export function listPrefixes(tenant: string, r: TimeRange): string[] {
  const out: string[] = [];
  const firstDay = Math.floor(r.fromMs / DAY_MS) * DAY_MS;
  for (let d = firstDay; d < r.toMs; d += DAY_MS) out.push(dayPrefix(tenant, d));
  return out;
}

/** True when the hour partition starting at `hourStartMs` overlaps [from, to). */
export function hourOverlaps(hourStartMs: number, r: TimeRange): boolean {
  return hourStartMs < r.toMs && hourStartMs + HOUR_MS > r.fromMs;
}

export interface ListedObject {
  key: string;
  size: number;
}

export interface ArchiveObject extends ListedObject, ObjectKeyParts {}

/**
 * Keeps the archive objects of `tenant` whose hour overlaps the range, in replay order: by hour,
 * then topic, partition and first offset (so events of one partition come back in log order).
 * Keys that are not archive objects (or belong to another tenant) are ignored.
 */
export function objectsInRange(listed: readonly ListedObject[], tenant: string, r: TimeRange | undefined): ArchiveObject[] {
  const out: ArchiveObject[] = [];
  for (const o of listed) {
    const parts = parseObjectKey(o.key);
    if (!parts || parts.tenant !== tenant) continue;
    if (r && !hourOverlaps(parts.hourStartMs, r)) continue;
    out.push({ ...o, ...parts });
  }
  return out.sort(
    (a, b) =>
      a.hourStartMs - b.hourStartMs ||
      (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0) ||
      a.partition - b.partition ||
      (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0),
  );
}
