/**
 * retention: scheduled daily. Deletes each tenant's indexed data once it is older than its plan's
 * retention (`retentionDays`): dedicated indices whole; in the shared daily indices, the expired
 * tenants' documents (routed scroll + bulk delete), and the index whole once every tenant in it is
 * expired. See shared/retention/plan.ts for the rule. Only `<SLUICE_INDEX_PREFIX>-logs-*` indices are
 * considered, so a staging deployment's retention never touches production's indices (and back).
 * Summary indices (`<SLUICE_INDEX_PREFIX>-summaries-YYYY.MM`) are deleted whole once their month ended
 * SLUICE_SUMMARY_RETENTION_DAYS ago (400 by default; 0 keeps them).
 * The raw archive in S3 has its own lifecycle (serverless.yml, ArchiveBucket).
 *
 * Event: the schedule's `{ "source": "schedule" }`; `{ "dryRun": true }` only plans and reports.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Client } from '@opensearch-project/opensearch';
import type { Context } from 'aws-lambda';
import * as config from '../shared/config.ts';
import { getOpenSearch } from '../shared/adapters/opensearch.ts';
import { DynamoTenantStore } from '../shared/adapters/tenant-store.ts';
import { indexNames } from '../shared/index/naming.ts';
import { CachedPlans } from '../shared/process/plans.ts';
import type { PlanSource } from '../shared/process/ports.ts';
import { planRetention, planSummaryRetention, sharedIndicesToInspect, tenantsToLookUp, type RetentionAction, type RetentionPlan } from '../shared/retention/plan.ts';
import { closeConnectionsAfterCliInvoke } from '../shared/middleware.ts';
import { logger, metrics } from '../shared/observability.ts';

export interface RetentionOptions {
  now?: number;
  dryRun?: boolean;
  /** Index prefix (default SLUICE_INDEX_PREFIX). */
  prefix?: string;
  client?: Client;
  plans?: PlanSource;
  /** Stop starting new deletions after this time (ms since the epoch); the next run does the rest. */
  deadlineMs?: number;
  /** Days summaries are kept after their month ended (default SLUICE_SUMMARY_RETENTION_DAYS); 0 keeps them. */
  summaryRetentionDays?: number;
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

/** Tenants with documents in a shared index (a composite aggregation on `tenant`, paged). */
async function tenantsIn(client: Client, index: string): Promise<string[]> {
  const out: string[] = [];
  let after: Record<string, unknown> | undefined;
  for (;;) {
    const res = await client.search({
      index,
      body: {
        size: 0,
        aggs: { t: { composite: { size: 1000, sources: [{ tenant: { terms: { field: 'tenant' } } }], ...(after ? { after } : {}) } } },
      },
    } as never);
    const agg = (res.body as { aggregations?: { t?: { buckets: Array<{ key: { tenant: string } }>; after_key?: Record<string, unknown> } } }).aggregations?.t;
    for (const b of agg?.buckets ?? []) out.push(b.key.tenant);
    if (!agg?.after_key || (agg.buckets?.length ?? 0) === 0) return out;
    after = agg.after_key;
  }
}

/**
 * Deletes the tenants' documents from a shared index: a routed scroll over their ids and bulk deletes,
 * which is what `_delete_by_query` does inside OpenSearch (and works where that endpoint is missing,
 * like the minimal distribution the local services run). Idempotent; stops at the deadline.
 */
async function deleteTenantDocs(client: Client, index: string, tenants: string[], deadlineMs: number | undefined): Promise<{ deleted: number; complete: boolean }> {
  let deleted = 0;
  let res = await client.search({
    index,
    routing: tenants.join(','),
    scroll: '2m',
    size: 5000,
    _source: false,
    body: { query: { terms: { tenant: tenants } }, sort: ['_doc'] },
  } as never);
  let scrollId = (res.body as { _scroll_id?: string })._scroll_id;
  try {
    for (;;) {
      const hits = (res.body as { hits: { hits: Array<{ _id: string; _routing?: string }> } }).hits.hits;
      if (hits.length === 0) return { deleted, complete: true };
      const body = hits.map((h) => JSON.stringify({ delete: { _index: index, _id: h._id, ...(h._routing ? { routing: h._routing } : {}) } })).join('\n') + '\n';
      const out = await client.bulk({ body: body as never, refresh: false, filter_path: 'items.*.status,items.*.result' } as never, { requestTimeout: 120_000 });
      for (const item of (out.body as { items?: Array<Record<string, { status: number; result?: string }>> }).items ?? []) {
        const r = item.delete;
        if (r?.result === 'deleted') deleted++;
        else if (r && r.status !== 404) throw new Error(`retention could not delete a document from ${index}: status ${r.status}`);
      }
      if (deadlineMs !== undefined && Date.now() >= deadlineMs) return { deleted, complete: false };
      res = await client.scroll({ scroll_id: scrollId, scroll: '2m' } as never);
      scrollId = (res.body as { _scroll_id?: string })._scroll_id ?? scrollId;
    }
  } finally {
    if (scrollId) await client.clearScroll({ scroll_id: scrollId } as never).catch(() => undefined);
    await client.indices.refresh({ index } as never).catch(() => undefined);
  }
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** Plans (and unless `dryRun`, carries out) one retention pass over the configured OpenSearch. */
export async function retentionOnce(o: RetentionOptions = {}): Promise<RetentionResult> {
  const now = o.now ?? Date.now();
  const prefix = o.prefix ?? config.indexPrefix();
  const names = indexNames(prefix);
  const client = o.client ?? (await getOpenSearch());
  const plans = o.plans ?? new CachedPlans(new DynamoTenantStore(config.dynamodb().plansTable), 60_000, (msg, extra) => logger.warn(msg, extra));

  const cat = await client.cat.indices({ index: names.logsPattern, format: 'json', h: 'index', expand_wildcards: 'open' } as never);
  const indices = ((cat.body as unknown as Array<{ index: string }>) ?? []).map((r) => r.index);
  const shared = sharedIndicesToInspect(indices, prefix, now);
  const present = new Map<string, string[]>();
  // Refreshed first: a document indexed a moment ago (a late event, a replay) must count as present,
  // or its index could look empty and be deleted with it.
  for (let i = 0; i < shared.length; i += 50) await client.indices.refresh({ index: shared.slice(i, i + 50).join(','), ignore_unavailable: true } as never);
  await mapLimit(shared, 4, async (index) => present.set(index, await tenantsIn(client, index)));
  const tenants = tenantsToLookUp(indices, prefix, present);
  const days = new Map<string, number>();
  await mapLimit(tenants, 16, async (t) => days.set(t, (await plans.planFor(t)).retentionDays));
  const plan: RetentionPlan = planRetention({ now, prefix, indices, sharedTenants: present, retentionDays: (t) => days.get(t)! });
  const summaryCat = await client.cat.indices({ index: names.summaryPattern, format: 'json', h: 'index', expand_wildcards: 'open' } as never);
  const summaryIndices = ((summaryCat.body as unknown as Array<{ index: string }>) ?? []).map((r) => r.index);
  const summaries = planSummaryRetention({ now, prefix, indices: summaryIndices, retentionDays: o.summaryRetentionDays ?? config.summaryRetentionDays() });
  plan.actions.push(...summaries.actions);
  plan.unknown.push(...summaries.unknown);

  const result: RetentionResult = { dryRun: o.dryRun === true, indices: indices.length, actions: plan.actions, deletedIndices: 0, deletedDocuments: 0, left: 0, unknown: plan.unknown };
  if (o.dryRun) return result;
  for (const a of plan.actions) {
    if (o.deadlineMs !== undefined && Date.now() >= o.deadlineMs) {
      result.left++;
      continue;
    }
    if (a.kind === 'delete-index') {
      await client.indices.delete({ index: a.index, ignore_unavailable: true, expand_wildcards: 'none' } as never);
      result.deletedIndices++;
    } else {
      // Chunks of tenants: the routing list and the terms query stay small.
      for (let i = 0; i < a.tenants.length; i += 500) {
        const chunk = a.tenants.slice(i, i + 500);
        const done = await deleteTenantDocs(client, a.index, chunk, o.deadlineMs);
        result.deletedDocuments += done.deleted;
        if (!done.complete) result.left++;
      }
    }
  }
  return result;
}

export const retention = async (event: { dryRun?: boolean } | Record<string, unknown> | undefined, context: Pick<Context, 'getRemainingTimeInMillis'>): Promise<Omit<RetentionResult, 'actions'> & { actions: number }> => {
  const dryRun = (event as { dryRun?: unknown } | undefined)?.dryRun === true;
  const r = await retentionOnce({ dryRun, deadlineMs: Date.now() + Math.max(0, context.getRemainingTimeInMillis() - 60_000) });
  for (const a of r.actions) logger.info(dryRun ? 'retention would' : 'retention', { action: a.kind, index: a.index, tenants: a.tenants.length, reason: a.reason });
  if (r.unknown.length > 0) logger.warn('indices under the prefix that retention does not recognize (left alone)', { indices: r.unknown.slice(0, 50) });
  metrics.addMetric('RetentionDeletedIndices', MetricUnit.Count, r.deletedIndices);
  metrics.addMetric('RetentionDeletedDocuments', MetricUnit.Count, r.deletedDocuments);
  metrics.addMetric('RetentionActionsLeft', MetricUnit.Count, r.left);
  const { actions, ...rest } = r;
  return { ...rest, actions: actions.length };
};

export const handler = middy(retention).use(closeConnectionsAfterCliInvoke()).use(injectLambdaContext(logger)).use(logMetrics(metrics));
