/**
 * ingest: the front door. API Gateway HTTP API and ALB (behind the static-IP NLB) both invoke it.
 * Authenticates the tenant from its token, splits the body into events, and answers 202 only once
 * every event is durably in Kafka (or, while Kafka is unavailable, in the Kinesis spill stream).
 */
import type { Context } from 'aws-lambda';
import * as config from '../shared/config.ts';
import { DynamoTenantStore } from '../shared/adapters/tenant-store.ts';
import { deliver, DeliveryFailedError } from '../shared/delivery.ts';
import {
  acceptedResponse,
  errorResponse,
  extractToken,
  IngestError,
  isIngestError,
  matchRoute,
  normalizeRequest,
  parseIngest,
  type LambdaHttpEvent,
  type LambdaHttpResult,
} from '../shared/ingest/index.ts';
import { CachedTenantResolver } from '../shared/tenants/registry.ts';
import { lambdaHandler } from '../shared/middleware.ts';
import { logger, metrics, tenantMetrics } from '../shared/observability.ts';
import { recordIngest, recordIngestRefused } from '../shared/metrics.ts';

/** Records per produce call: bounds memory for bodies of many tiny events, and keeps Kafka requests large. */
const PRODUCE_BATCH = 5000;
const PRODUCE_BATCH_BYTES = 4 * 1024 * 1024;

const tenants = new CachedTenantResolver(new DynamoTenantStore(), config.tenantCacheTtlMs());

export async function ingest(event: LambdaHttpEvent, context: Pick<Context, 'awsRequestId'>): Promise<LambdaHttpResult> {
  const req = normalizeRequest(event, { fallbackRequestId: context.awsRequestId });
  try {
    const token = extractToken(req, matchRoute(req));
    const tenant = await tenants.resolve(token).catch((err: unknown) => {
      logger.error('tenant registry unreachable', { requestId: req.requestId, error: err as Error });
      throw IngestError.unavailable(5, 'Sluice could not check the token right now; nothing was accepted.');
    });
    if (!tenant) throw IngestError.invalidToken();

    const result = parseIngest(req, {
      tenant: tenant.id,
      receivedAt: new Date(),
      limits: config.ingestLimits(),
      spread: tenant.plan.spread,
    });
    const topic = config.topics().raw;
    // Records are built a batch at a time: a 6 MB body of tiny events is millions of records.
    const batches = (function* () {
      for (const batch of result.batches(PRODUCE_BATCH, PRODUCE_BATCH_BYTES)) yield batch.map((r) => ({ topic, key: r.key, value: r.value }));
    })();
    const outcome = await deliver(batches);
    logger.info('accepted', {
      tenant: tenant.id,
      requestId: req.requestId,
      accepted: result.accepted,
      truncated: result.truncated,
      invalidUtf8: result.invalidUtf8,
      format: result.format,
      bytes: result.bodyBytes,
      to: outcome.to,
      ...(outcome.kafkaError ? { kafkaError: outcome.kafkaError } : {}),
    });
    recordIngest(metrics, tenantMetrics, {
      tenant: tenant.id,
      tier: tenant.plan.indexTier,
      accepted: result.accepted,
      truncated: result.truncated,
      invalidUtf8: result.invalidUtf8,
      bytes: result.bodyBytes,
      spilled: outcome.spilled,
    });
    return acceptedResponse(req.shape, result, req.requestId);
  } catch (err) {
    if (err instanceof DeliveryFailedError) {
      logger.error('neither Kafka nor the spill stream took the request', { requestId: req.requestId, error: err.message });
      recordIngestRefused(metrics, 503);
      return errorResponse(req.shape, IngestError.unavailable(5, 'Sluice could not store the events; nothing of this request was accepted. Retry it.'), req.requestId);
    }
    if (!isIngestError(err)) logger.error('ingest failed', { requestId: req.requestId, error: err as Error });
    const res = errorResponse(req.shape, err, req.requestId);
    recordIngestRefused(metrics, res.statusCode ?? 500);
    return res;
  }
}

export const handler = lambdaHandler(ingest, [config.ingestLimits, config.tenantCacheTtlMs, config.kafka, config.kinesis, config.dynamodb, config.s3, config.tenantMetrics]);
