/**
 * The template state store port: where each tenant's miner state is kept between invocations,
 * shared by every instance (S3 in production: shared/adapters/template-store.ts).
 */
import type { MinerState } from './miner.ts';

/** A tenant's persisted miner state and its version (an S3 ETag). */
export interface StoredTemplates {
  state: MinerState;
  etag: string;
}

export interface TemplateStateStore {
  /** The stored state; undefined when there is none; `'unchanged'` when its etag is still `ifNoneMatch`. */
  get(tenant: string, ifNoneMatch?: string): Promise<StoredTemplates | undefined | 'unchanged'>;
  /**
   * Writes the state only if the stored one is still version `ifMatch` (undefined: only if there is
   * none yet). The new version, or undefined when another writer came first (nothing written).
   */
  put(tenant: string, state: MinerState, ifMatch: string | undefined): Promise<string | undefined>;
}
