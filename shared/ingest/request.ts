/**
 * One ingest request, start to answer, behind ports (functions/ingest.ts wires the tenant registry,
 * the ceiling, the shippers' protocols, the Kafka-then-spill delivery, the logger and the metrics):
 *
 *  1. normalize the event (API Gateway v2 or ALB); a shipper protocol (OTLP, ES bulk, ...) is served
 *     by its own module and answered as it says;
 *  2. route it, take the token, resolve the tenant (an unreachable registry is a 503: nothing accepted);
 *  3. parse the body within the tenant's ceiling (admit.ts);
 *  4. deliver the records in batches (Kafka, or the Kinesis spill while Kafka is unavailable);
 *  5. answer 202 with the counts, only once every event is durable; any refusal with its status.
 */
import type { Tenant, TenantResolver } from '../tenants/registry.ts';
import { IngestError, isIngestError } from './errors.ts';
import { acceptedResponse, errorResponse, normalizeRequest, type IngestRequest, type LambdaHttpEvent, type LambdaHttpResult } from './http.ts';
import type { IngestResult } from './parse.ts';
import { extractToken, matchRoute } from './routes.ts';
import { awayHeaders, type AwayNotice } from '../tenants/home.ts';

type Log = (message: string, data: Record<string, unknown>) => void;

/** A shipper protocol's answer (protocols/serve.ts's Served; structural, so ingest does not import protocols). */
export interface ServedAnswer {
  response: LambdaHttpResult;
  error?: { status: number; code: string } | undefined;
}

export interface IngestPorts {
  tenants: TenantResolver;
  /** A shipper protocol's answer, or undefined when the request is not one. */
  serveProtocol(req: IngestRequest): Promise<ServedAnswer | undefined>;
  parse(req: IngestRequest, tenant: Tenant, receivedAt: Date): Promise<IngestResult>;
  deliver(result: IngestResult): Promise<{ to: string; spilled: number; kafkaError?: string }>;
  isDeliveryFailure(err: unknown): boolean;
  log: { info: Log; error: Log };
  accepted(tenant: Tenant, result: IngestResult, spilled: number): void;
  refused(status: number): void;
  /**
   * Where the tenant's data is meant to live, when this is not its home region (shared/tenants/home.ts):
   * the request is accepted and kept here all the same; the 202 names the home region.
   */
  away?(tenant: Tenant): AwayNotice | undefined;
}

export async function handleIngest(ports: IngestPorts, event: LambdaHttpEvent, requestId: string): Promise<LambdaHttpResult> {
  const req = normalizeRequest(event, { fallbackRequestId: requestId });
  const served = await ports.serveProtocol(req);
  if (served) {
    const { response, error, ...summary } = served;
    if (error && error.status >= 500) ports.log.error('protocol ingest failed', { requestId: req.requestId, ...summary, error });
    else ports.log.info(error ? 'refused' : 'accepted', { requestId: req.requestId, ...summary, ...(error ? { code: error.code } : {}) });
    return response;
  }
  try {
    const token = extractToken(req, matchRoute(req));
    const tenant = await ports.tenants.resolve(token).catch((err: unknown) => {
      ports.log.error('tenant registry unreachable', { requestId: req.requestId, error: err as Error });
      throw IngestError.unavailable(5, 'Sluice could not check the token right now; nothing was accepted.');
    });
    if (!tenant) throw IngestError.invalidToken();
    const result = await ports.parse(req, tenant, new Date());
    const outcome = await ports.deliver(result);
    ports.log.info('accepted', {
      tenant: tenant.id, requestId: req.requestId, accepted: result.accepted, truncated: result.truncated, invalidUtf8: result.invalidUtf8,
      format: result.format, bytes: result.bodyBytes, to: outcome.to, ...(outcome.kafkaError ? { kafkaError: outcome.kafkaError } : {}),
    });
    ports.accepted(tenant, result, outcome.spilled);
    const away = ports.away?.(tenant);
    if (away) ports.log.info('accepted outside the tenant\'s home region; kept here', { tenant: tenant.id, requestId: req.requestId, homeRegion: away.homeRegion });
    return acceptedResponse(req.shape, result, req.requestId, awayHeaders(away));
  } catch (err) {
    if (isIngestError(err) && ports.isDeliveryFailure(err.cause)) {
      ports.log.error('neither Kafka nor the spill stream took the request', { requestId: req.requestId, error: (err.cause as Error).message, ...err.fields });
    }
    if (!isIngestError(err)) ports.log.error('ingest failed', { requestId: req.requestId, error: err as Error });
    const res = errorResponse(req.shape, err, req.requestId);
    ports.refused(res.statusCode ?? 500);
    return res;
  }
}
