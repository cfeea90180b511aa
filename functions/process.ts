/**
 * process: MSK trigger on `logs.raw`. Classifies, applies budgets, indexes into OpenSearch and
 * writes summaries; throws (so the event source retries the batch) unless every record is
 * indexed, deferred, counted as archive-only or in the DLQ. See shared/process/stage.ts.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import type { Context, MSKEvent } from 'aws-lambda';
import { processRaw, type StageResult } from '../shared/process/index.ts';
import { closeConnectionsAfterCliInvoke } from '../shared/middleware.ts';
import { logger, metrics, tenantMetrics } from '../shared/observability.ts';
import { recordStage, stageSummary } from '../shared/metrics.ts';

export const processBatch = async (event: MSKEvent, context: Context): Promise<Omit<StageResult, 'byTenant' | 'bulkMs'>> => {
  const result = await processRaw(event, context);
  recordStage(metrics, tenantMetrics, result);
  const summary = stageSummary(result);
  logger.info('processed batch', { ...summary });
  return summary;
};

export const handler = middy(processBatch).use(closeConnectionsAfterCliInvoke()).use(injectLambdaContext(logger)).use(logMetrics(metrics));
