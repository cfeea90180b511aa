/**
 * deferred: MSK trigger on `logs.deferred`, low concurrency. Indexes deferred events once they are
 * due and the tenant has budget again; re-defers (attempts + 1, later not-before) or parks the
 * rest, never dropping and never spinning. See shared/budget/defer.ts.
 */
import type { Context, MSKEvent } from 'aws-lambda';
import * as config from '../shared/config.ts';
import { processDeferred, type StageResult } from '../shared/process/index.ts';
import { lambdaHandler } from '../shared/middleware.ts';
import { logger, metrics, tenantMetrics } from '../shared/observability.ts';
import { recordStage, stageSummary } from '../shared/metrics.ts';

export const deferred = async (event: MSKEvent, context: Context): Promise<Omit<StageResult, 'byTenant' | 'bulkMs'>> => {
  const result = await processDeferred(event, context);
  recordStage(metrics, tenantMetrics, result);
  const summary = stageSummary(result);
  logger.info('processed deferred batch', { ...summary });
  return summary;
};

export const handler = lambdaHandler(deferred, [config.stageSettings, config.tenantMetrics, config.kafka, config.opensearch, config.dynamodb, config.s3]);
