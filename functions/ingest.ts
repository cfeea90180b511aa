/**
 * ingest: the front door. API Gateway HTTP API and ALB (behind the static-IP NLB) both invoke it.
 * Authenticates the tenant from its token, splits the body into events, and answers 202 only once
 * every event is durably in Kafka (or, while Kafka is unavailable, in the Kinesis spill stream).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
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
  type LambdaHttpEvent,
  type LambdaHttpResult,
} from '../shared/ingest/index.ts';
import { CachedTenantResolver } from '../shared/tenants/registry.ts';
import { parseWithinCeiling } from '../shared/ingest/admit.ts';
import { deliverInBatches } from '../shared/ingest/deliver.ts';
import { CeilingLimiter } from '../shared/ingest/ceiling.ts';
import { DynamoCeilingCounter } from '../shared/adapters/ingest-ceiling.ts';
import { serveProtocol, type ProtocolServices } from '../shared/ingest/protocols/serve.ts';
import { closeConnectionsAfterCliInvoke } from '../shared/middleware.ts';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { logger, metrics, tenantMetrics } from '../shared/observability.ts';
import { recordIngest, recordIngestRefused } from '../shared/metrics.ts';

const tenants = new CachedTenantResolver(new DynamoTenantStore(), config.tenantCacheTtlMs());
const ceiling = new CeilingLimiter(new DynamoCeilingCounter(), { onCounterError: (error) => logger.warn('ceiling counter unreachable; this instance judges alone', { error: error as Error }) });

/** OTLP and the other shippers' protocols (shared/ingest/protocols): the same registry, limits and delivery. */
const protocolServices: ProtocolServices = {
  resolveTenant: async (token) => {
    const t = await tenants.resolve(token).catch((err: unknown) => {
      logger.error('tenant registry unreachable', { error: err as Error });
      throw IngestError.unavailable(5, 'Sluice could not check the token right now; nothing was accepted.');
    });
    return t && { id: t.id, spread: t.plan.spread };
  },
  deliver: async (batches) => {
    const topic = config.topics().raw;
    const records = (function* () {
      for (const b of batches) yield b.map((r) => ({ topic, key: r.key, value: r.value }));
    })();
    return deliver(records).catch((err: unknown) => {
      if (!(err instanceof DeliveryFailedError)) throw err;
      logger.error('neither Kafka nor the spill stream took the request', { error: err.message });
      throw IngestError.unavailable(5, 'Sluice could not store the events; nothing of this request was accepted. Retry it.');
    });
  },
  get limits() {
    const { minEventBytes, maxEventsPerRequest } = config.ingestCeiling();
    return { ...config.ingestLimits(), minEventBytes, maxEventsPerRequest };
  },
};

export async function ingest(event: LambdaHttpEvent, context: Pick<Context, 'awsRequestId'>): Promise<LambdaHttpResult> {
  const req = normalizeRequest(event, { fallbackRequestId: context.awsRequestId });
  const served = await serveProtocol(req, protocolServices);
  if (served) {
    const { response, error, ...summary } = served;
    if (error && error.status >= 500) logger.error('protocol ingest failed', { requestId: req.requestId, ...summary, error });
    else logger.info(error ? 'refused' : 'accepted', { requestId: req.requestId, ...summary, ...(error ? { code: error.code } : {}) });
    return response;
  }
  try {
    const token = extractToken(req, matchRoute(req));
    const tenant = await tenants.resolve(token).catch((err: unknown) => {
      logger.error('tenant registry unreachable', { requestId: req.requestId, error: err as Error });
      throw IngestError.unavailable(5, 'Sluice could not check the token right now; nothing was accepted.');
    });
    if (!tenant) throw IngestError.invalidToken();

    const result = await parseWithinCeiling(req, tenant, new Date(), { ceiling, body: config.ingestLimits(), settings: config.ingestCeiling() });
    const outcome = await deliverInBatches(result, config.topics().raw, deliver, { isDeliveryFailure: (e) => e instanceof DeliveryFailedError });
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
    if (isIngestError(err) && err.cause instanceof DeliveryFailedError) {
      logger.error('neither Kafka nor the spill stream took the request', { requestId: req.requestId, error: err.cause.message, ...err.fields });
    }
    if (!isIngestError(err)) logger.error('ingest failed', { requestId: req.requestId, error: err as Error });
    const res = errorResponse(req.shape, err, req.requestId);
    recordIngestRefused(metrics, res.statusCode ?? 500);
    return res;
  }
}

export const handler = middy(ingest).use(closeConnectionsAfterCliInvoke()).use(injectLambdaContext(logger)).use(logMetrics(metrics));
