/**
 * The budget as counters that ONE atomic conditional update can charge, without reading first:
 * each token bucket of `bucket.ts` is stored as its theoretical arrival time (GCRA), in integer
 * microseconds, so that concurrent charges commute (an ADD under a cap condition) instead of
 * racing a read-modify-write.
 *
 *   tokens(t) = (tau - max(0, tat - t)) / usPerToken        tau = burst x usPerToken
 *   charging c tokens at t:  tat' = max(tat, t) + c x usPerToken,  allowed iff tat' - t <= tau
 *
 * `max(tat, t)` splits a charge in two forms, decided from the last state seen (`ArrivalView`):
 *   - full bucket (tat absent or tat < t): SET tat = t + cost, under the condition tat < t;
 *   - draining (tat >= t):                 ADD cost, under the condition t <= tat <= t + tau - cost.
 * Both conditions hold as long as the state is the one seen, or moved in a way that still fits
 * (other draining charges commute), so a charge fails only when the state crossed a boundary, and
 * the failure returns the state as found for the next attempt. The daily quota is a per-UTC-day
 * counter (ADD under `day + bytes <= dailyBytes`).
 *
 * The decision (which prefix, what stopped it, when to retry) is `grant` of bucket.ts on the state
 * seen. Costs and burst are rounded to the microsecond (exact when a token's time is a whole
 * number of microseconds, as with the plans' event rates; otherwise at most half a microsecond of refill per
 * charge either way), and a prefix the rounding no longer fits is shortened. A rate of 0 is stored as one burst per
 * ten years (so the times stay finite); bucket.ts still computes its waits with the plan's 0.
 */
import { dailyCost, byteCost, grant, utcDay, type BucketState, type Grant, type Limit } from './bucket.ts';
import type { Plan } from '../tenants/plans.ts';

const MAX_TAU_US = 10 * 365 * 86_400 * 1e6;

/** The budget item's counters as last seen (undefined tat: a full bucket). */
export interface ArrivalView {
  /** Theoretical arrival time of the events bucket, µs since the epoch. */
  te?: number;
  /** Theoretical arrival time of the bytes bucket, µs since the epoch. */
  tb?: number;
  /** Bytes admitted on the UTC day of the charge. */
  dayBytes: number;
}

export interface Rate {
  usPerToken: number;
  tauUs: number;
}

export function rateOf(perSecond: number, burst: number): Rate {
  const eff = Math.max(perSecond, Math.max(1, burst) / (MAX_TAU_US / 1e6));
  return { usPerToken: 1e6 / eff, tauUs: Math.round(burst * (1e6 / eff)) };
}

/** One bucket's part of the update: SET (full bucket) or ADD (draining), with its condition's bounds. */
export type BucketCharge =
  | { form: 'set'; value: number; below: number }
  | { form: 'add'; delta: number; min: number; max: number };

export interface ArrivalCharge {
  grant: Grant;
  /** Absent when the charge takes nothing from that bucket. */
  events?: BucketCharge;
  bytes?: BucketCharge;
  daily?: { add: number; max: number };
}

export const toMicros = (ms: number): number => Math.round(ms * 1000);

/** The bucket state (bucket.ts) a view stands for at `nowMs`. */
export function stateAt(view: ArrivalView, plan: Plan, nowMs: number): BucketState {
  const t = toMicros(nowMs);
  const e = rateOf(plan.eventsPerSecond, plan.eventsBurst);
  const b = rateOf(plan.bytesPerSecond, plan.bytesBurst);
  const tokens = (tat: number | undefined, r: Rate) => (r.tauUs - Math.max(0, (tat ?? t) - t)) / r.usPerToken;
  return { events: tokens(view.te, e), bytes: tokens(view.tb, b), at: nowMs, day: utcDay(nowMs), dayBytes: view.dayBytes };
}

function bucketCharge(tat: number | undefined, t: number, r: Rate, tokens: number): BucketCharge | 'over' | undefined {
  if (tokens <= 0) return undefined;
  const cost = Math.max(1, Math.round(tokens * r.usPerToken));
  const debt = Math.max(0, (tat ?? t) - t);
  if (debt + cost > r.tauUs) return 'over';
  return tat === undefined || tat < t ? { form: 'set', value: t + cost, below: t } : { form: 'add', delta: cost, min: t, max: t + r.tauUs - cost };
}

/** The longest admissible prefix (grant of bucket.ts on the view) and the update that charges it. */
export function charge(view: ArrivalView, plan: Plan, sizes: readonly number[], nowMs: number): ArrivalCharge {
  const t = toMicros(nowMs);
  const g = grant(stateAt(view, plan, nowMs), plan, sizes, nowMs);
  const e = rateOf(plan.eventsPerSecond, plan.eventsBurst);
  const b = rateOf(plan.bytesPerSecond, plan.bytesBurst);
  let k = g.admitted;
  let bytes = 0;
  let daily = 0;
  let admittedBytes = g.admittedBytes;
  for (let i = 0; i < k; i++) {
    bytes += byteCost(sizes[i]!, plan);
    daily += dailyCost(sizes[i]!, plan);
  }
  for (;;) {
    const ev = bucketCharge(view.te, t, e, k);
    const by = bucketCharge(view.tb, t, b, bytes);
    const over: Limit | undefined = ev === 'over' ? 'events' : by === 'over' ? 'bytes' : daily > 0 && view.dayBytes + daily > plan.dailyBytes ? 'daily' : undefined;
    if (!over) {
      if (k === g.admitted) return withParts({ ...g }, ev, by, daily, plan);
      // The rounding up took the last event's fit: it is refused, due within a millisecond.
      return withParts({ ...g, admitted: k, admittedBytes, state: stateAt(view, plan, nowMs), limitedBy: over ?? g.limitedBy ?? 'events', retryAt: nowMs + 1 }, ev, by, daily, plan);
    }
    k--;
    bytes -= byteCost(sizes[k]!, plan);
    daily -= dailyCost(sizes[k]!, plan);
    admittedBytes -= sizes[k]!;
    g.limitedBy = over;
  }
}

function withParts(g: Grant, ev: BucketCharge | 'over' | undefined, by: BucketCharge | 'over' | undefined, daily: number, plan: Plan): ArrivalCharge {
  const out: ArrivalCharge = { grant: g };
  if (ev && ev !== 'over') out.events = ev;
  if (by && by !== 'over') out.bytes = by;
  if (daily > 0) out.daily = { add: daily, max: plan.dailyBytes - daily };
  return out;
}

/**
 * A charge that gave up under contention (its conditional updates kept failing because other
 * invocations took the same tokens first): it admits nothing and charges nothing, so its update
 * (which only records the grant) cannot fail; its events are deferred like any refused event and
 * the tokens it did not take stay for the next batch. What stopped it is the view's own limit when
 * the view is short of tokens, else `events`; due in a second.
 */
export function contended(view: ArrivalView, plan: Plan, sizes: readonly number[], nowMs: number): ArrivalCharge {
  const g = grant(stateAt(view, plan, nowMs), plan, sizes, nowMs);
  return { grant: { admitted: 0, admittedBytes: 0, state: stateAt(view, plan, nowMs), limitedBy: g.limitedBy ?? 'events', retryAt: g.retryAt ?? nowMs + 1000 } };
}
