/**
 * Budget state in DynamoDB (table `config.dynamodb().budgetTable`, key `pk` = `BUDGET#<tenant>`),
 * shared by every concurrent invocation. ONE atomic UpdateItem per tenant per batch, no read
 * first: the buckets are stored as theoretical arrival times (shared/budget/arrival.ts) that the
 * update SETs or ADDs to under a condition that enforces the caps, and returns the new item.
 * Concurrent charges of a draining bucket commute, so they do not conflict; a charge fails its
 * condition only when the state crossed a boundary it assumed (the bucket was full and another
 * charge started draining it; the cap was reached), and the failure returns the item as found
 * (ReturnValuesOnConditionCheckFailure), from which the next attempt is computed exactly: each
 * further attempt needs another invocation's write in between. After 3 failed charges (invocations
 * racing for the last tokens) the batch gives up: one more update records that it admitted nothing
 * (its events are deferred, the tokens stay for the next batch). So a batch costs at most 4 round
 * trips, usually 1. Every admitted event was paid for by exactly one committed write, and the cap
 * is never exceeded.
 *
 * The item remembers the last RECENT grants as attributes `g<hash of the batch key>`, so a
 * retried or replayed batch gets its earlier grant back without paying twice (the update's
 * condition `attribute_not_exists(g...)` makes that atomic too). Each store keeps the last item it
 * saw per tenant (a Lambda container's memory), so the first attempt is usually the right form.
 * Over the small signed-fetch client (./dynamodb-http.ts), not the AWS SDK: process's cold start.
 *
 * Items written by the earlier read-modify-write store (no `te`) count as full buckets.
 */
import { createHash } from 'node:crypto';
import { getItem, isConditionFailed, updateItem, type Item } from './dynamodb-http.ts';
import * as config from '../config.ts';
import { charge, contended, stateAt, type ArrivalView, type BucketCharge } from '../budget/arrival.ts';
import { utcDay, type BucketState, type Limit } from '../budget/bucket.ts';
import type { Plan } from '../tenants/plans.ts';
import type { BudgetLedger, LedgerGrant } from '../budget/ports.ts';

const RECENT = 64;
/** Items of tenants that stopped sending expire (the table's TTL attribute) after this long. */
const TTL_SECONDS = 7 * 24 * 3600;
const DAY_MS = 86_400_000;
/** Grant attributes removed per update at most (the oldest past RECENT). */
const TRIM = 8;
/** Tenants whose last item a store remembers. */
const CACHE = 10_000;

/** [admitted, admittedBytes, limitedBy or '', retryAt or 0, granted at (ms)] */
type GrantEntry = [number, number, string, number, number];

export class BudgetContentionError extends Error {
  override readonly name = 'BudgetContentionError';
}

export class DynamoBudgetStore implements BudgetLedger {
  /** Conditional updates that failed (for metrics and tests). */
  conflicts = 0;
  /** DynamoDB requests made by `take` (for metrics and tests). */
  roundTrips = 0;
  private readonly seen = new Map<string, Item>();

  constructor(
    private readonly table = config.dynamodb().budgetTable,
    /** Conditional charges per batch before it gives up (admits nothing, defers all): bounds the round trips. */
    private readonly chargeAttempts = 3,
  ) {}

  async take(tenant: string, plan: Plan, sizes: readonly number[], batchKey: string, now: () => number): Promise<LedgerGrant> {
    const pk = `BUDGET#${tenant}`;
    const gName = `g${createHash('sha1').update(batchKey).digest('base64url')}`;
    let item = this.seen.get(tenant);
    // Every attempt charges at the time of the first: a retry that read the clock again would find
    // the winner's small charge already refilled, take the bucket for full again and race the other
    // retries for the same SET, attempt after attempt (a round trip outlasts a small charge); at the
    // first attempt's time the winner's charge is still draining, so the retries ADD and commute. An
    // older time credits less refill, never more: the cap holds.
    const t = now();
    // At most chargeAttempts charges, then one update that only records a refusal (it cannot fail but for a replay).
    for (let attempt = 1; attempt <= this.chargeAttempts + 1; attempt++) {
      if (item?.[gName]) return replayed(item[gName] as GrantEntry, item, plan, now(), attempt - 1);
      const view = viewOf(item, t);
      const c = attempt > this.chargeAttempts ? contended(view, plan, sizes, t) : charge(view, plan, sizes, t);
      if (sizes.length === 0) return { ...c.grant, replayed: false, roundTrips: attempt - 1 };
      const entry: GrantEntry = [c.grant.admitted, c.grant.admittedBytes, c.grant.limitedBy ?? '', c.grant.retryAt ?? 0, t];
      const u = new Update();
      u.cond(`attribute_not_exists(${u.name(gName)})`);
      u.set(`${u.name(gName)} = ${u.value(entry)}`);
      u.set(`expiresAt = ${u.value(Math.floor(t / 1000) + TTL_SECONDS)}`);
      u.add(`ver ${u.value(1)}`);
      bucket(u, 'te', c.events);
      bucket(u, 'tb', c.bytes);
      if (c.daily) {
        const day = u.name(`d${utcDay(t)}`);
        u.cond(`(attribute_not_exists(${day}) OR ${day} <= ${u.value(c.daily.max)})`);
        u.add(`${day} ${u.value(c.daily.add)}`);
      }
      const yesterday = `d${utcDay(t - DAY_MS)}`;
      for (const old of [...(item && yesterday in item ? [yesterday] : []), ...stale(item)]) u.remove(u.name(old));
      this.roundTrips++;
      try {
        const next = (await updateItem(this.table, { pk }, u.expression(), { ...u.options(), returnValues: 'ALL_NEW', returnOnConditionFailure: 'ALL_OLD' }))!;
        this.remember(tenant, next);
        const g: LedgerGrant = { ...c.grant, state: stateAt(viewOf(next, t), plan, t), replayed: false, roundTrips: attempt };
        return g;
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
        this.conflicts++;
        // The item as found (undefined: there is none): the next attempt starts from it exactly.
        item = err.item ?? {};
        this.remember(tenant, item);
      }
    }
    throw new BudgetContentionError(`budget of ${tenant}: ${this.chargeAttempts + 1} conditional updates failed in a row; the tenant's events are deferred`);
  }

  /** The stored state at `at` (for tests and the CLI). */
  async read(tenant: string, plan: Plan, at = Date.now()): Promise<(BucketState & { ver: number }) | undefined> {
    const item = await getItem(this.table, { pk: `BUDGET#${tenant}` }, { consistent: true });
    return item ? { ...stateAt(viewOf(item, at), plan, at), ver: Number(item.ver ?? 0) } : undefined;
  }

  private remember(tenant: string, item: Item): void {
    this.seen.delete(tenant);
    if (this.seen.size >= CACHE) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(tenant, item);
  }
}

function viewOf(item: Item | undefined, t: number): ArrivalView {
  // No item seen yet: assume it exists with full buckets (the common case); a wrong guess costs one attempt.
  if (!item) return { te: 0, tb: 0, dayBytes: 0 };
  const v: ArrivalView = { dayBytes: Number(item[`d${utcDay(t)}`] ?? 0) };
  if (typeof item.te === 'number') v.te = item.te;
  if (typeof item.tb === 'number') v.tb = item.tb;
  return v;
}

function bucket(u: Update, attr: 'te' | 'tb', c: BucketCharge | undefined): void {
  if (!c) return;
  if (c.form === 'set') {
    u.cond(`(attribute_not_exists(${attr}) OR ${attr} < ${u.value(c.below)})`);
    u.set(`${attr} = ${u.value(c.value)}`);
  } else {
    u.cond(`(${attr} >= ${u.value(c.min)} AND ${attr} <= ${u.value(c.max)})`);
    u.add(`${attr} ${u.value(c.delta)}`);
  }
}

/** Grant attributes past the newest RECENT - 1 (this update adds one). */
function stale(item: Item | undefined): string[] {
  if (!item) return [];
  const grants = Object.entries(item).filter(([k]) => k[0] === 'g') as Array<[string, GrantEntry]>;
  if (grants.length < RECENT) return [];
  grants.sort((a, b) => a[1][4] - b[1][4]);
  return grants.slice(0, Math.min(TRIM, grants.length - RECENT + 1)).map(([k]) => k);
}

function replayed(e: GrantEntry, item: Item, plan: Plan, t: number, trips: number): LedgerGrant {
  const g: LedgerGrant = { admitted: e[0], admittedBytes: e[1], state: stateAt(viewOf(item, t), plan, t), replayed: true, roundTrips: trips };
  if (e[2]) g.limitedBy = e[2] as Limit;
  if (e[3]) g.retryAt = e[3];
  return g;
}

/** An UpdateItem's expression, its conditions and its placeholders. */
class Update {
  private readonly sets: string[] = [];
  private readonly adds: string[] = [];
  private readonly removes: string[] = [];
  private readonly conds: string[] = [];
  private readonly names: Record<string, string> = {};
  private readonly values: Item = {};
  private n = 0;
  name(attr: string): string {
    const k = `#n${this.n++}`;
    this.names[k] = attr;
    return k;
  }
  value(v: unknown): string {
    const k = `:v${this.n++}`;
    this.values[k] = v;
    return k;
  }
  set(s: string): void { this.sets.push(s); }
  add(s: string): void { this.adds.push(s); }
  remove(s: string): void { this.removes.push(s); }
  cond(s: string): void { this.conds.push(s); }
  expression(): string {
    return [`SET ${this.sets.join(', ')}`, `ADD ${this.adds.join(', ')}`, ...(this.removes.length ? [`REMOVE ${this.removes.join(', ')}`] : [])].join(' ');
  }
  options() {
    return { condition: this.conds.join(' AND '), names: this.names, values: this.values };
  }
}
