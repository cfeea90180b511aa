import { describe, expect, it } from 'vitest';
import type { ALBResult, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  IngestError,
  acceptedResponse,
  errorResponse,
  normalizeRequest,
  toResponse,
} from '../../../shared/ingest/index.ts';
import { albEvent, apigwEvent } from './helpers.ts';

describe('normalizeRequest: API Gateway HTTP API (2.0)', () => {
  it('reads method, path, headers, query, body and request id', () => {
    const r = normalizeRequest(
      apigwEvent({ headers: { 'content-type': 'text/plain', 'x-log-tags': 'a,b' }, query: { source: 'app' }, body: 'hello' }),
    );
    expect(r.shape).toEqual({ kind: 'apigw-v2' });
    expect(r.method).toBe('POST');
    expect(r.path).toBe('/v1/logs');
    expect(r.headers['content-type']).toBe('text/plain');
    expect(r.query['source']).toBe('app');
    expect(r.body.toString()).toBe('hello');
    expect(r.requestId).toBe('req-apigw-1');
  });

  it('decodes a base64 body and strips a named stage from the path', () => {
    const r = normalizeRequest(apigwEvent({ body: Buffer.from([0x1f, 0x8b, 0, 1]), stage: 'prod', path: '/v1/bulk' }));
    expect([...r.body]).toEqual([0x1f, 0x8b, 0, 1]);
    expect(r.path).toBe('/v1/bulk');
  });

  it('lower-cases header names and gives an empty body when there is none', () => {
    const r = normalizeRequest(apigwEvent({ headers: { 'X-Log-Source': 'svc' } }));
    expect(r.headers['x-log-source']).toBe('svc');
    expect(r.body.length).toBe(0);
  });
});

describe('normalizeRequest: ALB', () => {
  it('single-value headers; query keys and values are URL-decoded (ALB does not); trace id as request id', () => {
    const r = normalizeRequest(
      albEvent({
        headers: { 'Content-Type': 'application/json', 'x-amzn-trace-id': 'Root=1-5bdb40ca-556d8b0c50dc66f0511bf520' },
        query: { tags: 'a%2Cb', source: 'my+app%2Fweb' },
        body: '{"a":1}',
      }),
    );
    expect(r.shape).toEqual({ kind: 'alb', multiValueHeaders: false });
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.query).toEqual({ tags: 'a,b', source: 'my app/web' });
    expect(r.requestId).toBe('1-5bdb40ca-556d8b0c50dc66f0511bf520');
    expect(r.body.toString()).toBe('{"a":1}');
  });

  it('multi-value headers and query are joined; base64 body decoded', () => {
    const r = normalizeRequest(
      albEvent({
        multiHeaders: { 'X-Log-Tags': ['a', 'b'], 'content-type': ['text/plain'] },
        multiQuery: { tags: ['c', 'd%20e'] },
        body: Buffer.from('line\n'),
      }),
      { fallbackRequestId: 'lambda-req' },
    );
    expect(r.shape).toEqual({ kind: 'alb', multiValueHeaders: true });
    expect(r.headers['x-log-tags']).toBe('a, b');
    expect(r.query['tags']).toBe('c,d e');
    expect(r.body.toString()).toBe('line\n');
    expect(r.requestId).toBe('lambda-req');
  });

  it('rejects an event of another shape with a typed 500', () => {
    expect(() => normalizeRequest({ foo: 1 } as never)).toThrow(IngestError);
  });
});

describe('toResponse / errorResponse', () => {
  it('API Gateway: plain structured result', () => {
    const r = toResponse({ kind: 'apigw-v2' }, 202, { accepted: 1 }) as APIGatewayProxyStructuredResultV2;
    expect(r).toEqual({ statusCode: 202, headers: { 'content-type': 'application/json' }, body: '{"accepted":1}', isBase64Encoded: false });
  });

  it('ALB: statusDescription, isBase64Encoded false, headers', () => {
    const r = toResponse({ kind: 'alb', multiValueHeaders: false }, 413, 'too big', { 'X-A': '1' }) as ALBResult;
    expect(r.statusDescription).toBe('413 Payload Too Large');
    expect(r.isBase64Encoded).toBe(false);
    expect(r.headers).toEqual({ 'x-a': '1', 'content-type': 'text/plain; charset=utf-8' });
    expect(r.multiValueHeaders).toBeUndefined();
  });

  it('ALB with multi-value headers answers with multiValueHeaders', () => {
    const r = acceptedResponse({ kind: 'alb', multiValueHeaders: true }, { accepted: 3, truncated: 1 }, 'rid') as ALBResult;
    expect(r.statusCode).toBe(202);
    expect(r.statusDescription).toBe('202 Accepted');
    expect(r.headers).toBeUndefined();
    expect(r.multiValueHeaders).toEqual({ 'content-type': ['application/json'] });
    expect(JSON.parse(r.body!)).toEqual({ accepted: 3, truncated: 1, requestId: 'rid' });
  });

  it('IngestError -> status, code, message, Retry-After; unknown error -> opaque 500', () => {
    const r = errorResponse({ kind: 'apigw-v2' }, IngestError.unavailable(7), 'rid') as APIGatewayProxyStructuredResultV2;
    expect(r.statusCode).toBe(503);
    expect(r.headers?.['retry-after']).toBe('7');
    const body = JSON.parse(r.body!);
    expect(body.error).toBe('unavailable');
    expect(body.requestId).toBe('rid');
    expect(body.message).toMatch(/Retry/);

    const r2 = errorResponse({ kind: 'apigw-v2' }, new Error('kafka password is hunter2')) as APIGatewayProxyStructuredResultV2;
    expect(r2.statusCode).toBe(500);
    expect(r2.body).not.toContain('hunter2');
  });

  it('invalidToken is a 401 with WWW-Authenticate; rateLimited a 429 with Retry-After', () => {
    const e = IngestError.invalidToken('revoked');
    expect(e.status).toBe(401);
    expect(e.code).toBe('invalid_token');
    expect(e.message).toMatch(/revoked/);
    expect(e.headers['www-authenticate']).toMatch(/Bearer/);
    const l = IngestError.rateLimited(2.2);
    expect(l.status).toBe(429);
    expect(l.headers['retry-after']).toBe('3');
  });
});
