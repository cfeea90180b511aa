/**
 * What the stage's core needs from the outside world. The handlers wire the real adapters
 * (`defaultDeps()` in ./deps.ts); unit tests and the bench pass in-memory ones
 * (test/support/memory.ts); the integration tests use the real ones against the local servers.
 *
 * The ports sit beside their capability: the plan source in shared/tenants/plan-cache.ts, the
 * budget ledger in shared/budget/ports.ts, the search sink in shared/index/ports.ts, the template
 * state store in shared/templates/ports.ts. Here: the stage's own (Kafka records, the miners) and
 * the set it runs with.
 */
import type { RawEnvelope } from '../envelope/types.ts';
import type { LogDocument } from '../classify/types.ts';
import type { PlanSource } from '../tenants/plan-cache.ts';
import type { BudgetLedger } from '../budget/ports.ts';
import type { SearchSink } from '../index/ports.ts';
import type { OutRecord } from './records.ts';
import type { SlowShapes } from './slow.ts';

export type { PlanSource } from '../tenants/plan-cache.ts';
export type { BudgetLedger, LedgerGrant } from '../budget/ports.ts';
export type { BulkItemResult, IndexTargetSpec, SearchSink, TargetFailure } from '../index/ports.ts';
export type { StoredTemplates, TemplateStateStore } from '../templates/ports.ts';

export interface RecordSink {
  /** Resolves once Kafka acknowledged every record. */
  produce(records: readonly OutRecord[], timeoutMs: number): Promise<void>;
}

/** The stage's view of the per-tenant template miners (see ./templates.ts). */
export interface TemplateMiners {
  /** Makes the tenants' miners ready (loaded from the store or cached). Never throws. */
  prepare(tenants: Iterable<string>): Promise<void>;
  /** Learns the message; its stable template id. `prepare` first. */
  add(tenant: string, message: string): string;
  /** The template id of a message already learnt (learns it when none matches). */
  matchOrAdd(tenant: string, message: string): string;
  /** Writes back the states this batch changed. Never throws (a failed write is retried next batch). */
  persist(deadline: number): Promise<void>;
}

export interface StageDeps {
  plans: PlanSource;
  budget: BudgetLedger;
  search: SearchSink;
  kafka: RecordSink;
  toDocument: (envelope: RawEnvelope) => LogDocument;
  /** Per-tenant template miners (`template_id` of each document, template counts in the summaries). */
  templates: TemplateMiners;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  topics: { deferred: string; dlq: string; summary: string };
  /** Bulk body cap in bytes. */
  maxBulkBytes: number;
  /** Body size while streaming documents into bulk requests (capped by `maxBulkBytes`). Default 1 MiB. */
  streamBulkBytes?: number;
  /** Bulk requests in flight at once. Default 3. */
  bulkConcurrency?: number;
  /** The first wait of the `deferred` function for a record not due yet (doubling per park; see shared/budget/defer.ts). */
  maxParkMs: number;
  /** The longest wait per park, and the bound on how long one tenant's parked backlog holds another's due events. Default 6 × maxParkMs. */
  maxParkCapMs?: number;
  random: () => number;
  /**
   * Staging only: the share of raw events the process stage handles, chosen by a stable hash of the
   * event id (see ./sample.ts); the rest are acknowledged untouched. Default 1 (every event).
   */
  sampleFraction?: number;
  /** Index prefix (default: the configured one, `SLUICE_INDEX_PREFIX`). */
  indexPrefix?: string;
  /**
   * This stack's region (SLUICE_REGION): the region given to an envelope written before regions
   * (shared/envelope/types.ts). Undefined: such envelopes stay without one.
   */
  region?: string;
  /** New indices per tenant per batch (see ./targets.ts). Default 8. */
  maxNewIndicesPerTenant?: number;
  /** The per-event time budget and the shapes that overran it (see ./slow.ts). Default: one per instance, 250 ms. */
  slowShapes?: SlowShapes;
  /** Warnings worth a log line (a tenant whose plan or budget could not be read). */
  warn?: (msg: string, extra: Record<string, unknown>) => void;
}
