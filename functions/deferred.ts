/**
 * deferred: MSK trigger on `logs.deferred`, low concurrency. Indexes deferred events once they are
 * due and the tenant has budget again; re-defers (attempts + 1, later not-before) or parks the
 * rest, never dropping and never spinning. See shared/budget/defer.ts.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, MSKEvent } from 'aws-lambda';
import { processDeferred, type StageResult } from '../shared/process/index.ts';
import { closeConnectionsAfterCliInvoke } from '../shared/middleware.ts';
import { logger, metrics } from '../shared/observability.ts';

export const deferred = async (event: MSKEvent, context: Context): Promise<StageResult> => {
  const result = await processDeferred(event, context);
  metrics.addMetric('DeferredRecords', MetricUnit.Count, result.records);
  metrics.addMetric('DeferredIndexed', MetricUnit.Count, result.indexed);
  metrics.addMetric('DeferredRedeferred', MetricUnit.Count, result.deferred);
  metrics.addMetric('DeferredParked', MetricUnit.Count, result.parked);
  metrics.addMetric('DeferredDlq', MetricUnit.Count, result.dlq);
  logger.info('processed deferred batch', { ...result });
  return result;
};

export const handler = middy(deferred).use(closeConnectionsAfterCliInvoke()).use(injectLambdaContext(logger)).use(logMetrics(metrics));
