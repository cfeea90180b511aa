/**
 * The tenant's patterns from its per-minute summary contributions (shared/summary): per-minute
 * counts by level, and its top templates. Pure; overlapping contributions are counted once, as
 * everywhere else (`mergeContributions`). The contributions are read by the adapter
 * (shared/adapters/query-store.ts), always filtered on the tenant.
 */
import { keptContributions, mergeContributions, OTHER, templateTotals, type SummaryDoc } from '../summary/summary.ts';
import { trendFields, trendPoints, type TrendPoint } from '../summary/trends.ts';

export interface MinuteCounts {
  minute: string;
  events: number;
  levels: Record<string, number>;
  /** Access logs' 1xx..5xx counts, when the minute had any. */
  statusClasses?: Record<string, number>;
}

/** Per-minute events and events by level (and access logs' status classes), oldest minute first. */
export function perMinute(docs: readonly SummaryDoc[]): MinuteCounts[] {
  return mergeContributions(docs).map((m) => ({
    minute: m.minute, events: m.events, levels: m.levels,
    ...(Object.keys(m.status_classes).length > 0 ? { statusClasses: m.status_classes } : {}),
  }));
}

/** The trend of one numeric field (issue 20: per-minute count, min, max and percentiles), and the fields that have values. */
export function fieldTrend(docs: readonly SummaryDoc[], field: string): { field: string; trend: TrendPoint[]; fields: Array<{ field: string; count: number }> } {
  const kept = keptContributions(docs);
  return { field, trend: trendPoints(kept, field), fields: trendFields(kept) };
}

export interface TopTemplate {
  templateId: string;
  count: number;
  /** The template's text; absent when the miner state no longer holds it, and for `(other)`. */
  template?: string;
}

/** A template id to the id it was merged into and its text (from the tenant's miner state). */
export type TemplateLookup = (id: string) => { templateId: string; template: string } | undefined;

/** The `limit` most frequent templates, retired ids counted for the template they were merged into. */
export function topTemplates(docs: readonly SummaryDoc[], lookup: TemplateLookup, limit: number): TopTemplate[] {
  const totals = templateTotals(docs, (id) => lookup(id)?.templateId ?? id);
  return totals.slice(0, limit).map(({ key, count }) => {
    const text = key === OTHER ? undefined : lookup(key)?.template;
    return { templateId: key, count, ...(text !== undefined ? { template: text } : {}) };
  });
}
