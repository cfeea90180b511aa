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
import type { MinerState } from '../templates/miner.ts';

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
  /** One `_bulk` request (an NDJSON body, UTF-8); the items' results in order. Throws when the request itself fails. */
  bulk(body: Buffer, timeoutMs: number): Promise<BulkItemResult[]>;
}

export interface RecordSink {
  /** Resolves once Kafka acknowledged every record. */
  produce(records: readonly KafkaRecord[], timeoutMs: number): Promise<void>;
}

/** A tenant's persisted miner state and its version (an S3 ETag). */
export interface StoredTemplates {
  state: MinerState;
  etag: string;
}

/** Where each tenant's miner state is kept between invocations (shared by every instance). */
export interface TemplateStateStore {
  /** The stored state; undefined when there is none; `'unchanged'` when its etag is still `ifNoneMatch`. */
  get(tenant: string, ifNoneMatch?: string): Promise<StoredTemplates | undefined | 'unchanged'>;
  /**
   * Writes the state only if the stored one is still version `ifMatch` (undefined: only if there is
   * none yet). The new version, or undefined when another writer came first (nothing written).
   */
  put(tenant: string, state: MinerState, ifMatch: string | undefined): Promise<string | undefined>;
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
  /** Longest wait of the `deferred` function for a record that is not due yet. */
  maxParkMs: number;
  random: () => number;
  /**
   * Staging only: the share of raw events the process stage handles, chosen by a stable hash of the
   * event id (see ./sample.ts); the rest are acknowledged untouched. Default 1 (every event).
   */
  sampleFraction?: number;
}
