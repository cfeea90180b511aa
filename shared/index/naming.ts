/**
 * Where a tenant's documents go. Pure.
 *
 *   shared tier  sluice-logs-shared-YYYY.MM.DD          one daily index for all small tenants,
 *                                                       routing = tenant, filtered alias per tenant
 *   daily tier   sluice-logs-t_<tenant>_YYYY.MM.DD      the tenant's own daily index
 *   hourly tier  sluice-logs-t_<tenant>_YYYY.MM.DD.HH   the tenant's own hourly index
 *   alias        sluice-tenant-<tenant>                 every index holding the tenant's documents
 *                                                       (filtered on `tenant` + routed in the shared ones)
 *   summaries    sluice-summaries-YYYY.MM
 *
 * The time slice is the event time (`@timestamp`, UTC). Tenant ids are validated here (they can
 * only be [a-z0-9-]), and `_` delimits the tenant in a dedicated index name, so no tenant id can
 * name the shared indices (`t_` prefix) or another tenant's (`sluice-logs-t_acme_*` cannot match
 * tenant `acme-prod`, whose indices are `sluice-logs-t_acme-prod_*`).
 */
import { assertTenantId } from '../tenants/ids.ts';
import type { IndexTier } from '../tenants/plans.ts';

export const LOGS_PREFIX = 'sluice-logs-';
export const LOGS_PATTERN = 'sluice-logs-*';
export const SHARED_PREFIX = 'sluice-logs-shared-';
export const SUMMARY_PREFIX = 'sluice-summaries-';
export const SUMMARY_PATTERN = 'sluice-summaries-*';
export const ALIAS_PREFIX = 'sluice-tenant-';

export interface IndexTarget {
  index: string;
  /** Set for the shared tier: the tenant, so a tenant's documents sit on one shard. */
  routing?: string;
}

const ISO_PREFIX = /^\d{4}-\d{2}-\d{2}T\d{2}/;

/** `YYYY`, `MM`, `DD`, `HH` of an ISO timestamp, UTC. Falls back to Date for anything not `...Z`. */
function parts(ts: string): [string, string, string, string] {
  if (ts.length >= 13 && ts.charCodeAt(ts.length - 1) === 0x5a /* Z */ && ISO_PREFIX.test(ts)) {
    return [ts.slice(0, 4), ts.slice(5, 7), ts.slice(8, 10), ts.slice(11, 13)];
  }
  let ms = Date.parse(ts);
  if (Number.isNaN(ms)) ms = 0;
  const d = new Date(ms).toISOString();
  // Years outside 0000-9999 print as ±YYYYYY: clamp to the epoch rather than name an odd index.
  const iso = ISO_PREFIX.test(d) ? d : new Date(0).toISOString();
  return [iso.slice(0, 4), iso.slice(5, 7), iso.slice(8, 10), iso.slice(11, 13)];
}

export function logIndex(tenant: string, tier: IndexTier, timestamp: string): IndexTarget {
  assertTenantId(tenant);
  const [y, m, d, h] = parts(timestamp);
  switch (tier) {
    case 'shared':
      return { index: `${SHARED_PREFIX}${y}.${m}.${d}`, routing: tenant };
    case 'daily':
      return { index: `${LOGS_PREFIX}t_${tenant}_${y}.${m}.${d}` };
    case 'hourly':
      return { index: `${LOGS_PREFIX}t_${tenant}_${y}.${m}.${d}.${h}` };
    default:
      throw new Error(`Unknown index tier ${JSON.stringify(tier)}`);
  }
}

export function tenantAlias(tenant: string): string {
  return ALIAS_PREFIX + assertTenantId(tenant);
}

/** The pattern of a tenant's dedicated (daily/hourly) indices. */
export function tenantIndexPattern(tenant: string): string {
  return `${LOGS_PREFIX}t_${assertTenantId(tenant)}_*`;
}

export function summaryIndex(minute: string): string {
  const [y, m] = parts(minute);
  return `${SUMMARY_PREFIX}${y}.${m}`;
}

/**
 * The alias definition to attach to `index` for `tenant`: filtered and routed on a shared index,
 * plain on a dedicated one.
 */
export function aliasFor(tenant: string, target: IndexTarget): { name: string; filter?: object; routing?: string } {
  const name = tenantAlias(tenant);
  if (target.routing !== undefined) return { name, filter: { term: { tenant } }, routing: tenant };
  return { name };
}
