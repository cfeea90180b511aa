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
  /** Times the deferred function parked it since it was last deferred (0 when absent). */
  parks?: number;
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
 * Parking: what the `deferred` function does with records not due yet. It re-produces them
 * unchanged but for the park count (so nothing hot-loops and nothing is lost), paced by a schedule
 * of growing waits, and never holds the partition for longer than the cap:
 *
 *  - a record written (produced or parked) at `writtenAt` (its Kafka timestamp) and parked `parks`
 *    times before is looked at again (and rewritten) no sooner than
 *        releaseAt = min(notBefore, writtenAt + parkIntervalMs(parks))
 *    with intervals base, 2 base, 4 base, ... capped at `capMs` (base = maxParkMs, 2 min deployed;
 *    cap 6 × base = 12 min, under the deferred function's 15-minute timeout): an event parked until
 *    tomorrow is rewritten about 5 times an hour, not 30;
 *  - a batch waits (within the time left) until the earliest releaseAt of its records, and not at
 *    all when one of them is due: so a record R of another tenant written at t behind any backlog
 *    is reached by t + capMs (every record ahead of it was written before t, so each batch ahead
 *    waits at most until t + capMs), plus the time to re-produce the batches ahead.
 */
export function parkIntervalMs(parks: number, baseMs: number, capMs: number): number {
  return Math.min(capMs, baseMs * 2 ** Math.min(30, Math.max(0, parks)));
}

export function releaseAt(notBefore: number, writtenAt: number, parks: number, baseMs: number, capMs: number): number {
  return Math.min(notBefore, writtenAt + parkIntervalMs(parks, baseMs, capMs));
}

/** How long a batch of not-due records waits: until the earliest release, within the time left. */
export function parkWaitMs(earliestRelease: number, now: number, budgetMs: number, maxWaitMs = Infinity): number {
  const until = earliestRelease - now;
  if (until <= 0) return 0;
  return Math.max(0, Math.min(until, maxWaitMs, budgetMs));
}
