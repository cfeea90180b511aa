/**
 * The ingest ceiling's counters in DynamoDB: one item per tenant per window, `CEILING#<tenant>#<window>`,
 * in the budget table (the budgets' items are `BUDGET#<tenant>`), with `ev` and `by` counted by an
 * atomic conditional ADD: concurrent instances never push a counter past the ceiling and never
 * conflict (no read-modify-write). Items carry `expiresAt` (epoch seconds) for the table's TTL.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { getDynamo } from './dynamodb.ts';
import * as config from '../config.ts';
import type { CeilingCounter, Cost } from '../ingest/ceiling.ts';

export class DynamoCeilingCounter implements CeilingCounter {
  /** `timeoutMs`: a counter slower than this is treated as unreachable (the limiter then judges alone): it must not hold up ingest. */
  constructor(
    private readonly table = config.dynamodb().budgetTable,
    private readonly timeoutMs = 1000,
  ) {}

  async take(tenant: string, window: number, amount: Cost, limit: Cost, expiresAtSeconds: number): Promise<{ taken: boolean; counter: Cost }> {
    try {
      const out = await getDynamo().send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `CEILING#${tenant}#${window}` },
          UpdateExpression: 'ADD ev :e, #by :b SET expiresAt = if_not_exists(expiresAt, :x)',
          ConditionExpression: 'attribute_not_exists(pk) OR (ev <= :emax AND #by <= :bmax)',
          ExpressionAttributeNames: { '#by': 'by' },
          ExpressionAttributeValues: {
            ':e': amount.events,
            ':b': amount.bytes,
            ':emax': limit.events - amount.events,
            ':bmax': limit.bytes - amount.bytes,
            ':x': expiresAtSeconds,
          },
          ReturnValues: 'UPDATED_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        { abortSignal: AbortSignal.timeout(this.timeoutMs) },
      );
      return { taken: true, counter: { events: Number(out.Attributes?.ev ?? amount.events), bytes: Number(out.Attributes?.by ?? amount.bytes) } };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      // The item as found, in DynamoDB's attribute-value form (the document client does not unmarshall it).
      const item = err.Item as Record<string, { N?: string }> | undefined;
      return { taken: false, counter: { events: Number(item?.ev?.N ?? 0), bytes: Number(item?.by?.N ?? 0) } };
    }
  }
}
