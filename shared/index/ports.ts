/**
 * The search sink port: what the stage needs from OpenSearch (shared/adapters/opensearch-bulk.ts in
 * production; in memory in the unit tests and the bench).
 */
import type { ItemError } from './bulk.ts';

export interface BulkItemResult {
  status: number;
  error?: ItemError | string;
}

export interface IndexTargetSpec {
  index: string;
  tenant: string;
  routing?: string | undefined;
}

/** A target `ensureTargets` could not make (the index or its alias), with the reason. */
export interface TargetFailure {
  target: IndexTargetSpec;
  error: string;
}

export interface SearchSink {
  /**
   * Makes sure each index exists with the tenant's alias on it (idempotent, cached per instance).
   * Never throws for one target: the targets it could not make are returned with their error, so
   * one tenant's failure stays that tenant's.
   */
  ensureTargets(targets: readonly IndexTargetSpec[]): Promise<TargetFailure[]>;
  /** Forgets that these indices were ensured (they were deleted under us): the next `ensureTargets` makes them again. */
  forget(indices: readonly string[]): void;
  /** One `_bulk` request (an NDJSON body, UTF-8); the items' results in order. Throws when the request itself fails. */
  bulk(body: Buffer, timeoutMs: number): Promise<BulkItemResult[]>;
}
