/**
 * Builds Lambda HTTP events exactly as API Gateway HTTP API (payload 2.0) and ALB deliver them.
 * The local gateway turns real HTTP requests into these; tests and `events/` samples use them too.
 */
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import type { ALBEvent, APIGatewayProxyEventV2 } from 'aws-lambda';

export interface HttpRequestSpec {
  method?: string;
  /** Path with an optional query string, e.g. `/v1/logs?tags=a,b`. */
  url: string;
  headers?: Record<string, string | string[]>;
  body?: Buffer | string;
  sourceIp?: string;
}

function splitUrl(url: string): { path: string; rawQuery: string } {
  const q = url.indexOf('?');
  return q === -1 ? { path: url, rawQuery: '' } : { path: url.slice(0, q), rawQuery: url.slice(q + 1) };
}

/** API Gateway encodes the body as base64 unless it is text with a textual Content-Type. */
function isTextual(contentType: string | undefined, encoding: string | undefined): boolean {
  if (encoding && encoding !== 'identity') return false;
  return !!contentType && /^(text\/|application\/(json|x-ndjson|jsonl|x-www-form-urlencoded|xml))/i.test(contentType);
}

export function apiGatewayV2Event(spec: HttpRequestSpec): APIGatewayProxyEventV2 {
  const { path, rawQuery } = splitUrl(spec.url);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.headers ?? {})) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  const body = spec.body === undefined ? undefined : Buffer.isBuffer(spec.body) ? spec.body : Buffer.from(spec.body);
  // Only valid UTF-8 can travel as a string: toString('utf8') would replace invalid bytes with U+FFFD
  // before ingest sees them (and ingest could no longer flag the event invalid_utf8).
  const text = body !== undefined && isTextual(headers['content-type'], headers['content-encoding']) && isUtf8(body);
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rawQuery)) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  const pathToken = /^\/v1\/inputs\/([^/]+)$/.exec(path)?.[1];
  const method = (spec.method ?? 'POST').toUpperCase();
  const now = new Date();
  return {
    version: '2.0',
    routeKey: pathToken ? `${method} /v1/inputs/{token}` : `${method} ${path}`,
    rawPath: path,
    rawQueryString: rawQuery,
    headers,
    ...(rawQuery ? { queryStringParameters: query } : {}),
    ...(pathToken ? { pathParameters: { token: decodeURIComponent(pathToken) } } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: spec.sourceIp ?? '127.0.0.1', userAgent: headers['user-agent'] ?? '' },
      requestId: randomUUID(),
      routeKey: pathToken ? `${method} /v1/inputs/{token}` : `${method} ${path}`,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body !== undefined ? { body: text ? body.toString('utf8') : body.toString('base64'), isBase64Encoded: !text } : { isBase64Encoded: false }),
  };
}

export function albEvent(spec: HttpRequestSpec, multiValue = true): ALBEvent {
  const { path, rawQuery } = splitUrl(spec.url);
  const body = spec.body === undefined ? '' : Buffer.isBuffer(spec.body) ? spec.body : Buffer.from(spec.body);
  const base = {
    requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/sluice-ingest/0123456789abcdef' } },
    httpMethod: (spec.method ?? 'POST').toUpperCase(),
    path,
    body: typeof body === 'string' ? body : body.toString('base64'),
    isBase64Encoded: typeof body !== 'string',
  };
  // ALB passes query keys and values without URL-decoding them.
  const pairs = rawQuery ? rawQuery.split('&').map((p) => { const i = p.indexOf('='); return i === -1 ? [p, ''] : [p.slice(0, i), p.slice(i + 1)]; }) : [];
  if (multiValue) {
    const multiValueHeaders: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(spec.headers ?? {})) multiValueHeaders[k.toLowerCase()] = Array.isArray(v) ? v : [v];
    const multiValueQueryStringParameters: Record<string, string[]> = {};
    for (const [k, v] of pairs) (multiValueQueryStringParameters[k!] ??= []).push(v!);
    return { ...base, multiValueHeaders, multiValueQueryStringParameters };
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.headers ?? {})) headers[k.toLowerCase()] = Array.isArray(v) ? v[v.length - 1]! : v;
  const queryStringParameters: Record<string, string> = {};
  for (const [k, v] of pairs) queryStringParameters[k!] = v!;
  return { ...base, headers, queryStringParameters };
}
