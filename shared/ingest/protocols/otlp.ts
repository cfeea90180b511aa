/**
 * OTLP/HTTP logs (https://opentelemetry.io/docs/specs/otlp/#otlphttp):
 *
 *   POST /otlp/v1/logs   always OTLP (Content-Type application/x-protobuf or application/json)
 *   POST /v1/logs        OTLP when Content-Type is application/x-protobuf, or application/json whose
 *                        object opens with "resourceLogs"; anything else stays Sluice's native ingest
 *
 * Token: `Authorization: Bearer <token>` (OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer ...") or
 * `X-Api-Key`. Answers: 200 with an ExportLogsServiceResponse in the request's encoding (with
 * `partial_success` when records were rejected); errors with a google.rpc.Status in the same encoding:
 * 400 (malformed, not retryable), 401, 413, 415, and 429/503 with Retry-After (retryable).
 */
import { IngestError } from '../errors.ts';
import { toResponse, type IngestRequest, type LambdaHttpResult, type RequestShape } from '../http.ts';
import { extractToken } from '../routes.ts';
import type { ProtocolEvent } from './events.ts';
import { isEmptyRecord, recordDoc, recordRaw, resourceJson, scopeJson, stringAttr, type OtlpResourceLogs } from './otlp-model.ts';
import { logsRequestFromJson, OtlpJsonError } from './otlp-json.ts';
import { decodeLogsRequest } from './otlp-proto.ts';
import type { Decoded, ProtocolRoute } from './types.ts';
import { Writer, WireError } from './wire.ts';

type Encoding = 'protobuf' | 'json';

function mediaType(req: IngestRequest): string {
  const ct = req.headers['content-type'] ?? '';
  const semi = ct.indexOf(';');
  return (semi < 0 ? ct : ct.slice(0, semi)).trim().toLowerCase();
}

function encodingOf(req: IngestRequest): Encoding | undefined {
  const mt = mediaType(req);
  if (mt === 'application/x-protobuf' || mt === 'application/protobuf') return 'protobuf';
  if (mt === 'application/json') return 'json';
  return undefined;
}

/** `{` then `"resourceLogs"` (or the proto name) as the first key: the body claims to be an ExportLogsServiceRequest. */
const CLAIMS_OTLP_JSON = /^\s*\{\s*"resource_?[lL]ogs"\s*:/;

/** True when a /v1/logs JSON body (already decoded) is an OTLP request. Looks at the first bytes only. */
export function claimsOtlpJson(body: Buffer): boolean {
  const head = body.subarray(0, 64).toString('latin1');
  return CLAIMS_OTLP_JSON.test(head);
}

export function otlpMatcher(path: string, req: IngestRequest, peek: () => Buffer): ProtocolRoute | undefined {
  const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (p === '/otlp/v1/logs') return otlpRoute(encodingOf(req) ?? 'json', true);
  if (p !== '/v1/logs' || req.method !== 'POST') return undefined;
  const enc = encodingOf(req);
  if (enc === 'protobuf') return otlpRoute('protobuf', false);
  if (enc === 'json' && claimsOtlpJson(peek())) return otlpRoute('json', false);
  return undefined;
}

function otlpRoute(encoding: Encoding, strictType: boolean): ProtocolRoute {
  return {
    protocol: 'otlp',
    token: (req) => {
      if (req.method !== 'POST') {
        throw new IngestError(405, 'method_not_allowed', `${req.method} is not allowed on ${req.path}; OTLP/HTTP uses POST.`, { headers: { allow: 'POST' } });
      }
      if (strictType && encodingOf(req) === undefined) {
        throw new IngestError(415, 'unsupported_media_type', 'OTLP/HTTP bodies are application/x-protobuf or application/json.');
      }
      return extractToken(req, { kind: 'logs', path: '/v1/logs' });
    },
    decode: (body, _req, receivedAt) => decodeOtlp(body, encoding, receivedAt.toISOString()),
    answer: (req, decoded) => exportResponse(req.shape, encoding, decoded.rejected, decoded.rejectReason),
    fail: (req, err) => statusResponse(req.shape, encoding, err),
  };
}

/** The body as resource logs; a malformed body is a 400 `malformed_request` naming what is wrong. */
export function parseOtlp(body: Buffer, encoding: Encoding): OtlpResourceLogs[] {
  try {
    if (encoding === 'protobuf') return decodeLogsRequest(body);
    let v: unknown;
    try {
      v = JSON.parse(body.toString('utf8'));
    } catch (e) {
      throw new OtlpJsonError(`the body is not valid JSON (${(e as Error).message})`);
    }
    return logsRequestFromJson(v);
  } catch (e) {
    if (e instanceof WireError || e instanceof OtlpJsonError) {
      throw new IngestError(400, 'malformed_request', `Malformed OTLP ${encoding === 'protobuf' ? 'protobuf' : 'JSON'} ExportLogsServiceRequest: ${e.message}. Do not retry this request as is.`, { cause: e });
    }
    throw e;
  }
}

/** One event per log record; empty records (no body, event name or attributes) rejected and counted. */
export function decodeOtlp(body: Buffer, encoding: Encoding, receivedAt: string): Decoded {
  const events: ProtocolEvent[] = [];
  let rejected = 0;
  for (const rl of parseOtlp(body, encoding)) {
    const source = stringAttr(rl.resource, 'service.name');
    const host = stringAttr(rl.resource, 'host.name');
    const resJson = resourceJson(rl);
    for (const sl of rl.scopeLogs) {
      const scJson = scopeJson(sl);
      for (const r of sl.logRecords) {
        if (isEmptyRecord(r)) {
          rejected++;
          continue;
        }
        // The raw by concatenation (hot path); the object only if it must be cut to the event limit.
        events.push({ raw: recordRaw(resJson, scJson, r, receivedAt), doc: () => recordDoc(rl, sl, r, receivedAt), source, host });
      }
    }
  }
  const d: Decoded = { events, rejected };
  if (rejected > 0) d.rejectReason = `${rejected} log record(s) had no body, event name or attributes; nothing to store.`;
  return d;
}

export function exportResponse(shape: RequestShape, encoding: Encoding, rejected: number, reason?: string): LambdaHttpResult {
  if (encoding === 'json') {
    const body = rejected > 0 ? { partialSuccess: { rejectedLogRecords: String(rejected), errorMessage: reason ?? '' } } : {};
    return toResponse(shape, 200, body);
  }
  const w = new Writer();
  if (rejected > 0) {
    const ps = new Writer().varintField(1, rejected).stringField(2, reason ?? '').finish();
    w.bytesField(1, ps);
  }
  return toResponse(shape, 200, w.finish(), { 'content-type': 'application/x-protobuf' });
}

/** gRPC status codes (google.rpc.Code) for the HTTP statuses ingest answers. */
function grpcCode(status: number): number {
  if (status === 400 || status === 413) return 3; // INVALID_ARGUMENT
  if (status === 401) return 16; // UNAUTHENTICATED
  if (status === 404) return 5; // NOT_FOUND
  if (status === 405 || status === 415) return 12; // UNIMPLEMENTED
  if (status === 429) return 8; // RESOURCE_EXHAUSTED
  if (status === 503) return 14; // UNAVAILABLE
  return 13; // INTERNAL
}

/** A google.rpc.Status { code = 1; message = 2 } in the request's encoding, with the error's headers (Retry-After). */
export function statusResponse(shape: RequestShape, encoding: Encoding, err: IngestError): LambdaHttpResult {
  const code = grpcCode(err.status);
  if (encoding === 'json') return toResponse(shape, err.status, { code, message: err.message }, { ...err.headers });
  const body = new Writer().varintField(1, code).stringField(2, err.message).finish();
  return toResponse(shape, err.status, body, { ...err.headers, 'content-type': 'application/x-protobuf' });
}
