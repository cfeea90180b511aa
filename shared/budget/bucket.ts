/**
 * A tenant's budget as two token buckets (events, bytes) and a daily byte quota. Pure math: the
 * state lives in DynamoDB (`shared/adapters/budget-store.ts`), which applies `grant` once per
 * tenant per batch under a conditional write, so concurrent invocations share one exact budget.
 *
 * - Each bucket holds at most its burst and refills at the sustained rate (tokens are fractional).
 * - A batch's events are admitted in order, as the longest prefix that all three limits allow
 *   (the rest is deferred or archive-only, never dropped). Keeping order means a tenant's events
 *   are indexed in the order they arrived.
 * - An event costs 1 event token and min(bytes, bytesBurst) byte tokens, and min(bytes, dailyBytes)
 *   of the day's quota, so an event larger than a (small, overridden) burst can still be admitted
 *   when the bucket is full instead of waiting forever.
 * - The daily quota is per UTC day of processing time and resets at midnight UTC.
 */
import type { Plan } from '../tenants/plans.ts';

export interface BucketState {
  /** Event tokens available at `at`. */
  events: number;
  /** Byte tokens available at `at`. */
  bytes: number;
  /** When the tokens were last computed, ms since the epoch. */
  at: number;
  /** UTC day (YYYY-MM-DD) that `dayBytes` counts. */
  day: string;
  /** Bytes admitted on `day`. */
  dayBytes: number;
}

export type Limit = 'events' | 'bytes' | 'daily';

export interface Grant {
  /** How many events, from the start of the list, are admitted. */
  admitted: number;
  admittedBytes: number;
  /** The state after the grant (to write back). */
  state: BucketState;
  /** What stopped the first refused event, when some were refused. */
  limitedBy?: Limit;
  /** When the first refused event could be admitted if nothing else took the budget, ms since the epoch. */
  retryAt?: number;
}

export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Start of the next UTC day after `ms`. */
export function nextUtcMidnight(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}

/** A new tenant starts with full buckets. */
export function initialState(plan: Plan, now: number): BucketState {
  return { events: plan.eventsBurst, bytes: plan.bytesBurst, at: now, day: utcDay(now), dayBytes: 0 };
}

/** The state at `now`: tokens refilled (capped at the burst), the day rolled over. Never moves time backwards. */
export function refill(state: BucketState | undefined, plan: Plan, now: number): BucketState {
  if (!state) return initialState(plan, now);
  // Clocks of concurrent instances differ a little: elapsed time is never negative.
  const at = Math.max(state.at, now);
  const dt = (at - state.at) / 1000;
  const day = utcDay(at);
  return {
    events: Math.min(plan.eventsBurst, state.events + dt * plan.eventsPerSecond),
    bytes: Math.min(plan.bytesBurst, state.bytes + dt * plan.bytesPerSecond),
    at,
    day,
    dayBytes: day === state.day ? state.dayBytes : 0,
  };
}

/** Cost in byte tokens and in daily quota of an event of `size` bytes. */
export const byteCost = (size: number, plan: Plan): number => Math.min(size, plan.bytesBurst);
export const dailyCost = (size: number, plan: Plan): number => Math.min(size, plan.dailyBytes);

/** Longest admissible prefix of events with these sizes. */
export function grant(state: BucketState | undefined, plan: Plan, sizes: readonly number[], now: number): Grant {
  const s = refill(state, plan, now);
  let events = s.events;
  let bytes = s.bytes;
  let dayBytes = s.dayBytes;
  let admitted = 0;
  let admittedBytes = 0;
  let limitedBy: Limit | undefined;
  const n = sizes.length;
  for (; admitted < n; admitted++) {
    const size = sizes[admitted]!;
    const b = byteCost(size, plan);
    const d = dailyCost(size, plan);
    if (dayBytes + d > plan.dailyBytes) {
      limitedBy = 'daily';
      break;
    }
    if (events < 1) {
      limitedBy = 'events';
      break;
    }
    if (bytes < b) {
      limitedBy = 'bytes';
      break;
    }
    events -= 1;
    bytes -= b;
    dayBytes += d;
    admittedBytes += size;
  }
  const out: Grant = { admitted, admittedBytes, state: { events, bytes, at: s.at, day: s.day, dayBytes } };
  if (limitedBy) {
    out.limitedBy = limitedBy;
    out.retryAt = retryAt(limitedBy, out.state, plan, sizes[admitted]!);
  }
  return out;
}

/** Cap on a computed wait (a zero rate would otherwise mean never). */
export const MAX_WAIT_MS = 60 * 60 * 1000;

function retryAt(limit: Limit, s: BucketState, plan: Plan, size: number): number {
  if (limit === 'daily') return nextUtcMidnight(s.at);
  const wait =
    limit === 'events'
      ? plan.eventsPerSecond > 0
        ? ((1 - s.events) / plan.eventsPerSecond) * 1000
        : MAX_WAIT_MS
      : plan.bytesPerSecond > 0
        ? ((byteCost(size, plan) - s.bytes) / plan.bytesPerSecond) * 1000
        : MAX_WAIT_MS;
  return s.at + Math.min(MAX_WAIT_MS, Math.max(0, Math.ceil(wait)));
}
