/**
 * Budget state in DynamoDB (table `config.dynamodb().budgetTable`, key `pk` = `BUDGET#<tenant>`),
 * shared by every concurrent invocation. Optimistic concurrency: read the item (consistent read),
 * compute the grant (`shared/budget/bucket.ts`), write it back conditionally on the version read;
 * when another invocation wrote first, re-read and recompute. One successful write per tenant per
 * batch, and exact: every admitted event was paid for by exactly one committed write.
 *
 * The item remembers the last RECENT grants by batch key, so a retried or replayed batch gets its
 * earlier grant back without paying twice (and makes the same defer/index decisions).
 * Over the small signed-fetch client (./dynamodb-http.ts), not the AWS SDK: process's cold start.
 */
import { getItem, isConditionFailed, putItem } from './dynamodb-http.ts';
import * as config from '../config.ts';
import { grant, type BucketState, type Limit } from '../budget/bucket.ts';
import type { Plan } from '../tenants/plans.ts';
import type { BudgetLedger, LedgerGrant } from '../budget/ports.ts';

const RECENT = 64;
/** Items of tenants that stopped sending expire (the table's TTL attribute) after this long. */
const TTL_SECONDS = 7 * 24 * 3600;

interface BudgetItem extends BucketState {
  pk: string;
  ver: number;
  /** [batchKey, admitted, admittedBytes, limitedBy or '', retryAt or 0] */
  recent: Array<[string, number, number, string, number]>;
  expiresAt: number;
}

export class BudgetContentionError extends Error {
  override readonly name = 'BudgetContentionError';
}

export class DynamoBudgetStore implements BudgetLedger {
  /** Conditional-write conflicts seen (for metrics and tests). */
  conflicts = 0;

  constructor(
    private readonly table = config.dynamodb().budgetTable,
    private readonly maxAttempts = 200,
  ) {}

  async take(tenant: string, plan: Plan, sizes: readonly number[], batchKey: string, now: () => number): Promise<LedgerGrant> {
    const pk = `BUDGET#${tenant}`;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const item = (await getItem(this.table, { pk }, { consistent: true })) as BudgetItem | undefined;
      const seen = item?.recent?.find((r) => r[0] === batchKey);
      if (seen && item) {
        const g: LedgerGrant = { admitted: seen[1], admittedBytes: seen[2], state: stateOf(item), replayed: true };
        if (seen[3]) g.limitedBy = seen[3] as Limit;
        if (seen[4]) g.retryAt = seen[4];
        return g;
      }
      const t = now();
      const g = grant(item ? stateOf(item) : undefined, plan, sizes, t);
      if (sizes.length === 0) return { ...g, replayed: false };
      const next: BudgetItem = {
        pk,
        ...g.state,
        ver: (item?.ver ?? 0) + 1,
        recent: [...(item?.recent ?? []), [batchKey, g.admitted, g.admittedBytes, g.limitedBy ?? '', g.retryAt ?? 0]].slice(-RECENT) as BudgetItem['recent'],
        expiresAt: Math.floor(t / 1000) + TTL_SECONDS,
      };
      try {
        await putItem(this.table, { ...next }, {
          condition: item ? 'ver = :ver' : 'attribute_not_exists(pk)',
          ...(item ? { values: { ':ver': item.ver } } : {}),
        });
        return { ...g, replayed: false };
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
        this.conflicts++;
        // Someone else wrote first: back off a little (jittered) and recompute from their state.
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** Math.min(attempt, 6))));
      }
    }
    throw new BudgetContentionError(`budget of ${tenant}: ${this.maxAttempts} conflicting writes in a row`);
  }

  /** The stored state (for tests and the CLI). */
  async read(tenant: string): Promise<(BucketState & { ver: number }) | undefined> {
    const item = (await getItem(this.table, { pk: `BUDGET#${tenant}` }, { consistent: true })) as BudgetItem | undefined;
    return item ? { ...stateOf(item), ver: item.ver } : undefined;
  }
}

function stateOf(item: BudgetItem): BucketState {
  return { events: item.events, bytes: item.bytes, at: item.at, day: item.day, dayBytes: item.dayBytes };
}
