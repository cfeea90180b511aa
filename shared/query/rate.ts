/**
 * The per-tenant query rate, shared by every query instance: the ingest ceiling's mechanism
 * (shared/ingest/ceiling.ts: `CeilingLimiter` over the `CeilingCounter` port, one DynamoDB item per
 * tenant per window with a conditional ADD, shared/adapters/ingest-ceiling.ts) with a window cut
 * from the plan's rate and burst so that it can never admit more than the plan's token bucket:
 *
 *   a window of `n = floor(burst / 2)` queries (at least 1) lasting `n / rate` seconds.
 *
 * Over the long run that is `rate` queries a second; in any span of t seconds at most
 * `n * (ceil(t / window) + 1) <= burst + rate * t` (two windows' worth across a boundary is at most
 * the burst), so it is a subset of the plan's bucket, whatever the number of instances (the counter
 * counts every instance's leases). free (1/s, burst 10): 5 queries per 5 s; standard (5/s, 30): 15
 * per 3 s; pro (20/s, 100): 50 per 2.5 s; enterprise (50/s, 200): 100 per 2 s.
 *
 * A counter that cannot be reached refuses (503, retry): reads are not log data, and admitting
 * them on one instance's say would let a tenant past its plan on every warm instance at once.
 */
import { CeilingLimiter, type CeilingCounter, type CeilingOptions } from '../ingest/ceiling.ts';
import type { Ceiling } from '../ingest/limits.ts';

export type RateDecision =
  | { ok: true }
  /** `rate`: past the plan (429); `unavailable`: the shared counter did not answer (503). Seconds until a retry may be admitted (at least 1). */
  | { ok: false; reason: 'rate' | 'unavailable'; retryAfterSeconds: number };

/** The window that stands for a plan's token bucket (rate a second, burst); pure. Counted in `events`, one per query. */
export function rateWindow(perSecond: number, burst: number): Ceiling {
  const n = Math.max(1, Math.floor(burst / 2));
  const windowMs = perSecond > 0 ? Math.ceil((n / perSecond) * 1000) : 3_600_000;
  return { windowMs, events: n, bytes: n };
}

const ONE_QUERY = { events: 1, bytes: 1 };
const RETRY_UNAVAILABLE_S = 5;

/** The tenants' query rates over one shared counter (DynamoDB in the function; in memory in unit tests). */
export class QueryRateLimiter {
  private readonly limiter: CeilingLimiter;

  constructor(counter: CeilingCounter, options: CeilingOptions = {}) {
    this.limiter = new CeilingLimiter(counter, options);
  }

  /** Without I/O: the refusal when this instance already knows the tenant's window is full; undefined when a query may fit. */
  known(tenant: string, perSecond: number, burst: number): RateDecision | undefined {
    const a = this.limiter.known(tenant, rateWindow(perSecond, burst), ONE_QUERY);
    return a && !a.admitted ? { ok: false, reason: 'rate', retryAfterSeconds: Math.max(1, a.retryAfterSeconds) } : undefined;
  }

  /** Takes one query of `tenant` if its plan's rate allows it across every instance. */
  async take(tenant: string, perSecond: number, burst: number): Promise<RateDecision> {
    const a = await this.limiter.admit(tenant, rateWindow(perSecond, burst), ONE_QUERY);
    if (!a.admitted) return { ok: false, reason: 'rate', retryAfterSeconds: Math.max(1, a.retryAfterSeconds) };
    // 'local': the counter did not answer and the limiter judged on this instance alone; not enough for reads.
    if (a.via === 'local') return { ok: false, reason: 'unavailable', retryAfterSeconds: RETRY_UNAVAILABLE_S };
    return { ok: true };
  }
}
