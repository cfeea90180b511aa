/**
 * The budget ledger port: where each tenant's bucket state lives between batches (DynamoDB in
 * production: shared/adapters/budget-store.ts; in memory in the unit tests and the bench).
 */
import type { Plan } from '../tenants/plans.ts';
import type { Grant } from './bucket.ts';

export interface LedgerGrant extends Grant {
  /** True when this batch had already been granted (a retry or replay): nothing was consumed again. */
  replayed: boolean;
  /** Requests the ledger made for this grant (for metrics and the contention tests). */
  roundTrips?: number;
}

export interface BudgetLedger {
  /**
   * Admits the longest prefix of events (sizes in bytes) the tenant's budget allows, as ONE
   * atomic conditional write per call (retried only when a concurrent write crossed a boundary). `batchKey` identifies the batch: the same key again returns the
   * earlier grant without consuming anything.
   */
  take(tenant: string, plan: Plan, sizes: readonly number[], batchKey: string, now: () => number): Promise<LedgerGrant>;
}
