/**
 * The batch's one tally: every record's fate is recorded once (`record`), and that one call
 * updates the batch totals, the tenant's counts (per-tenant metrics) and the summary slot's outcome.
 *
 *   fate           process stage summary   deferred stage summary
 *   indexed        indexed                 deferred_indexed
 *   deferred       deferred                redeferred
 *   archive_only   archive_only            archive_only
 *   dlq            dlq                     dlq
 *   parked         -                       - (not due yet: unchanged, counted when it is)
 */
import type { Plan } from '../tenants/plans.ts';
import type { Outcome, Stage, SummarySlot } from '../summary/summary.ts';

export type Fate = 'indexed' | 'deferred' | 'parked' | 'archive_only' | 'dlq';

/** One tenant's share of a batch (for per-tenant metrics). */
export interface TenantCounts {
  records: number;
  bytes: number;
  indexed: number;
  deferred: number;
  parked: number;
  archiveOnly: number;
  dlq: number;
  /** The tenant's index tier (undefined when its plan was never looked up, e.g. only DLQ records). */
  tier: Plan['indexTier'] | undefined;
}

export interface StageResult {
  stage: Stage;
  records: number;
  /** Records left out by a staging deployment's sampling (`sampleFraction` < 1); 0 otherwise. */
  sampledOut: number;
  indexed: number;
  deferred: number;
  parked: number;
  archiveOnly: number;
  dlq: number;
  summaries: number;
  bulkRequests: number;
  bulkRetries: number;
  tenants: number;
  /** Duration of each bulk request that OpenSearch answered, ms. */
  bulkMs: number[];
  /** Per tenant (records with no valid tenant are only in the totals). */
  byTenant: Record<string, TenantCounts>;
}

const COUNT_OF = { indexed: 'indexed', deferred: 'deferred', parked: 'parked', archive_only: 'archiveOnly', dlq: 'dlq' } as const;

export class Tally {
  readonly result: StageResult;
  private readonly summaryOf: Record<Fate, Outcome | undefined>;

  constructor(stage: Stage, records: number) {
    this.result = {
      stage, records, sampledOut: 0, indexed: 0, deferred: 0, parked: 0, archiveOnly: 0, dlq: 0, summaries: 0,
      bulkRequests: 0, bulkRetries: 0, tenants: 0, bulkMs: [], byTenant: {},
    };
    const p = stage === 'process';
    this.summaryOf = { indexed: p ? 'indexed' : 'deferred_indexed', deferred: p ? 'deferred' : 'redeferred', archive_only: 'archive_only', dlq: 'dlq', parked: undefined };
  }

  /** The tenant's counts (created on first use). */
  tenant(tenant: string): TenantCounts {
    return (this.result.byTenant[tenant] ??= { records: 0, bytes: 0, indexed: 0, deferred: 0, parked: 0, archiveOnly: 0, dlq: 0, tier: undefined });
  }

  /** A record of the tenant read from the batch (its size on the wire). */
  seen(tenant: string, bytes: number): void {
    const t = this.tenant(tenant);
    t.records++;
    t.bytes += bytes;
  }

  /** What became of one record: totals, the tenant's counts (when known) and its summary slot (when it has one). */
  record(tenant: string | undefined, fate: Fate, slot: SummarySlot | undefined): void {
    const k = COUNT_OF[fate];
    this.result[k]++;
    if (tenant !== undefined) this.tenant(tenant)[k]++;
    const o = this.summaryOf[fate];
    if (slot !== undefined && o !== undefined) slot.outcomes[o]++;
  }
}
