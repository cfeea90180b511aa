/**
 * Index retention: which log indices (or which tenants' documents in them) are past their tenant's
 * retention. Pure: the retention function lists the indices, asks OpenSearch which tenants have
 * documents in each shared index and the registry for each tenant's plan, and carries out the plan.
 *
 * Rule: a slice (a daily or hourly index) is expired for a tenant once the slice has ENDED at least
 * `retentionDays` ago: `end + retentionDays * 1 day <= now`. Every document is therefore kept at least
 * its tenant's retention, and (the function running daily) gone at most a day and a slice later.
 *
 *  - dedicated indices (daily/hourly tiers) hold one tenant: deleted whole once expired for it;
 *  - shared indices hold many tenants with different retentions (free 7 days, standard 15, and
 *    per-tenant overrides; a tenant that changed tier keeps documents there too). The tenants with
 *    documents in the index are read from the index itself (a terms aggregation on `tenant`), so a
 *    shared index is deleted whole as soon as EVERY tenant in it is expired (no tenant's promise
 *    depends on what the registry says the other tenants' tiers are), and before that, each expired
 *    tenant's documents are deleted from it (a scroll routed to the tenants' shards, then bulk deletes by id:
 *    delete-by-query's own method, which also works where `_delete_by_query` is not installed).
 *    Each day, a tenant's deletion touches only the slices that expired for it since the last
 *    run (older ones no longer contain it), so the work is one day of the tenant's documents.
 *  - a shared index with no documents is deleted once its slice ended a day ago;
 *  - names under the prefix that this code did not make are reported and never touched.
 *
 * Summary indices (`<prefix>-summaries-YYYY.MM`, counts per tenant and minute, no log text) have one
 * retention for the whole deployment, longer than any plan's by default (13 months: a year-on-year
 * comparison still has last year's month): a month's index is deleted whole once the month ended at
 * least that many days ago (`planSummaryRetention`).
 */
import { parseLogIndex, parseSummaryIndex } from '../index/naming.ts';

export const DAY_MS = 86_400_000;

export type RetentionAction =
  | { kind: 'delete-index'; index: string; tenants: string[]; reason: string }
  | { kind: 'delete-docs'; index: string; tenants: string[]; reason: string };

export interface RetentionInput {
  now: number;
  /** The index prefix whose `<prefix>-logs-*` indices these are. */
  prefix: string;
  /** Index names under `<prefix>-logs-*`. */
  indices: readonly string[];
  /** Shared index -> the tenants with documents in it. Shared indices missing here are left alone. */
  sharedTenants: ReadonlyMap<string, readonly string[]>;
  /** The tenant's retention in days. */
  retentionDays: (tenant: string) => number;
}

export interface RetentionPlan {
  actions: RetentionAction[];
  /** Indices left as they are. */
  kept: string[];
  /** Names under the prefix that are not log indices this code makes (never touched). */
  unknown: string[];
}

/** The shared indices whose tenants must be looked up: every complete slice (one that has ended). */
export function sharedIndicesToInspect(indices: readonly string[], prefix: string, now: number): string[] {
  return indices.filter((i) => {
    const p = parseLogIndex(i, prefix);
    return p !== undefined && p.tier === 'shared' && p.endMs <= now;
  });
}

/** The tenants whose retention the plan needs: dedicated indices' owners and the shared indices' tenants. */
export function tenantsToLookUp(indices: readonly string[], prefix: string, sharedTenants: ReadonlyMap<string, readonly string[]>): string[] {
  const out = new Set<string>();
  for (const i of indices) {
    const p = parseLogIndex(i, prefix);
    if (p?.tenant) out.add(p.tenant);
  }
  for (const list of sharedTenants.values()) for (const t of list) out.add(t);
  return [...out].sort();
}

export function planRetention(input: RetentionInput): RetentionPlan {
  const { now, prefix } = input;
  const plan: RetentionPlan = { actions: [], kept: [], unknown: [] };
  const expired = (tenant: string, endMs: number): boolean => endMs + Math.max(0, input.retentionDays(tenant)) * DAY_MS <= now;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 13) + 'h';
  for (const index of [...input.indices].sort()) {
    const p = parseLogIndex(index, prefix);
    if (!p) {
      plan.unknown.push(index);
      continue;
    }
    if (p.tenant !== undefined) {
      if (expired(p.tenant, p.endMs)) {
        plan.actions.push({ kind: 'delete-index', index, tenants: [p.tenant], reason: `${p.tenant}: slice ended ${day(p.endMs)}, retention ${input.retentionDays(p.tenant)} days` });
      } else plan.kept.push(index);
      continue;
    }
    const present = input.sharedTenants.get(index);
    if (present === undefined) {
      plan.kept.push(index);
      continue;
    }
    if (present.length === 0) {
      if (p.endMs + DAY_MS <= now) plan.actions.push({ kind: 'delete-index', index, tenants: [], reason: `shared slice ended ${day(p.endMs)} and holds no documents` });
      else plan.kept.push(index);
      continue;
    }
    const gone = [...present].filter((t) => expired(t, p.endMs)).sort();
    if (gone.length === present.length) {
      plan.actions.push({ kind: 'delete-index', index, tenants: gone, reason: `shared slice ended ${day(p.endMs)}: past the retention of all ${gone.length} tenant(s) in it` });
    } else if (gone.length > 0) {
      plan.actions.push({ kind: 'delete-docs', index, tenants: gone, reason: `shared slice ended ${day(p.endMs)}: past the retention of ${gone.length} of ${present.length} tenant(s)` });
    } else plan.kept.push(index);
  }
  return plan;
}

/** Summary retention by default: 400 days (13 months). */
export const DEFAULT_SUMMARY_RETENTION_DAYS = 400;

export interface SummaryRetentionInput {
  now: number;
  prefix: string;
  /** Index names under `<prefix>-summaries-*`. */
  indices: readonly string[];
  /** Days a month's summaries are kept after the month ended; 0 keeps them for ever. */
  retentionDays: number;
}

/** Which summary indices are past the summary retention (whole months, deleted whole). */
export function planSummaryRetention(input: SummaryRetentionInput): RetentionPlan {
  const plan: RetentionPlan = { actions: [], kept: [], unknown: [] };
  for (const index of [...input.indices].sort()) {
    const p = parseSummaryIndex(index, input.prefix);
    if (!p) {
      plan.unknown.push(index);
      continue;
    }
    if (input.retentionDays > 0 && p.endMs + input.retentionDays * DAY_MS <= input.now) {
      const month = new Date(p.startMs).toISOString().slice(0, 7);
      plan.actions.push({ kind: 'delete-index', index, tenants: [], reason: `summaries of ${month}: month ended more than ${input.retentionDays} days ago` });
    } else plan.kept.push(index);
  }
  return plan;
}
