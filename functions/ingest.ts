/**
 * ingest: the front door. API Gateway HTTP API and ALB (behind the static-IP NLB) both invoke it.
 * Authenticates the tenant from its token, splits the body into events, and answers 202 only once
 * every event is durably in Kafka (or, while Kafka is unavailable, in the Kinesis spill stream).
 * The request flow is shared/ingest/request.ts; this file wires it.
 */
import type { Context } from 'aws-lambda';
import * as config from '../shared/config.ts';
import { DynamoTenantStore } from '../shared/adapters/tenant-store.ts';
import { deliver, DeliveryFailedError } from '../shared/delivery.ts';
import type { LambdaHttpEvent, LambdaHttpResult } from '../shared/ingest/index.ts';
import { handleIngest, type IngestPorts } from '../shared/ingest/request.ts';
import { shipperServices } from '../shared/ingest/protocols/services.ts';
import { CachedTenantResolver, onlyScope } from '../shared/tenants/registry.ts';
import { awayFromHome } from '../shared/tenants/home.ts';
import { admitCost, parseWithinCeiling } from '../shared/ingest/admit.ts';
import { deliverInBatches } from '../shared/ingest/deliver.ts';
import { CeilingLimiter } from '../shared/ingest/ceiling.ts';
import { DynamoCeilingCounter } from '../shared/adapters/ingest-ceiling.ts';
import { serveProtocol, type ProtocolServices } from '../shared/ingest/protocols/serve.ts';
import { lambdaHandler } from '../shared/middleware.ts';
import { logger, metrics, tenantMetrics } from '../shared/observability.ts';
import { recordIngest, recordIngestRefused } from '../shared/metrics.ts';

const tenants = new CachedTenantResolver(onlyScope(new DynamoTenantStore(), 'ingest'), config.tenantCacheTtlMs());
const ceiling = new CeilingLimiter(new DynamoCeilingCounter(), { onCounterError: (error) => logger.warn('ceiling counter unreachable; this instance judges alone', { error: error as Error }) });
const [region, regionUrls] = [config.sluiceRegion(), config.regionIngestUrls()]; // on every envelope; home-region notices (shared/tenants/home.ts)

function* onTopic(topic: string, batches: Iterable<Array<{ key: string; value: Buffer }>>) {
  for (const b of batches) yield b.map((r) => ({ topic, key: r.key, value: r.value }));
}

/** OTLP and the other shippers' protocols (shared/ingest/protocols): the same registry, limits and delivery. */
const protocolServices: ProtocolServices = shipperServices({
  tenants, log: logger, isDeliveryFailure: (e) => e instanceof DeliveryFailedError,
  admit: (tenant, cost) => admitCost(tenant, cost, { ceiling, settings: config.ingestCeiling() }),
  deliver: (batches) => deliver(onTopic(config.topics().raw, batches)),
  region,
  limits: () => {
    const { minEventBytes, maxEventsPerRequest } = config.ingestCeiling();
    return { ...config.ingestLimits(), minEventBytes, maxEventsPerRequest };
  },
});

const ports: IngestPorts = {
  tenants,
  serveProtocol: (req) => serveProtocol(req, protocolServices),
  parse: (req, tenant, at) => parseWithinCeiling(req, tenant, at, { ceiling, body: config.ingestLimits(), settings: config.ingestCeiling(), region }),
  deliver: (result) => deliverInBatches(result, config.topics().raw, deliver, { isDeliveryFailure: (e) => e instanceof DeliveryFailedError }),
  isDeliveryFailure: (e) => e instanceof DeliveryFailedError,
  log: logger,
  accepted: (tenant, r, spilled) =>
    recordIngest(metrics, tenantMetrics, { tenant: tenant.id, tier: tenant.plan.indexTier, accepted: r.accepted, truncated: r.truncated, invalidUtf8: r.invalidUtf8, bytes: r.bodyBytes, spilled }),
  refused: (status) => recordIngestRefused(metrics, status),
  away: (tenant) => awayFromHome(tenant, region, regionUrls),
};

export const ingest = (event: LambdaHttpEvent, context: Pick<Context, 'awsRequestId'>): Promise<LambdaHttpResult> => handleIngest(ports, event, context.awsRequestId);

export const handler = lambdaHandler(ingest, [config.ingestLimits, config.ingestCeiling, config.tenantCacheTtlMs, config.kafka, config.kinesis, config.dynamodb, config.s3, config.tenantMetrics, config.sluiceRegion, config.regionIngestUrls]);
