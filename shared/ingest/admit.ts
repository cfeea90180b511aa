/**
 * One request's admission: its limits (read once), the ceiling check before parsing (a tenant this
 * instance already knows is past its ceiling costs no parsing), the parse, and the ceiling check of
 * what the request really costs. Throws the IngestError to answer (413 / 429); nothing is written
 * before it returns.
 */
import type { IngestRequest } from './http.ts';
import { parseIngest, type IngestResult } from './parse.ts';
import { ceilingOf, requestLimits, type BodyLimits, type CeilingSettings } from './limits.ts';
import { refusal, type CeilingLimiter, type Cost } from './ceiling.ts';
import type { Tenant } from '../tenants/registry.ts';

export interface AdmitDeps {
  ceiling: CeilingLimiter;
  body: BodyLimits;
  settings: CeilingSettings;
  /** This stack's region (SLUICE_REGION), stamped on every envelope. */
  region?: string;
}

export async function parseWithinCeiling(req: IngestRequest, tenant: Tenant, receivedAt: Date, deps: AdmitDeps): Promise<IngestResult> {
  const limits = requestLimits(tenant.plan, deps.body, deps.settings);
  const early = deps.ceiling.known(tenant.id, limits.ceiling, limits.minCost);
  if (early && !early.admitted) throw refusal(early, limits.ceiling, limits.minCost);
  const result = parseIngest(req, { tenant: tenant.id, receivedAt, limits: limits.parse, spread: tenant.plan.spread, ...(deps.region !== undefined ? { region: deps.region } : {}) });
  await admitCost(tenant, result.cost, deps);
  return result;
}

/**
 * The ceiling check of a request already decoded elsewhere (the shippers' protocols): throws the
 * 413 / 429 to answer when `cost` does not fit the tenant's ceiling now; call it before delivering.
 */
export async function admitCost(tenant: Tenant, cost: Cost, deps: Omit<AdmitDeps, 'body'>): Promise<void> {
  const ceiling = ceilingOf(tenant.plan, deps.settings);
  const a = await deps.ceiling.admit(tenant.id, ceiling, cost);
  if (!a.admitted) throw refusal(a, ceiling, cost);
}
