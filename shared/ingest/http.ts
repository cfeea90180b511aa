/**
 * One request model for the two event shapes that can invoke the ingest Lambda:
 *  - API Gateway HTTP API, payload format 2.0: headers are lower-case and duplicates are already
 *    comma-joined; query parameters are URL-decoded (duplicates comma-joined); `rawPath` is not decoded;
 *    the body is base64 when `isBase64Encoded`.
 *  - ALB (Lambda target group), with or without `lambda.multi_value_headers.enabled`: exactly one of
 *    `headers`/`multiValueHeaders` (and of the two query maps) is set; query keys and values are NOT
 *    URL-decoded by the load balancer; the body is base64 when `isBase64Encoded`. The response needs
 *    `statusDescription`, and must use `multiValueHeaders` when the target group has them enabled.
 */
import { STATUS_CODES } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { ALBEvent, ALBResult, APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { IngestError, isIngestError } from './errors.ts';

export type RequestShape = { kind: 'apigw-v2' } | { kind: 'alb'; multiValueHeaders: boolean };

export interface IngestRequest {
  shape: RequestShape;
  /** Upper-case. */
  method: string;
  /** Undecoded path, without an API Gateway stage prefix. */
  path: string;
  /** Lower-cased names; repeated headers joined with ", " (",") as HTTP allows for list headers. */
  headers: Record<string, string>;
  /** Decoded; repeated parameters joined with ",". */
  query: Record<string, string>;
  /** The wire body (base64 already decoded, Content-Encoding NOT yet decoded). */
  body: Buffer;
  /**
   * Optional: the same body as the string the event carried (not base64), so parsing need not decode
   * `body` back to text. Ignored when it is not well-formed UTF-16 or a Content-Encoding is set.
   */
  bodyText?: string;
  requestId: string;
}

export type LambdaHttpEvent = APIGatewayProxyEventV2 | ALBEvent;
export type LambdaHttpResult = APIGatewayProxyStructuredResultV2 | ALBResult;

export interface NormalizeOptions {
  /** Used when the event carries no request id (ALB without X-Amzn-Trace-Id), e.g. the Lambda awsRequestId. */
  fallbackRequestId?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

export function detectShape(event: unknown): RequestShape {
  if (isObject(event) && isObject(event.requestContext)) {
    const rc = event.requestContext;
    if (isObject(rc.elb)) {
      return { kind: 'alb', multiValueHeaders: isObject(event.multiValueHeaders) };
    }
    if (isObject(rc.http) && typeof event.rawPath === 'string') return { kind: 'apigw-v2' };
  }
  throw new IngestError(
    500,
    'unsupported_event',
    'The ingest function received an event that is neither an API Gateway HTTP API (payload 2.0) nor an ALB request.',
  );
}

/** `application/x-www-form-urlencoded`-style decoding ('+' is a space); malformed escapes are kept as-is. */
function formDecode(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  const plus = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    return plus.replace(/%([0-9a-fA-F]{2})/g, (m, h: string) => {
      const c = parseInt(h, 16);
      return c < 0x80 ? String.fromCharCode(c) : m;
    });
  }
}

function singleValued(
  single: Record<string, string | undefined> | null | undefined,
  multi: Record<string, string[] | undefined> | null | undefined,
  lowerKeys: boolean,
  decode: boolean,
  joiner: string,
): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  const put = (k0: string, v0: string): void => {
    let k = decode ? formDecode(k0) : k0;
    if (lowerKeys) k = k.toLowerCase();
    const v = decode ? formDecode(v0) : v0;
    const prev = out[k];
    out[k] = prev === undefined ? v : prev + joiner + v;
  };
  if (multi) {
    for (const [k, vs] of Object.entries(multi)) {
      if (vs) for (const v of vs) put(k, v);
    }
  } else if (single) {
    for (const [k, v] of Object.entries(single)) {
      if (v !== undefined) put(k, v);
    }
  }
  return out;
}

function traceRoot(traceHeader: string | undefined): string | undefined {
  if (!traceHeader) return undefined;
  const m = /(?:^|;)\s*Root=([^;\s]+)/.exec(traceHeader);
  return m?.[1];
}

function withBody(r: Omit<IngestRequest, 'body'>, body: string | null | undefined, isBase64: boolean): IngestRequest {
  if (body === null || body === undefined || body.length === 0) return { ...r, body: Buffer.alloc(0) };
  if (isBase64) return { ...r, body: Buffer.from(body, 'base64') };
  return { ...r, body: Buffer.from(body, 'utf8'), bodyText: body };
}

export function normalizeRequest(event: LambdaHttpEvent, options: NormalizeOptions = {}): IngestRequest {
  const shape = detectShape(event);
  if (shape.kind === 'apigw-v2') {
    const e = event as APIGatewayProxyEventV2;
    const headers = singleValued(e.headers, undefined, true, false, ',');
    let path = e.rawPath;
    const stage = e.requestContext.stage;
    if (stage && stage !== '$default' && path.startsWith(`/${stage}/`)) path = path.slice(stage.length + 1);
    const base = {
      shape,
      method: e.requestContext.http.method.toUpperCase(),
      path,
      headers,
      query: singleValued(e.queryStringParameters, undefined, false, false, ','),
      requestId:
        e.requestContext.requestId || traceRoot(headers['x-amzn-trace-id']) || options.fallbackRequestId || randomUUID(),
    };
    return withBody(base, e.body, e.isBase64Encoded);
  }
  const e = event as ALBEvent;
  const headers = singleValued(e.headers, e.multiValueHeaders, true, false, ', ');
  const base = {
    shape,
    method: e.httpMethod.toUpperCase(),
    path: e.path,
    headers,
    // ALB passes query keys and values percent-encoded (the AWS docs: "the load balancer does not decode them").
    query: singleValued(e.queryStringParameters, e.multiValueQueryStringParameters, false, true, ','),
    requestId: traceRoot(headers['x-amzn-trace-id']) || options.fallbackRequestId || randomUUID(),
  };
  return withBody(base, e.body, e.isBase64Encoded);
}

/**
 * The answer in the shape's own format. `body` objects are sent as JSON (Content-Type set unless given),
 * bytes (a Uint8Array) base64-encoded with `isBase64Encoded`.
 * Header names are sent lower-case.
 */
export function toResponse(
  shape: RequestShape,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): LambdaHttpResult {
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) h[k.toLowerCase()] = v;
  let text: string;
  let base64 = false;
  if (body instanceof Uint8Array) {
    // Binary answers (OTLP protobuf): base64 on the wire to API Gateway / the ALB.
    text = Buffer.from(body.buffer, body.byteOffset, body.length).toString('base64');
    base64 = true;
    h['content-type'] ??= 'application/octet-stream';
  } else if (typeof body === 'string') {
    text = body;
    h['content-type'] ??= 'text/plain; charset=utf-8';
  } else if (body === undefined || body === null) {
    text = '';
  } else {
    text = JSON.stringify(body);
    h['content-type'] ??= 'application/json';
  }
  if (shape.kind === 'apigw-v2') {
    const r: APIGatewayProxyStructuredResultV2 = { statusCode: status, headers: h, body: text, isBase64Encoded: base64 };
    return r;
  }
  const r: ALBResult = {
    statusCode: status,
    statusDescription: `${status} ${STATUS_CODES[status] ?? 'Unknown'}`,
    isBase64Encoded: base64,
    body: text,
  };
  if (shape.multiValueHeaders) {
    const mv: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(h)) mv[k] = [v];
    r.multiValueHeaders = mv;
  } else {
    r.headers = h;
  }
  return r;
}

export interface AcceptedBody {
  accepted: number;
  truncated: number;
  requestId: string;
}

/** The 202 body, sent by the handler once Kafka (or the spill stream) acknowledged every record. */
export function acceptedBody(result: { accepted: number; truncated: number }, requestId: string): AcceptedBody {
  return { accepted: result.accepted, truncated: result.truncated, requestId };
}

export function acceptedResponse(
  shape: RequestShape,
  result: { accepted: number; truncated: number },
  requestId: string,
  headers: Record<string, string> = {},
): LambdaHttpResult {
  return toResponse(shape, 202, acceptedBody(result, requestId), headers);
}

/**
 * Any thrown value as a response: an `IngestError` with its status/code/message/headers; anything else
 * as a 500 that reveals nothing internal (log it yourself before calling this).
 */
export function errorResponse(shape: RequestShape, err: unknown, requestId?: string): LambdaHttpResult {
  const e = isIngestError(err)
    ? err
    : new IngestError(500, 'internal', 'Internal error. Retry the request; if it keeps failing, contact support with the requestId.');
  return toResponse(shape, e.status, e.toBody(requestId), { ...e.headers });
}
