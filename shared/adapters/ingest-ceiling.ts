/**
 * The ingest ceiling's counters in DynamoDB: one item per tenant per window, `CEILING#<tenant>#<window>`,
 * in the budget table (the budgets' items are `BUDGET#<tenant>`), with `ev` and `by` counted by an
 * atomic conditional ADD: concurrent instances never push a counter past the ceiling and never
 * conflict (no read-modify-write). Items carry `expiresAt` (epoch seconds) for the table's TTL.
 * Over the small signed-fetch client (./dynamodb-http.ts), not the AWS SDK: ingest calls it.
 */
import { isConditionFailed, updateItem } from './dynamodb-http.ts';
import * as config from '../config.ts';
import type { CeilingCounter, Cost } from '../ingest/ceiling.ts';

export class DynamoCeilingCounter implements CeilingCounter {
  /**
   * `timeoutMs`: a counter slower than this is treated as unreachable (the limiter then judges alone): it must not hold up ingest.
   * `keyPrefix`: whose counters these are (`CEILING` for ingest; the query rate, shared/query/rate.ts, keeps its own as `QUERYRATE`).
   */
  constructor(
    private readonly table = config.dynamodb().budgetTable,
    private readonly timeoutMs = 1000,
    private readonly keyPrefix = 'CEILING',
  ) {}

  async take(tenant: string, window: number, amount: Cost, limit: Cost, expiresAtSeconds: number): Promise<{ taken: boolean; counter: Cost }> {
    try {
      const out = await updateItem(this.table, { pk: `${this.keyPrefix}#${tenant}#${window}` }, 'ADD ev :e, #by :b SET expiresAt = if_not_exists(expiresAt, :x)', {
        condition: 'attribute_not_exists(pk) OR (ev <= :emax AND #by <= :bmax)',
        names: { '#by': 'by' },
        values: {
          ':e': amount.events,
          ':b': amount.bytes,
          ':emax': limit.events - amount.events,
          ':bmax': limit.bytes - amount.bytes,
          ':x': expiresAtSeconds,
        },
        returnValues: 'UPDATED_NEW',
        returnOnConditionFailure: 'ALL_OLD',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      return { taken: true, counter: { events: Number(out?.ev ?? amount.events), bytes: Number(out?.by ?? amount.bytes) } };
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      // The item as found (ReturnValuesOnConditionCheckFailure: ALL_OLD), unmarshalled.
      return { taken: false, counter: { events: Number(err.item?.ev ?? 0), bytes: Number(err.item?.by ?? 0) } };
    }
  }
}
