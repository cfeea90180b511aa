/**
 * Tenant -> plan, from the tenant registry, cached per Lambda instance for the tenant cache TTL.
 * A tenant the registry does not know (ingest validated it, so it was deleted since, or the
 * registry is behind) gets the default plan and a warning: its events are still indexed. A registry
 * that fails throws for that tenant only (the stage defers that tenant's events; see
 * shared/process/admit.ts).
 */
import { DEFAULT_PLAN, resolvePlan, type Plan } from './plans.ts';
import type { TenantRecord } from './registry.ts';
import { assertTenantId } from './ids.ts';

/** The port: a tenant's plan. */
export interface PlanSource {
  /** The tenant's plan (the default plan, with a warning, when the registry does not know it). */
  planFor(tenant: string): Promise<Plan>;
}

/** Where the tenant records are read from (DynamoDB in production: shared/adapters/tenant-store.ts). */
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
    if (record) plan = resolvePlan(record.planName, record.overrides ?? {});
    else {
      this.warn('tenant not in the registry: using the default plan', { tenant, plan: DEFAULT_PLAN });
      plan = resolvePlan(DEFAULT_PLAN);
    }
    this.cache.set(tenant, { plan, until: this.now() + this.ttlMs });
    return plan;
  }
}
