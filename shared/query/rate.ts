/**
 * The per-tenant query rate: a token bucket per tenant (the same math as shared/budget/bucket.ts:
 * fractional tokens, refilled at the sustained rate, capped at the burst; time never runs
 * backwards). Held per function instance in a bounded LRU: a tenant spread over N warm instances
 * gets at most N times its rate, which the function's reserved concurrency bounds (serverless.yml).
 */
import { TtlLru } from '../tenants/lru.ts';

export interface RateState {
  tokens: number;
  at: number;
}

export interface RateDecision {
  ok: boolean;
  state: RateState;
  /** When refused: seconds until one query would be admitted (at least 1). */
  retryAfterSeconds?: number;
}

/** Takes one token at `now` from a bucket of `burst` refilled at `perSecond`. Pure. */
export function takeToken(state: RateState | undefined, perSecond: number, burst: number, now: number): RateDecision {
  const prev = state ?? { tokens: burst, at: now };
  const at = Math.max(prev.at, now);
  const tokens = Math.min(burst, prev.tokens + ((at - prev.at) / 1000) * perSecond);
  if (tokens >= 1) return { ok: true, state: { tokens: tokens - 1, at } };
  const waitS = perSecond > 0 ? (1 - tokens) / perSecond : 3600;
  return { ok: false, state: { tokens, at }, retryAfterSeconds: Math.max(1, Math.ceil(waitS)) };
}

/** The instance's buckets, one per tenant (10,000 tenants kept; an idle bucket expires when it would be full again). */
export class QueryRateLimiter {
  private readonly buckets: TtlLru<RateState>;
  constructor(
    maxTenants = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.buckets = new TtlLru<RateState>(maxTenants, now);
  }

  take(tenant: string, perSecond: number, burst: number): RateDecision {
    const d = takeToken(this.buckets.get(tenant), perSecond, burst, this.now());
    const refillMs = perSecond > 0 ? Math.ceil((burst / perSecond) * 1000) : 3_600_000;
    this.buckets.set(tenant, d.state, refillMs);
    return d;
  }
}
