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
import { CachedTenantResolver } from '../shared/tenants/registry.ts';
import { lambdaHandler } from '../shared/middleware.ts';
import { logger, metrics, tenantMetrics } from '../shared/observability.ts';
import { recordIngest, recordIngestRefused } from '../shared/metrics.ts';

const tenants = new CachedTenantResolver(new DynamoTenantStore(), config.tenantCacheTtlMs());

const ports = (): IngestPorts => ({
  tenants,
  deliver,
  isDeliveryFailure: (err) => err instanceof DeliveryFailedError,
  topic: config.topics().raw,
  limits: config.ingestLimits(),
  log: logger,
  accepted: ({ tenant, ...o }) => recordIngest(metrics, tenantMetrics, { tenant: tenant.id, tier: tenant.plan.indexTier, ...o }),
  refused: (status) => recordIngestRefused(metrics, status),
});

export const ingest = (event: LambdaHttpEvent, context: Pick<Context, 'awsRequestId'>): Promise<LambdaHttpResult> => handleIngest(ports(), event, context.awsRequestId);

export const handler = lambdaHandler(ingest, [config.ingestLimits, config.tenantCacheTtlMs, config.kafka, config.kinesis, config.dynamodb, config.s3, config.tenantMetrics]);
