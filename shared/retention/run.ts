/**
 * One retention pass: list the indices, find who is in the shared ones, ask each tenant's plan,
 * plan (plan.ts, pure), then carry the plan out until the deadline. It talks to OpenSearch only
 * through `RetentionIndices` and to the registry only through `RetentionPlans` (the adapters are
 * shared/adapters/opensearch-retention.ts and the plan cache; functions/retention.ts wires them).
 *
 *  1. List `<prefix>-logs-*`; refresh the shared ones first (a document indexed a moment ago, a late
 *     event or a replay, must count as present, or its index could look empty and be deleted with it).
 *  2. Read the tenants in each shared index (4 at a time) and their plans' retention (16 at a time).
 *  3. Plan the log indices (planRetention) and the summary indices (planSummaryRetention).
 *  4. Unless a dry run: delete, action by action, until the deadline; what is left is counted and
 *     is the next run's (every action is idempotent).
 */
import { mapLimit } from '../concurrency.ts';
import { indexNames } from '../index/naming.ts';
import { planRetention, planSummaryRetention, sharedIndicesToInspect, tenantsToLookUp, type RetentionAction } from './plan.ts';

/** What retention needs from the search cluster. */
export interface RetentionIndices {
  /** Open indices matching a pattern (`<prefix>-logs-*`). */
  list(pattern: string): Promise<string[]>;
  refresh(indices: readonly string[]): Promise<void>;
  /** Tenants with at least one document in the index. */
  tenantsIn(index: string): Promise<string[]>;
  deleteIndex(index: string): Promise<void>;
  /** Deletes the tenants' documents from the index; stops at the deadline (`complete: false`). Idempotent. */
  deleteTenantDocs(index: string, tenants: readonly string[], deadlineMs: number | undefined): Promise<{ deleted: number; complete: boolean }>;
}

export interface RetentionPlans {
  planFor(tenant: string): Promise<{ retentionDays: number }>;
}

export interface RetentionRunOptions {
  now: number;
  prefix: string;
  dryRun: boolean;
  /** Stop starting new deletions after this time (ms since the epoch); the next run does the rest. */
  deadlineMs?: number;
  /** Days summaries are kept after their month ended; 0 keeps them. */
  summaryRetentionDays: number;
}

export interface RetentionResult {
  dryRun: boolean;
  indices: number;
  actions: RetentionAction[];
  deletedIndices: number;
  /** Documents removed from shared indices (routed scroll + bulk delete). */
  deletedDocuments: number;
  /** Actions not carried out (deadline reached); the next run does them. */
  left: number;
  unknown: string[];
}

/** Tenants per delete-docs request: the routing list and the terms query stay small. */
const TENANT_CHUNK = 500;

export async function runRetention(search: RetentionIndices, plans: RetentionPlans, o: RetentionRunOptions): Promise<RetentionResult> {
  const names = indexNames(o.prefix);
  // 1-2.
  const indices = await search.list(names.logsPattern);
  const shared = sharedIndicesToInspect(indices, o.prefix, o.now);
  for (let i = 0; i < shared.length; i += 50) await search.refresh(shared.slice(i, i + 50));
  const present = new Map(await mapLimit(shared, 4, async (index) => [index, await search.tenantsIn(index)] as const));
  const tenants = tenantsToLookUp(indices, o.prefix, present);
  const days = new Map(await mapLimit(tenants, 16, async (t) => [t, (await plans.planFor(t)).retentionDays] as const));
  // 3.
  const plan = planRetention({ now: o.now, prefix: o.prefix, indices, sharedTenants: present, retentionDays: (t) => days.get(t)! });
  const summaries = planSummaryRetention({ now: o.now, prefix: o.prefix, indices: await search.list(names.summaryPattern), retentionDays: o.summaryRetentionDays });
  plan.actions.push(...summaries.actions);
  plan.unknown.push(...summaries.unknown);
  const result: RetentionResult = { dryRun: o.dryRun, indices: indices.length, actions: plan.actions, deletedIndices: 0, deletedDocuments: 0, left: 0, unknown: plan.unknown };
  // 4.
  if (!o.dryRun) await carryOut(search, plan.actions, o.deadlineMs, result);
  return result;
}

async function carryOut(search: RetentionIndices, actions: readonly RetentionAction[], deadlineMs: number | undefined, result: RetentionResult): Promise<void> {
  for (const a of actions) {
    if (deadlineMs !== undefined && Date.now() >= deadlineMs) {
      result.left++;
      continue;
    }
    if (a.kind === 'delete-index') {
      await search.deleteIndex(a.index);
      result.deletedIndices++;
      continue;
    }
    for (let i = 0; i < a.tenants.length; i += TENANT_CHUNK) {
      const done = await search.deleteTenantDocs(a.index, a.tenants.slice(i, i + TENANT_CHUNK), deadlineMs);
      result.deletedDocuments += done.deleted;
      if (!done.complete) result.left++;
    }
  }
}
