/** Shared by the protocol unit tests: requests, in-memory services (no I/O), records emitted by the real OTel JS SDK. */
import { context, SeverityNumber, trace } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { normalizeRequest, type IngestRecord, type IngestRequest, type LambdaHttpResult } from '../../../shared/ingest/index.ts';
import type { RawEnvelope } from '../../../shared/envelope/types.ts';
import { serveProtocol, type ProtocolServices, type Served } from '../../../shared/ingest/protocols/serve.ts';
import { apigwEvent } from '../ingest/helpers.ts';

export const TOKEN = 'tok-unit-protocols-1';
export const TENANT = 'tenant-p';
export const TRACE_ID = '5b8efff798038103d269b633813fc60c';
export const SPAN_ID = 'eee19b7ec3c1b174';

export function request(opts: Parameters<typeof apigwEvent>[0]): IngestRequest {
  return normalizeRequest(apigwEvent(opts));
}

/** Services with an in-memory tenant map and a delivery that records what it was given (or fails). */
export function memoryServices(opts: { fail?: 'kafka-and-spill' | 'registry'; maxEventBytes?: number; ceiling?: 'refuse' } = {}): ProtocolServices & { delivered: IngestRecord[]; envelopes(): RawEnvelope[]; admitted: Array<{ events: number; bytes: number }> } {
  const delivered: IngestRecord[] = [];
  const admitted: Array<{ events: number; bytes: number }> = [];
  return {
    delivered,
    admitted,

    envelopes: () => delivered.map((r) => JSON.parse(r.value.toString('utf8')) as RawEnvelope),
    resolveTenant: async (token) => {
      if (opts.fail === 'registry') {
        const { IngestError } = await import('../../../shared/ingest/errors.ts');
        throw IngestError.unavailable(5, 'registry down');
      }
      return token === TOKEN ? { id: TENANT } : undefined;
    },
    // As services.ts does: the request's cost against the tenant's ceiling, before anything is handed on.
    admit: async (_tenant, cost) => {
      if (opts.ceiling === 'refuse') {
        const { IngestError } = await import('../../../shared/ingest/errors.ts');
        throw IngestError.rateLimited(30, 'Over the tenant\'s ceiling.');
      }
      admitted.push(cost);
    },
    deliver: async (batches) => {
      const all = [...batches];
      if (opts.fail === 'kafka-and-spill') {
        const { IngestError } = await import('../../../shared/ingest/errors.ts');
        throw IngestError.unavailable(5, 'Sluice could not store the events.');
      }
      for (const b of all) delivered.push(...b);
    },
    limits: { maxBodyBytes: 6 * 1024 * 1024, maxEventBytes: opts.maxEventBytes ?? 1024 * 1024, maxEventsPerRequest: 100_000, minEventBytes: 256 },
    now: () => new Date('2026-12-01T10:00:00.000Z'),
  };
}

export async function serve(req: IngestRequest, svc: ProtocolServices): Promise<Served> {
  const s = await serveProtocol(req, svc);
  if (!s) throw new Error(`${req.method} ${req.path} was not served by a protocol`);
  return s;
}

export function bodyOf(res: LambdaHttpResult): Buffer {
  const b = res.body ?? '';
  return res.isBase64Encoded ? Buffer.from(b, 'base64') : Buffer.from(b, 'utf8');
}

export function headersOf(res: LambdaHttpResult): Record<string, string> {
  return (res.headers ?? {}) as Record<string, string>;
}

/** Log records as the real OpenTelemetry JS SDK makes them (LoggerProvider -> in-memory exporter). */
export async function sdkRecords(n = 2): Promise<ReadableLogRecord[]> {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'host.name': 'Web-1', 'deployment.environment': 'prod' }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('shop.checkout', '1.2.3');
  const ctx = trace.setSpanContext(context.active(), { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
  for (let i = 0; i < n; i++) {
    logger.emit({
      body: `order ${i} paid`,
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      timestamp: new Date(Date.UTC(2026, 11, 1, 9, 30, 0, 123 + i)),
      attributes: { 'order.id': i, 'big.int': 2 ** 40, ratio: 0.5, ok: true, tags: ['a', 'b'] },
      context: ctx,
    });
  }
  logger.emit({ body: { user: 'ann', cart: [1, 2] }, severityNumber: SeverityNumber.ERROR, timestamp: new Date(Date.UTC(2026, 11, 1, 9, 31)) });
  await provider.forceFlush();
  return exporter.getFinishedLogRecords();
}

export function protobufOf(records: ReadableLogRecord[]): Buffer {
  return Buffer.from(ProtobufLogsSerializer.serializeRequest(records)!);
}

export function jsonOf(records: ReadableLogRecord[]): Buffer {
  return Buffer.from(JsonLogsSerializer.serializeRequest(records)!);
}
