/**
 * The tenant registry's domain side: what a token resolves to, and a per-instance cache with a
 * short TTL in front of the store (so a warm ingest Lambda looks a token up once a minute at most).
 * The store itself (DynamoDB) is in `shared/adapters/tenant-store.ts`.
 */
import { hashToken } from './tokens.ts';
import type { Plan } from './plans.ts';

export interface Tenant {
  id: string;
  plan: Plan;
  createdAt: string;
}

export interface TenantRecord {
  id: string;
  planName: string;
  overrides: Partial<Plan>;
  createdAt: string;
}

export interface TokenRecord {
  tokenHash: string;
  tenant: string;
  createdAt: string;
  revokedAt?: string;
}

/** What ingest needs: a token to a tenant, or undefined for an unknown or revoked token. */
export interface TenantResolver {
  resolve(token: string): Promise<Tenant | undefined>;
}

export interface TenantLookup {
  /** The tenant a token hash belongs to, or undefined when unknown or revoked. */
  byTokenHash(tokenHash: string): Promise<Tenant | undefined>;
}

interface Entry {
  tenant: Tenant | undefined;
  expires: number;
}

/**
 * Caches look-ups, including misses (so a flood of bad tokens does not reach the store), for `ttlMs`.
 * A revoked token therefore stops working within `ttlMs` on every warm instance.
 */
export class CachedTenantResolver implements TenantResolver {
  private readonly cache = new Map<string, Entry>();

  constructor(
    private readonly lookup: TenantLookup,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async resolve(token: string): Promise<Tenant | undefined> {
    const key = hashToken(token);
    const hit = this.cache.get(key);
    const t = this.now();
    if (hit && hit.expires > t) return hit.tenant;
    const tenant = await this.lookup.byTokenHash(key);
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(key, { tenant, expires: t + this.ttlMs });
    return tenant;
  }
}
