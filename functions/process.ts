/**
 * process: MSK trigger on `logs.raw`. Classifies, applies budgets, indexes into OpenSearch and
 * writes summaries; throws (so the event source retries the batch) unless every record is
 * indexed, deferred, counted as archive-only or in the DLQ. See shared/process/stage.ts.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, MSKEvent } from 'aws-lambda';
import { processRaw, type StageResult } from '../shared/process/index.ts';
import { closeConnectionsAfterCliInvoke } from '../shared/middleware.ts';
import { logger, metrics } from '../shared/observability.ts';

export const processBatch = async (event: MSKEvent, context: Context): Promise<StageResult> => {
  const result = await processRaw(event, context);
  metrics.addMetric('ProcessRecords', MetricUnit.Count, result.records);
  metrics.addMetric('ProcessIndexed', MetricUnit.Count, result.indexed);
  metrics.addMetric('ProcessDeferred', MetricUnit.Count, result.deferred);
  metrics.addMetric('ProcessArchiveOnly', MetricUnit.Count, result.archiveOnly);
  metrics.addMetric('ProcessDlq', MetricUnit.Count, result.dlq);
  logger.info('processed batch', { ...result });
  return result;
};

export const handler = middy(processBatch).use(closeConnectionsAfterCliInvoke()).use(injectLambdaContext(logger)).use(logMetrics(metrics));
