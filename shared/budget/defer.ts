/**
 * Deferral policy: over-budget events go to `logs.deferred` (the envelope's bytes unchanged) with
 * these headers (their names and the record builders are in shared/process/records.ts), and the
 * `deferred` function indexes them once they are due and the tenant has budget again; otherwise it re-defers them with the attempt count raised. Nothing is dropped, and
 * nothing hot-loops:
 *
 *   sluice-defer-attempts   how many times the event was refused (1 on the first deferral)
 *   sluice-not-before       ms since the epoch before which the event is not retried
 *   sluice-defer-reason     events | bytes | daily (what refused it last)
 *
 * not-before = max(the bucket's own estimate of when the next event fits, now + backoff(attempts)),
 * where backoff doubles from 1 s to 5 min with ±20 % jitter. Concurrency of the `deferred` function
 * is low, so it waits for the first not-yet-due record instead of spinning (see `parkPlan`).
 */
/** What a deferred record's headers say. */
export interface DeferMeta {
  attempts: number;
  notBefore: number;
}

export const MIN_BACKOFF_MS = 1_000;
export const MAX_BACKOFF_MS = 5 * 60_000;

export function backoffMs(attempts: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_BACKOFF_MS, MIN_BACKOFF_MS * 2 ** Math.max(0, Math.min(30, attempts - 1)));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export function notBefore(now: number, attempts: number, retryAt: number | undefined, random?: () => number): number {
  return Math.max(retryAt ?? 0, now + backoffMs(attempts, random));
}

/**
 * What the `deferred` function does with records not yet due: wait for the earliest one when it
 * falls within `maxWaitMs` (bounded by the time left), then look again; whatever is still not due
 * is re-produced unchanged (same attempts, same not-before). With `maxWaitMs` of a few minutes, an
 * event parked until tomorrow (daily quota) is rewritten a few hundred times a day, never in a loop.
 */
export function parkWaitMs(earliestNotBefore: number, now: number, budgetMs: number, maxWaitMs: number): number {
  const until = earliestNotBefore - now;
  if (until <= 0) return 0;
  return Math.max(0, Math.min(until, maxWaitMs, budgetMs));
}
