/**
 * process: MSK trigger on `logs.raw`. Classifies, applies budgets, indexes into OpenSearch and
 * writes summaries; throws (so the event source retries the batch) unless every record is
 * indexed, deferred, counted as archive-only or in the DLQ. See shared/process/stage.ts.
 */
import type { Context, MSKEvent } from 'aws-lambda';
import * as config from '../shared/config.ts';
import { processRaw, type StageResult } from '../shared/process/index.ts';
import { lambdaHandler } from '../shared/middleware.ts';
import { logger, metrics, tenantMetrics } from '../shared/observability.ts';
import { recordStage, stageSummary } from '../shared/metrics.ts';

export const processBatch = async (event: MSKEvent, context: Context): Promise<Omit<StageResult, 'byTenant' | 'bulkMs'>> => {
  const result = await processRaw(event, context);
  recordStage(metrics, tenantMetrics, result);
  const summary = stageSummary(result);
  logger.info('processed batch', { ...summary });
  return summary;
};

export const handler = lambdaHandler(processBatch, [config.stageSettings, config.tenantMetrics, config.kafka, config.opensearch, config.dynamodb, config.s3]);
