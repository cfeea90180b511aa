/**
 * Tenant -> plan, from the tenant registry, cached per Lambda instance for the tenant cache TTL.
 * A tenant the registry does not know (ingest validated it, so it was deleted since, or the
 * registry is behind) gets the default plan and a warning: its events are still indexed.
 */
import { DEFAULT_PLAN, resolvePlan, type Plan } from '../tenants/plans.ts';
import type { TenantRecord } from '../tenants/registry.ts';
import { assertTenantId } from '../tenants/ids.ts';
import { toTenant } from '../adapters/tenant-store.ts';
import type { PlanSource } from './ports.ts';

export interface TenantRecordSource {
  getTenant(id: string): Promise<TenantRecord | undefined>;
}

export class CachedPlans implements PlanSource {
  private readonly cache = new Map<string, { plan: Plan; until: number }>();
  private readonly inflight = new Map<string, Promise<Plan>>();

  constructor(
    private readonly store: TenantRecordSource,
    private readonly ttlMs: number,
    private readonly warn: (msg: string, extra: Record<string, unknown>) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  async planFor(tenant: string): Promise<Plan> {
    assertTenantId(tenant);
    const hit = this.cache.get(tenant);
    if (hit && hit.until > this.now()) return hit.plan;
    let p = this.inflight.get(tenant);
    if (!p) {
      p = this.load(tenant).finally(() => this.inflight.delete(tenant));
      this.inflight.set(tenant, p);
    }
    return p;
  }

  private async load(tenant: string): Promise<Plan> {
    const record = await this.store.getTenant(tenant);
    let plan: Plan;
    if (record) plan = toTenant(record).plan;
    else {
      this.warn('tenant not in the registry: using the default plan', { tenant, plan: DEFAULT_PLAN });
      plan = resolvePlan(DEFAULT_PLAN);
    }
    this.cache.set(tenant, { plan, until: this.now() + this.ttlMs });
    return plan;
  }
}
