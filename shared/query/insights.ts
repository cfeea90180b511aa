/**
 * The tenant's patterns from its per-minute summary contributions (shared/summary): per-minute
 * counts by level, and its top templates. Pure; overlapping contributions are counted once, as
 * everywhere else (`mergeContributions`). The contributions are read by the adapter
 * (shared/adapters/query-store.ts), always filtered on the tenant.
 */
import { mergeContributions, OTHER, templateTotals, type SummaryDoc } from '../summary/summary.ts';

export interface MinuteCounts {
  minute: string;
  events: number;
  levels: Record<string, number>;
}

/** Per-minute events and events by level, oldest minute first. */
export function perMinute(docs: readonly SummaryDoc[]): MinuteCounts[] {
  return mergeContributions(docs).map((m) => ({ minute: m.minute, events: m.events, levels: m.levels }));
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
