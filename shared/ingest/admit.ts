/**
 * One request's admission: its limits (read once), the ceiling check before parsing (a tenant this
 * instance already knows is past its ceiling costs no parsing), the parse, and the ceiling check of
 * what the request really costs. Throws the IngestError to answer (413 / 429); nothing is written
 * before it returns.
 */
import type { IngestRequest } from './http.ts';
import { parseIngest, type IngestResult } from './parse.ts';
import { requestLimits, type BodyLimits, type CeilingSettings } from './limits.ts';
import { refusal, type CeilingLimiter } from './ceiling.ts';
import type { Tenant } from '../tenants/registry.ts';

export interface AdmitDeps {
  ceiling: CeilingLimiter;
  body: BodyLimits;
  settings: CeilingSettings;
}

export async function parseWithinCeiling(req: IngestRequest, tenant: Tenant, receivedAt: Date, deps: AdmitDeps): Promise<IngestResult> {
  const limits = requestLimits(tenant.plan, deps.body, deps.settings);
  const early = deps.ceiling.known(tenant.id, limits.ceiling, limits.minCost);
  if (early && !early.admitted) throw refusal(early, limits.ceiling, limits.minCost);
  const result = parseIngest(req, { tenant: tenant.id, receivedAt, limits: limits.parse, spread: tenant.plan.spread });
  const a = await deps.ceiling.admit(tenant.id, limits.ceiling, result.cost);
  if (!a.admitted) throw refusal(a, limits.ceiling, result.cost);
  return result;
}
