/**
 * One ingest request, start to answer, behind ports (functions/ingest.ts wires the tenant registry,
 * the Kafka-then-spill delivery, the logger and the metrics):
 *
 *  1. normalize the event (API Gateway v2 or ALB) and route it; take the token;
 *  2. resolve the tenant (an unreachable registry is a 503: nothing was accepted);
 *  3. split the body into records, a batch at a time (a 6 MB body of tiny events is millions);
 *  4. deliver them (Kafka, or the Kinesis spill while Kafka is unavailable); a delivery that reached
 *     neither is a 503 saying nothing of the request was accepted;
 *  5. answer 202 with the counts, only once every event is durable.
 */
import type { Tenant, TenantResolver } from '../tenants/registry.ts';
import { IngestError, isIngestError } from './errors.ts';
import { acceptedResponse, errorResponse, normalizeRequest, type LambdaHttpEvent, type LambdaHttpResult } from './http.ts';
import { parseIngest, type IngestLimits } from './parse.ts';
import { extractToken, matchRoute } from './routes.ts';

/** Records per produce call: bounds memory for bodies of many tiny events, and keeps Kafka requests large. */
const PRODUCE_BATCH = 5000;
const PRODUCE_BATCH_BYTES = 4 * 1024 * 1024;

export interface IngestRecord {
  topic: string;
  key: string;
  value: Buffer;
}

export interface IngestPorts {
  tenants: TenantResolver;
  /** Resolves where the records went; rejects with an error `isDeliveryFailure` recognizes when they reached nothing. */
  deliver(batches: Iterable<IngestRecord[]>): Promise<{ to: string; spilled: number; kafkaError?: string }>;
  isDeliveryFailure(err: unknown): boolean;
  topic: string;
  limits: IngestLimits;
  log: { info(message: string, data: Record<string, unknown>): void; error(message: string, data: Record<string, unknown>): void };
  accepted(outcome: { tenant: Tenant; accepted: number; truncated: number; invalidUtf8: number; bytes: number; spilled: number }): void;
  refused(status: number): void;
}

export async function handleIngest(ports: IngestPorts, event: LambdaHttpEvent, requestId: string): Promise<LambdaHttpResult> {
  const req = normalizeRequest(event, { fallbackRequestId: requestId });
  try {
    const token = extractToken(req, matchRoute(req));
    const tenant = await ports.tenants.resolve(token).catch((err: unknown) => {
      ports.log.error('tenant registry unreachable', { requestId: req.requestId, error: err as Error });
      throw IngestError.unavailable(5, 'Sluice could not check the token right now; nothing was accepted.');
    });
    if (!tenant) throw IngestError.invalidToken();
    const result = parseIngest(req, { tenant: tenant.id, receivedAt: new Date(), limits: ports.limits, spread: tenant.plan.spread });
    const topic = ports.topic;
    const batches = (function* () {
      for (const batch of result.batches(PRODUCE_BATCH, PRODUCE_BATCH_BYTES)) yield batch.map((r) => ({ topic, key: r.key, value: r.value }));
    })();
    const outcome = await ports.deliver(batches);
    const counts = { accepted: result.accepted, truncated: result.truncated, invalidUtf8: result.invalidUtf8 };
    ports.log.info('accepted', {
      tenant: tenant.id, requestId: req.requestId, ...counts, format: result.format, bytes: result.bodyBytes, to: outcome.to,
      ...(outcome.kafkaError ? { kafkaError: outcome.kafkaError } : {}),
    });
    ports.accepted({ tenant, ...counts, bytes: result.bodyBytes, spilled: outcome.spilled });
    return acceptedResponse(req.shape, result, req.requestId);
  } catch (err) {
    let answer = err;
    if (ports.isDeliveryFailure(err)) {
      ports.log.error('neither Kafka nor the spill stream took the request', { requestId: req.requestId, error: (err as Error).message });
      answer = IngestError.unavailable(5, 'Sluice could not store the events; nothing of this request was accepted. Retry it.');
    } else if (!isIngestError(err)) {
      ports.log.error('ingest failed', { requestId: req.requestId, error: err as Error });
    }
    const res = errorResponse(req.shape, answer, req.requestId);
    ports.refused(res.statusCode ?? 500);
    return res;
  }
}
