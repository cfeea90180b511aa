import type { ALBEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { normalizeRequest, type IngestRequest } from '../../../shared/ingest/index.ts';

export function apigwEvent(opts: {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  body?: string | Buffer;
  base64?: boolean;
  stage?: string;
  requestId?: string;
}): APIGatewayProxyEventV2 {
  const base64 = opts.base64 ?? Buffer.isBuffer(opts.body);
  const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body.toString('base64') : base64 ? Buffer.from(opts.body).toString('base64') : opts.body;
  const path = opts.path ?? '/v1/logs';
  const stage = opts.stage ?? '$default';
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: stage === '$default' ? path : `/${stage}${path}`,
    rawQueryString: '',
    headers: opts.headers ?? {},
    ...(opts.query ? { queryStringParameters: opts.query } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'x.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'x',
      http: { method: opts.method ?? 'POST', path, protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'curl/8' },
      requestId: opts.requestId ?? 'req-apigw-1',
      routeKey: '$default',
      stage,
      time: '12/Mar/2020:19:03:58 +0000',
      timeEpoch: 1583348638390,
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: base64,
  };
}

export function albEvent(opts: {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  multiHeaders?: Record<string, string[]>;
  query?: Record<string, string>;
  multiQuery?: Record<string, string[]>;
  body?: string | Buffer;
}): ALBEvent {
  const e: ALBEvent = {
    requestContext: { elb: { targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/ingest/abc' } },
    httpMethod: opts.method ?? 'POST',
    path: opts.path ?? '/v1/logs',
    body: opts.body === undefined ? '' : Buffer.isBuffer(opts.body) ? opts.body.toString('base64') : opts.body,
    isBase64Encoded: Buffer.isBuffer(opts.body),
  };
  if (opts.multiHeaders) {
    e.multiValueHeaders = opts.multiHeaders;
    e.multiValueQueryStringParameters = opts.multiQuery ?? {};
  } else {
    e.headers = opts.headers ?? {};
    e.queryStringParameters = opts.query ?? {};
  }
  return e;
}

/** An API Gateway request, normalized. */
export function req(body: string | Buffer, headers: Record<string, string> = {}, query?: Record<string, string>): IngestRequest {
  return normalizeRequest(apigwEvent({ body, headers, ...(query ? { query } : {}) }));
}

export const CTX = { tenant: 'acme', receivedAt: new Date('2025-01-02T03:04:05.678Z') };
