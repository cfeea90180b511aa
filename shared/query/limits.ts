/**
 * What one tenant's reads may cost, by plan. Pure. A search's time range is capped (a wider one is
 * a 400 that says the cap), its page size is capped (a larger `size` is cut to the cap), and a
 * tenant's queries are rate-limited (a token bucket per tenant: rate.ts; 429 with Retry-After).
 * The time range is also never longer than the plan's retention: older data is gone anyway.
 */
import type { Plan } from '../tenants/plans.ts';

export interface QueryLimits {
  /** Longest time range of one search, ms. */
  maxRangeMs: number;
  /** Largest page of events. */
  maxSize: number;
  /** Sustained queries per second, and the burst above it. */
  queriesPerSecond: number;
  queriesBurst: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const BY_PLAN: Readonly<Record<string, QueryLimits>> = Object.freeze({
  free: { maxRangeMs: 1 * DAY, maxSize: 100, queriesPerSecond: 1, queriesBurst: 10 },
  standard: { maxRangeMs: 7 * DAY, maxSize: 500, queriesPerSecond: 5, queriesBurst: 30 },
  pro: { maxRangeMs: 30 * DAY, maxSize: 1000, queriesPerSecond: 20, queriesBurst: 100 },
  enterprise: { maxRangeMs: 90 * DAY, maxSize: 1000, queriesPerSecond: 50, queriesBurst: 200 },
});

/** Page size when a search gives none. */
export const DEFAULT_SIZE = 50;
/** Time range when a search gives no `from`: the last hour. */
export const DEFAULT_RANGE_MS = HOUR;

/** The plan's read limits (a plan without its own row gets the standard plan's). */
export function queryLimits(plan: Pick<Plan, 'name' | 'retentionDays'>): QueryLimits {
  const base = BY_PLAN[plan.name] ?? BY_PLAN.standard!;
  return { ...base, maxRangeMs: Math.min(base.maxRangeMs, Math.max(1, plan.retentionDays) * DAY) };
}
