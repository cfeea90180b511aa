/**
 * Which index each document goes to, per batch. Pure (the caller ensures the targets it returns).
 *
 *  - The slice is the event time's (`@timestamp`), but only within a bounded window around the
 *    receive time: [received − the tenant's retention, received + 1 h]. An event time outside it
 *    (ten years back, a day ahead: a wrong clock or an attack) goes to the receive time's slice, and
 *    the document keeps its own `@timestamp` with the flag `index_resliced`. Retention would delete
 *    an older slice at once anyway, and a future slice would sit empty.
 *  - At most `maxNewPerTenant` distinct targets per tenant per batch (8 by default: a batch of
 *    ordinary traffic touches one or two, a late backlog a few); past it, the receive slice
 *    (flagged the same way). So one tenant adds at most `retention + 2` slices over time, and at
 *    most 8 indices per batch.
 *  - Cached per tenant, for the last few hours of `...Z` timestamps and the hour they were received
 *    in (the window is checked once per such pair, at hour precision: an event up to an hour beyond
 *    an edge may keep its own slice).
 *
 * Remembers the (index, tenant) pairs not yet handed out for ensuring (`takeNew`), and each
 * index's targets so that a deleted index can be made again (`again`).
 */
import { actionLine } from '../index/bulk.ts';
import { logIndex, type IndexTarget } from '../index/naming.ts';
import type { IndexTargetSpec } from '../index/ports.ts';
import type { Plan } from '../tenants/plans.ts';

export const RESLICED_FLAG = 'index_resliced';
export const DEFAULT_MAX_NEW_TARGETS = 8;
const HOUR = 3_600_000;
const CACHED_PER_TENANT = 4;
const DAY = 86_400_000;

/** An index target with its bulk action line split around the `_id`: `head + jsonString(id) + tail`. */
export interface ResolvedTarget {
  index: string;
  head: string;
  tail: string;
  /** True when the event time was outside the window (or the tenant's new targets were used up). */
  resliced: boolean;
}

const ISO_HOUR = /^\d{4}-\d{2}-\d{2}T\d{2}/;

function isoZ(ts: string): boolean {
  return ts.length >= 13 && ts.charCodeAt(ts.length - 1) === 0x5a && ISO_HOUR.test(ts);
}

export class TargetCache {
  /** Per tenant, the last few (event hour, receive hour) -> target decisions. */
  private readonly byTenant = new Map<string, Array<{ tier: string; prefix: string; received: string; target: ResolvedTarget }>>();
  private readonly specs = new Map<string, IndexTargetSpec>();
  /** index\0tenant -> its target as is and flagged re-sliced. */
  private readonly resolved = new Map<string, { plain: ResolvedTarget; flagged: ResolvedTarget }>();
  private readonly perTenant = new Map<string, number>();
  private fresh: IndexTargetSpec[] = [];

  constructor(
    private readonly prefix: string | undefined,
    private readonly maxNewPerTenant = DEFAULT_MAX_NEW_TARGETS,
  ) {}

  resolve(tenant: string, plan: Pick<Plan, 'indexTier' | 'retentionDays'>, ts: string, receivedAt: string): ResolvedTarget {
    const tier = plan.indexTier;
    const cached = this.byTenant.get(tenant);
    if (cached !== undefined && ts.length >= 13 && ts.charCodeAt(ts.length - 1) === 0x5a) {
      for (let i = 0; i < cached.length; i++) {
        const c = cached[i]!;
        if (c.tier === tier && ts.startsWith(c.prefix) && receivedAt.startsWith(c.received)) return c.target;
      }
    }
    let t = this.target(tenant, tier, inWindow(ts, receivedAt, plan.retentionDays) ? ts : undefined, receivedAt);
    if (t === undefined) t = this.target(tenant, tier, undefined, receivedAt, true)!;
    // Only a `YYYY-MM-DDTHH...Z` timestamp names its slice by its first 13 characters; the decision
    // holds for events of that hour received in the same hour.
    if (isoZ(ts) && receivedAt.length >= 13) {
      const list = cached ?? [];
      if (list.length >= CACHED_PER_TENANT) list.shift();
      list.push({ tier, prefix: ts.slice(0, 13), received: receivedAt.slice(0, 13), target: t });
      if (cached === undefined) this.byTenant.set(tenant, list);
    }
    return t;
  }

  /** Targets resolved (or marked `again`) since the last call. */
  takeNew(): IndexTargetSpec[] {
    const f = this.fresh;
    this.fresh = [];
    return f;
  }

  /** The index was deleted under us: hand its targets out again for ensuring. */
  again(index: string): void {
    for (const spec of this.specs.values()) if (spec.index === index && !this.fresh.includes(spec)) this.fresh.push(spec);
  }

  /** The target of the slice of `ts` (the receive slice when undefined); undefined when the tenant's new targets are used up. */
  private target(tenant: string, tier: Plan['indexTier'], ts: string | undefined, receivedAt: string, force = false): ResolvedTarget | undefined {
    const it = logIndex(tenant, tier, ts ?? receivedAt, this.prefix);
    const k = `${it.index}\u0000${tenant}`;
    const known = this.resolved.get(k);
    if (known !== undefined) return ts === undefined ? known.flagged : known.plain;
    const n = this.perTenant.get(tenant) ?? 0;
    if (n >= this.maxNewPerTenant && !force) return undefined;
    this.perTenant.set(tenant, n + 1);
    const spec: IndexTargetSpec = { index: it.index, tenant, routing: it.routing };
    this.specs.set(k, spec);
    this.fresh.push(spec);
    const base = split(it);
    const r = { plain: { ...base, resliced: false }, flagged: { ...base, resliced: true } };
    this.resolved.set(k, r);
    return ts === undefined ? r.flagged : r.plain;
  }
}

/** Event time within [received − retention, received + 1 h], at hour precision. */
export function inWindow(ts: string, receivedAt: string, retentionDays: number): boolean {
  const recv = Date.parse(receivedAt);
  const ms = Date.parse(ts);
  if (Number.isNaN(ms) || Number.isNaN(recv)) return false;
  const slice = ms - (((ms % HOUR) + HOUR) % HOUR);
  return slice + HOUR > recv - retentionDays * DAY && slice <= recv + HOUR;
}

function split(t: IndexTarget): { index: string; head: string; tail: string } {
  const probe = actionLine(t.index, '', t.routing);
  // actionLine(index, id, routing) = head + jsonString(id) + tail, with jsonString('') = '""'.
  const at = probe.indexOf('"_id":""') + 6;
  return { index: t.index, head: probe.slice(0, at), tail: probe.slice(at + 2) };
}
