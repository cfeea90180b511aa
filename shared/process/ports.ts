/**
 * What the stage's core needs from the outside world. The handlers wire the real adapters
 * (`defaultDeps()` in ./deps.ts); tests and the bench may pass their own (the integration tests
 * use the real ones against the local servers).
 */
import type { RawEnvelope } from '../envelope.ts';
import type { Plan } from '../tenants/plans.ts';
import type { Grant } from '../budget/bucket.ts';
import type { ItemError } from '../index/bulk.ts';
import type { KafkaRecord } from '../adapters/kafka.ts';
import type { LogDocument } from '../classify/types.ts';

export interface PlanSource {
  /** The tenant's plan (the default plan, with a warning, when the registry does not know it). */
  planFor(tenant: string): Promise<Plan>;
}

export interface LedgerGrant extends Grant {
  /** True when this batch had already been granted (a retry or replay): nothing was consumed again. */
  replayed: boolean;
}

export interface BudgetLedger {
  /**
   * Admits the longest prefix of events (sizes in bytes) the tenant's budget allows, as ONE
   * conditional write per call. `batchKey` identifies the batch: the same key again returns the
   * earlier grant without consuming anything.
   */
  take(tenant: string, plan: Plan, sizes: readonly number[], batchKey: string, now: () => number): Promise<LedgerGrant>;
}

export interface BulkItemResult {
  status: number;
  error?: ItemError | string;
}

export interface IndexTargetSpec {
  index: string;
  tenant: string;
  routing?: string | undefined;
}

export interface SearchSink {
  /** Makes sure each index exists with the tenant's alias on it (idempotent, cached per instance). */
  ensureTargets(targets: readonly IndexTargetSpec[]): Promise<void>;
  /** One `_bulk` request; the items' results in order. Throws when the request itself fails. */
  bulk(body: string, timeoutMs: number): Promise<BulkItemResult[]>;
}

export interface RecordSink {
  /** Resolves once Kafka acknowledged every record. */
  produce(records: readonly KafkaRecord[], timeoutMs: number): Promise<void>;
}

export interface StageDeps {
  plans: PlanSource;
  budget: BudgetLedger;
  search: SearchSink;
  kafka: RecordSink;
  toDocument: (envelope: RawEnvelope) => LogDocument;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  topics: { deferred: string; dlq: string; summary: string };
  /** Bulk body cap in bytes. */
  maxBulkBytes: number;
  /** Longest wait of the `deferred` function for a record that is not due yet. */
  maxParkMs: number;
  random: () => number;
}
