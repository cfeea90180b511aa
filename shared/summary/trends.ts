/**
 * The tenant-facing trend view (issue 20): one point per minute for one numeric field, the merge of
 * that minute's contributions (see stats.ts). Pure. The caller passes contributions of one tenant
 * with overlapping ones already dropped (`keptContributions` in summary.ts), as for every other figure.
 */
import { mergeFieldStats, type FieldStats } from './stats.ts';

export interface TrendPoint {
  /** ISO 8601 minute. */
  minute: string;
  count: number;
  min: number;
  max: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
}

/** What a trend needs of a summary contribution. */
export interface TrendSource {
  minute: string;
  stats?: readonly FieldStats[] | undefined;
}

/** Minutes that have values of `field`, oldest first. */
export function trendPoints(docs: readonly TrendSource[], field: string): TrendPoint[] {
  const byMinute = new Map<string, FieldStats[]>();
  for (const d of docs) {
    for (const s of d.stats ?? []) {
      if (s.field !== field || s.count <= 0) continue;
      let l = byMinute.get(d.minute);
      if (!l) byMinute.set(d.minute, (l = []));
      l.push(s);
    }
  }
  const out: TrendPoint[] = [];
  for (const [minute, list] of byMinute) {
    const p = mergeFieldStats([list]).get(field)!;
    out.push({ minute, count: p.count, min: p.min, max: p.max, p50: p.p50, p90: p.p90, p95: p.p95, p99: p.p99 });
  }
  return out.sort((a, b) => (a.minute < b.minute ? -1 : a.minute > b.minute ? 1 : 0));
}

/** Fields with values in the contributions, most values first (what `--field` can name). */
export function trendFields(docs: readonly TrendSource[]): { field: string; count: number }[] {
  const totals = new Map<string, number>();
  for (const d of docs) for (const s of d.stats ?? []) totals.set(s.field, (totals.get(s.field) ?? 0) + s.count);
  return [...totals].map(([field, count]) => ({ field, count })).sort((a, b) => b.count - a.count || (a.field < b.field ? -1 : 1));
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** A horizontal bar of `value` on a scale where `top` is `width` cells (eighths of a cell resolve). */
export function bar(value: number, top: number, width: number): string {
  if (!(top > 0) || !(value > 0)) return '';
  const eighths = Math.max(1, Math.round((Math.min(value, top) / top) * width * 8));
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/** Numbers as a person reads them: up to 4 significant digits, no exponent for everyday sizes. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return '-';
  const a = Math.abs(n);
  if (a !== 0 && (a >= 1e9 || a < 1e-3)) return n.toExponential(2);
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(a >= 1000 ? 7 : 4)));
}

/** The table `sluice trends` prints: a row per minute and a bar chart of p95 (scaled to the range's largest p95). */
export function renderTrend(field: string, points: readonly TrendPoint[], width = 30): string[] {
  const rows = points.map((p) => [p.minute.slice(0, 16).replace('T', ' '), String(p.count), fmt(p.p50), fmt(p.p95), fmt(p.p99), fmt(p.max)]);
  const head = ['MINUTE (UTC)', 'COUNT', 'P50', 'P95', 'P99', 'MAX'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const top = Math.max(0, ...points.map((p) => p.p95));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
  const out = [`${line(head)}  P95 of ${field} (scale 0..${fmt(top)})`];
  points.forEach((p, i) => out.push(`${line(rows[i]!)}  ${bar(p.p95, top, width)}`));
  return out;
}
