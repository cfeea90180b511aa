/**
 * The tenant registry's domain side: what a token resolves to, and a per-instance cache with a
 * short TTL in front of the store (so a warm ingest Lambda looks a known token up once a minute at
 * most, and an unknown one once every 10 s at most).
 * The store itself (DynamoDB) is in `shared/adapters/tenant-store.ts`.
 */
import { hashToken } from './tokens.ts';
import type { Plan } from './plans.ts';
import { TtlLru } from './lru.ts';

/** What a token may do: `ingest` (send logs; shippers' configurations hold these) or `read` (search, tail: issue 22). */
export type TokenScope = 'ingest' | 'read';

export interface Tenant {
  id: string;
  plan: Plan;
  createdAt: string;
  /** Where the tenant's data is meant to live (an AWS region name); absent: at home in every region. See ./home.ts. */
  homeRegion?: string;
  /** The scope of the token it was resolved from (absent: ingest, as every token before read tokens). */
  scope?: TokenScope;
}

export interface TenantRecord {
  id: string;
  planName: string;
  overrides: Partial<Plan>;
  createdAt: string;
  homeRegion?: string;
}

export interface TokenRecord {
  tokenHash: string;
  tenant: string;
  createdAt: string;
  revokedAt?: string;
  /** Absent on tokens issued before read tokens: those are ingest tokens. */
  scope?: TokenScope;
}

/** What ingest needs: a token to a tenant, or undefined for an unknown or revoked token. */
export interface TenantResolver {
  resolve(token: string): Promise<Tenant | undefined>;
}

export interface TenantLookup {
  /** The tenant a token hash belongs to, or undefined when unknown or revoked. */
  byTokenHash(tokenHash: string): Promise<Tenant | undefined>;
}

export interface TenantCacheOptions {
  /** Known tokens kept (LRU). */
  maxEntries?: number;
  /** Unknown or revoked tokens kept, in a cache of their own so that they never evict known ones. */
  maxNegativeEntries?: number;
  /** How long an unknown token is answered from the negative cache. */
  negativeTtlMs?: number;
  /** How long past its TTL a known token is still served when the store fails (0: never). */
  maxStaleMs?: number;
  now?: () => number;
}

/**
 * Caches look-ups in two bounded LRUs: known tokens for `ttlMs` (10,000 of them), unknown or revoked
 * ones for a short `negativeTtlMs` (10 s; 1,000 of them). A flood of random tokens churns only the
 * negative cache: every known tenant keeps its entry and costs no store look-up. Concurrent misses
 * of one token share one look-up. When the store fails, a known token whose entry expired less than
 * `maxStaleMs` (15 min) ago is still served (the store failing must not turn every tenant away);
 * otherwise the error goes to the caller (503).
 * A revoked token therefore stops working within `ttlMs` on every warm instance (within `maxStaleMs`
 * while the store is down).
 */
export class CachedTenantResolver implements TenantResolver {
  private readonly known: TtlLru<Tenant>;
  private readonly unknown: TtlLru<true>;
  private readonly inFlight = new Map<string, Promise<Tenant | undefined>>();
  private readonly negativeTtlMs: number;
  private readonly maxStaleMs: number;
  /** Look-ups sent to the store (for tests and metrics). */
  storeLookups = 0;

  constructor(
    private readonly lookup: TenantLookup,
    private readonly ttlMs: number,
    options: TenantCacheOptions = {},
  ) {
    const now = options.now ?? Date.now;
    this.known = new TtlLru<Tenant>(options.maxEntries ?? 10_000, now);
    this.unknown = new TtlLru<true>(options.maxNegativeEntries ?? 1_000, now);
    this.negativeTtlMs = Math.min(ttlMs, options.negativeTtlMs ?? 10_000);
    this.maxStaleMs = options.maxStaleMs ?? 15 * 60_000;
  }

  async resolve(token: string): Promise<Tenant | undefined> {
    const key = hashToken(token);
    const hit = this.known.get(key);
    if (hit !== undefined) return hit;
    if (this.unknown.get(key) !== undefined) return undefined;
    const pending = this.inFlight.get(key);
    if (pending) return pending;
    const p = this.fetch(key).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, p);
    return p;
  }

  private async fetch(key: string): Promise<Tenant | undefined> {
    let tenant: Tenant | undefined;
    try {
      this.storeLookups++;
      tenant = await this.lookup.byTokenHash(key);
    } catch (err) {
      const stale = this.maxStaleMs > 0 ? this.known.stale(key, this.maxStaleMs) : undefined;
      if (stale !== undefined) return stale;
      throw err;
    }
    if (tenant === undefined) {
      this.known.delete(key);
      this.unknown.set(key, true, this.negativeTtlMs);
    } else {
      this.unknown.delete(key);
      this.known.set(key, tenant, this.ttlMs);
    }
    return tenant;
  }
}

/** The scope a resolved tenant's token has (a token without one is an ingest token). */
export const scopeOf = (t: Pick<Tenant, 'scope'>): TokenScope => t.scope ?? 'ingest';

/**
 * A lookup that knows only tokens of one scope: another scope's token is unknown to it. Ingest
 * resolves through `onlyScope(store, 'ingest')`, so a read token cannot send logs.
 */
export function onlyScope(lookup: TenantLookup, scope: TokenScope): TenantLookup {
  return {
    byTokenHash: async (hash) => {
      const t = await lookup.byTokenHash(hash);
      return t && scopeOf(t) === scope ? t : undefined;
    },
  };
}
