/**
 * Plans: what a tenant may use. Budgets act downstream (process defers what is over budget); a
 * tenant's POST is never refused for budget reasons, only past the hard ceiling far above the plan
 * (shared/ingest/limits.ts: ten times its rate and burst).
 */
export type IndexTier = 'shared' | 'daily' | 'hourly';

export interface Plan {
  name: string;
  /** Sustained events per second and the burst (bucket size) above it. */
  eventsPerSecond: number;
  eventsBurst: number;
  /** Sustained bytes per second and the burst above it. */
  bytesPerSecond: number;
  bytesBurst: number;
  /** Bytes a UTC day; past it, events are deferred until the next day. */
  dailyBytes: number;
  /** Over-budget events: `defer` indexes them later; `archive-only` keeps them in S3 only. */
  overBudget: 'defer' | 'archive-only';
  /** Index layout: small tenants share a daily index; large ones have their own daily or hourly ones. */
  indexTier: IndexTier;
  /** Days of indexed data kept. */
  retentionDays: number;
  /** How many Kafka keys a tenant's events spread over (1 = one partition). */
  spread: number;
  /** Numeric fields of the tenant's events to keep trend statistics of, beyond the automatic ones (at most 8 count; shared/summary/stats.ts). */
  statsFields?: readonly string[];
}

const MB = 1024 * 1024;
const GB = 1024 * MB;

export const PLANS: Readonly<Record<string, Plan>> = Object.freeze({
  free: {
    name: 'free', eventsPerSecond: 200, eventsBurst: 2_000, bytesPerSecond: 200 * 1024, bytesBurst: 4 * MB,
    dailyBytes: 1 * GB, overBudget: 'archive-only', indexTier: 'shared', retentionDays: 7, spread: 1,
  },
  standard: {
    name: 'standard', eventsPerSecond: 2_000, eventsBurst: 20_000, bytesPerSecond: 2 * MB, bytesBurst: 40 * MB,
    dailyBytes: 50 * GB, overBudget: 'defer', indexTier: 'shared', retentionDays: 15, spread: 1,
  },
  pro: {
    name: 'pro', eventsPerSecond: 20_000, eventsBurst: 200_000, bytesPerSecond: 20 * MB, bytesBurst: 400 * MB,
    dailyBytes: 500 * GB, overBudget: 'defer', indexTier: 'daily', retentionDays: 30, spread: 4,
  },
  enterprise: {
    name: 'enterprise', eventsPerSecond: 200_000, eventsBurst: 2_000_000, bytesPerSecond: 200 * MB, bytesBurst: 4 * GB,
    dailyBytes: 10_000 * GB, overBudget: 'defer', indexTier: 'hourly', retentionDays: 90, spread: 16,
  },
});

export const DEFAULT_PLAN = 'standard';

export function planNames(): string[] {
  return Object.keys(PLANS);
}

/** The plan by name, with per-tenant overrides applied. Throws naming the known plans. */
export function resolvePlan(name: string, overrides: Partial<Plan> = {}): Plan {
  const plan = PLANS[name];
  if (!plan) throw new Error(`Unknown plan "${name}"; known plans: ${planNames().join(', ')}.`);
  return { ...plan, ...overrides, name: plan.name };
}
