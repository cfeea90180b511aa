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
import { assertTenantId, isTenantId } from '../tenants/ids.ts';
import type { IndexTier } from '../tenants/plans.ts';
import { indexPrefix } from '../config.ts';

/**
 * Every name above starts with the index prefix (`SLUICE_INDEX_PREFIX`, default `sluice`), so a
 * staging deployment can share a domain without touching production's indices. The constants are
 * the default prefix's names; `indexNames()` gives the current prefix's.
 */
export interface IndexNames {
  prefix: string;
  logs: string;
  logsPattern: string;
  shared: string;
  summary: string;
  summaryPattern: string;
  alias: string;
  logsTemplate: string;
  summaryTemplate: string;
}

let cached: IndexNames | undefined;

export function indexNames(prefix: string = indexPrefix()): IndexNames {
  if (cached?.prefix === prefix) return cached;
  const n: IndexNames = {
    prefix,
    logs: `${prefix}-logs-`,
    logsPattern: `${prefix}-logs-*`,
    shared: `${prefix}-logs-shared-`,
    summary: `${prefix}-summaries-`,
    summaryPattern: `${prefix}-summaries-*`,
    alias: `${prefix}-tenant-`,
    logsTemplate: `${prefix}-logs`,
    summaryTemplate: `${prefix}-summaries`,
  };
  cached = n;
  return n;
}

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

export function logIndex(tenant: string, tier: IndexTier, timestamp: string, prefix?: string): IndexTarget {
  assertTenantId(tenant);
  const [y, m, d, h] = parts(timestamp);
  const n = indexNames(prefix);
  switch (tier) {
    case 'shared':
      return { index: `${n.shared}${y}.${m}.${d}`, routing: tenant };
    case 'daily':
      return { index: `${n.logs}t_${tenant}_${y}.${m}.${d}` };
    case 'hourly':
      return { index: `${n.logs}t_${tenant}_${y}.${m}.${d}.${h}` };
    default:
      throw new Error(`Unknown index tier ${JSON.stringify(tier)}`);
  }
}

export function tenantAlias(tenant: string, prefix?: string): string {
  return indexNames(prefix).alias + assertTenantId(tenant);
}

/** The pattern of a tenant's dedicated (daily/hourly) indices. */
export function tenantIndexPattern(tenant: string, prefix?: string): string {
  return `${indexNames(prefix).logs}t_${assertTenantId(tenant)}_*`;
}

export function summaryIndex(minute: string, prefix?: string): string {
  const [y, m] = parts(minute);
  return `${indexNames(prefix).summary}${y}.${m}`;
}

/** A log index name read back: which tier, whose (dedicated tiers), and the time slice it covers. */
export interface ParsedLogIndex {
  index: string;
  tier: IndexTier;
  /** The tenant of a dedicated index; undefined for a shared one. */
  tenant: string | undefined;
  /** Start and end (exclusive) of the slice, ms since the epoch, UTC. */
  startMs: number;
  endMs: number;
}

const SLICE_RE = /^(\d{4})\.(\d{2})\.(\d{2})(?:\.(\d{2}))?$/;

function slice(s: string): { startMs: number; endMs: number; hourly: boolean } | undefined {
  const m = SLICE_RE.exec(s);
  if (!m) return undefined;
  const [, y, mo, d, h] = m;
  const startMs = Date.UTC(Number(y), Number(mo) - 1, Number(d), h === undefined ? 0 : Number(h));
  const check = new Date(startMs);
  // 2025.02.30 or hour 25 are not names this module makes.
  if (check.getUTCDate() !== Number(d) || check.getUTCMonth() !== Number(mo) - 1 || (h !== undefined && check.getUTCHours() !== Number(h))) return undefined;
  return { startMs, endMs: startMs + (h === undefined ? 86_400_000 : 3_600_000), hourly: h !== undefined };
}

/** The inverse of `logIndex` for the given prefix; undefined for any name it does not make. */
export function parseLogIndex(index: string, prefix?: string): ParsedLogIndex | undefined {
  const n = indexNames(prefix);
  if (index.startsWith(n.shared)) {
    const s = slice(index.slice(n.shared.length));
    return s && !s.hourly ? { index, tier: 'shared', tenant: undefined, startMs: s.startMs, endMs: s.endMs } : undefined;
  }
  const own = `${n.logs}t_`;
  if (!index.startsWith(own)) return undefined;
  const rest = index.slice(own.length);
  const us = rest.lastIndexOf('_');
  if (us <= 0) return undefined;
  const tenant = rest.slice(0, us);
  const s = slice(rest.slice(us + 1));
  if (!s || !isTenantId(tenant)) return undefined;
  return { index, tier: s.hourly ? 'hourly' : 'daily', tenant, startMs: s.startMs, endMs: s.endMs };
}

/** A summary index name read back: the month it covers. */
export interface ParsedSummaryIndex {
  index: string;
  /** Start and end (exclusive) of the month, ms since the epoch, UTC. */
  startMs: number;
  endMs: number;
}

const MONTH_RE = /^(\d{4})\.(\d{2})$/;

/** The inverse of `summaryIndex` for the given prefix; undefined for any name it does not make. */
export function parseSummaryIndex(index: string, prefix?: string): ParsedSummaryIndex | undefined {
  const n = indexNames(prefix);
  if (!index.startsWith(n.summary)) return undefined;
  const m = MONTH_RE.exec(index.slice(n.summary.length));
  if (!m) return undefined;
  const month = Number(m[2]);
  if (month < 1 || month > 12) return undefined;
  return { index, startMs: Date.UTC(Number(m[1]), month - 1, 1), endMs: Date.UTC(Number(m[1]), month, 1) };
}

/**
 * The alias definition to attach to `index` for `tenant`: filtered and routed on a shared index,
 * plain on a dedicated one.
 */
export function aliasFor(tenant: string, target: IndexTarget, prefix?: string): { name: string; filter?: object; routing?: string } {
  const name = tenantAlias(tenant, prefix);
  if (target.routing !== undefined) return { name, filter: { term: { tenant } }, routing: tenant };
  return { name };
}
