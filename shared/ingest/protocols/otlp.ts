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
import { LiteralWriter, wasmEscaper } from '../../envelope/literal.ts';
import { LiteralEvent, type ProtocolEvent } from './events.ts';
import { isEmptyRecord, resourceJson, scopeJson, stringAttr, type Attrs, type OtlpLogRecord, type OtlpResourceLogs, type OtlpScope } from './otlp-model.ts';
import { logsRequestFromJson, OtlpJsonError, walkJsonLogsRequest } from './otlp-json.ts';
import { decodeLogsRequest, logRecord, walkLogsRequest, type LogsSink } from './otlp-proto.ts';
import { scanJsonLogsRequest } from './otlp-json-scan.ts';
import { scopeTail, writeModelRecord, writeProtoRecord } from './otlp-write.ts';
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

function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw new OtlpJsonError(`the body is not valid JSON (${(e as Error).message})`);
  }
}

/** `fn`, with a malformed body (WireError, OtlpJsonError) as a 400 `malformed_request` naming what is wrong. */
function wrapMalformed<T>(encoding: Encoding, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof WireError || e instanceof OtlpJsonError) {
      throw new IngestError(400, 'malformed_request', `Malformed OTLP ${encoding === 'protobuf' ? 'protobuf' : 'JSON'} ExportLogsServiceRequest: ${e.message}. Do not retry this request as is.`, { cause: e });
    }
    throw e;
  }
}

/** The body as resource logs (whole); a malformed body is a 400 `malformed_request`. */
export function parseOtlp(body: Buffer, encoding: Encoding): OtlpResourceLogs[] {
  return wrapMalformed(encoding, () => (encoding === 'protobuf' ? decodeLogsRequest(body) : logsRequestFromJson(parseJsonBody(body))));
}

/**
 * One event per log record; empty records (no body, event name or attributes) rejected and counted.
 * Each record is written straight as its envelope literal (otlp-write.ts): protobuf records from
 * their bytes, JSON ones (and the protobuf records the byte path leaves) from their decoded form.
 */
export function decodeOtlp(body: Buffer, encoding: Encoding, receivedAt: string): Decoded {
  const events: ProtocolEvent[] = [];
  let rejected = 0;
  const w = new LiteralWriter();
  // Per resource and scope: their JSON text and the source/host, made once.
  let lastRes: Attrs | undefined;
  let resJson: string | undefined;
  let source: string | undefined;
  let host: string | undefined;
  let tail = scopeTail(undefined, undefined);
  const onScope = (res: Attrs, scope: OtlpScope): void => {
    if (res !== lastRes) {
      lastRes = res;
      resJson = resourceJson(res);
      source = stringAttr(res, 'service.name');
      host = stringAttr(res, 'host.name');
    }
    tail = scopeTail(resJson, scopeJson(scope));
  };
  const push = (): void => {
    w.endInPlace();
    events.push(new LiteralEvent(w.chunk, w.litStart, w.litEnd, w.rawBytes, source, host));
  };
  const onDecoded = (r: OtlpLogRecord): void => {
    if (isEmptyRecord(r)) rejected++;
    else {
      writeModelRecord(w, r, tail, receivedAt);
      push();
    }
  };
  const sink: LogsSink = {
    scope: onScope,
    record: (r) => {
      const done = writeProtoRecord(w, r, tail, receivedAt);
      if (done === true) push();
      else if (done === 'empty') rejected++;
      else onDecoded(logRecord(r));
    },
  };
  wrapMalformed(encoding, () => {
    if (encoding === 'protobuf') walkLoaded(body, sink);
    else if (!scanJsonLogsRequest(body, w, { scope: onScope, tail: () => tail, written: push, empty: () => rejected++ }, receivedAt)) {
      // Left to the decoded path (otlp-json-scan.ts): what the scan was told is dropped, the request decoded afresh.
      events.length = 0;
      rejected = 0;
      lastRes = undefined;
      walkJsonLogsRequest(parseJsonBody(body), { scope: onScope, record: onDecoded });
    }
  });
  const d: Decoded = { events, rejected };
  if (rejected > 0) d.rejectReason = `${rejected} log record(s) had no body, event name or attributes; nothing to store.`;
  return d;
}

/** The walk with the body in the escaper's memory, so that its long strings are escaped there without a copy each. */
function walkLoaded(body: Buffer, sink: LogsSink): void {
  const x = wasmEscaper();
  x.load(body);
  try {
    walkLogsRequest(body, sink);
  } finally {
    x.unload();
  }
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
