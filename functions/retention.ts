/**
 * retention: scheduled daily. Deletes each tenant's indexed data once it is older than its plan's
 * retention, and summary indices once their month ended SLUICE_SUMMARY_RETENTION_DAYS ago; only
 * `<SLUICE_INDEX_PREFIX>-...` indices are considered. The pass is shared/retention/run.ts, the rule
 * shared/retention/plan.ts. Event: the schedule's `{ "source": "schedule" }`; `{ "dryRun": true }`
 * only plans and reports.
 */
import type { Context } from 'aws-lambda';
import * as config from '../shared/config.ts';
import { getSearchClient, type OpenSearchHttp } from '../shared/adapters/opensearch-http.ts';
import { OpenSearchRetentionIndices } from '../shared/adapters/opensearch-retention.ts';
import { DynamoTenantStore } from '../shared/adapters/tenant-store.ts';
import { CachedPlans } from '../shared/process/plans.ts';
import { runRetention, type RetentionPlans, type RetentionResult, type RetentionRunOptions } from '../shared/retention/run.ts';
import { lambdaHandler } from '../shared/middleware.ts';
import { logger, metrics } from '../shared/observability.ts';
import { recordRetention } from '../shared/metrics.ts';

export type RetentionOptions = Partial<RetentionRunOptions> & { client?: OpenSearchHttp; plans?: RetentionPlans };

/** One pass over the configured OpenSearch (options default to the settings; used by the handler and tests). */
export async function retentionOnce(o: RetentionOptions = {}): Promise<RetentionResult> {
  const search = new OpenSearchRetentionIndices(o.client ?? getSearchClient());
  const plans = o.plans ?? new CachedPlans(new DynamoTenantStore(config.dynamodb().plansTable), 60_000, (msg, extra) => logger.warn(msg, extra));
  return runRetention(search, plans, { now: Date.now(), prefix: config.indexPrefix(), dryRun: false, summaryRetentionDays: config.summaryRetentionDays(), ...o });
}

export const retention = async (event: Record<string, unknown> | undefined, context: Pick<Context, 'getRemainingTimeInMillis'>) => {
  const dryRun = event?.dryRun === true;
  const { actions, ...r } = await retentionOnce({ dryRun, deadlineMs: Date.now() + Math.max(0, context.getRemainingTimeInMillis() - 60_000) });
  for (const a of actions) logger.info(dryRun ? 'retention would' : 'retention', { action: a.kind, index: a.index, tenants: a.tenants.length, reason: a.reason });
  if (r.unknown.length > 0) logger.warn('indices under the prefix that retention does not recognize (left alone)', { indices: r.unknown.slice(0, 50) });
  recordRetention(metrics, r);
  return { ...r, actions: actions.length };
};

export const handler = lambdaHandler(retention, [config.indexPrefix, config.summaryRetentionDays, config.opensearch, config.dynamodb]);
