import { describe, expect, it } from 'vitest';
import { IngestError, extractToken, matchRoute } from '../../../shared/ingest/index.ts';

const r = (method: string, path: string, headers: Record<string, string> = {}) => ({ method, path, headers });

function err(fn: () => unknown): IngestError {
  try {
    fn();
  } catch (e) {
    if (e instanceof IngestError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('matchRoute', () => {
  it('POST /v1/logs, /v1/bulk (alias), trailing slash', () => {
    expect(matchRoute(r('POST', '/v1/logs'))).toEqual({ kind: 'logs', path: '/v1/logs' });
    expect(matchRoute(r('POST', '/v1/bulk/'))).toEqual({ kind: 'logs', path: '/v1/bulk' });
  });
  it('POST /v1/inputs/{token} (percent-decoded)', () => {
    expect(matchRoute(r('POST', '/v1/inputs/tok%2Babc'))).toEqual({ kind: 'input', pathToken: 'tok+abc' });
  });
  it('unknown path -> 404', () => {
    for (const p of ['/', '/v1', '/v2/logs', '/v1/inputs/', '/v1/inputs/a/b', '/v1/logsx']) {
      const e = err(() => matchRoute(r('POST', p)));
      expect(e.status).toBe(404);
      expect(e.code).toBe('not_found');
    }
  });
  it('wrong method -> 405 with Allow: POST', () => {
    const e = err(() => matchRoute(r('GET', '/v1/logs')));
    expect(e.status).toBe(405);
    expect(e.headers['allow']).toBe('POST');
    expect(err(() => matchRoute(r('PUT', '/v1/inputs/abc'))).status).toBe(405);
  });
});

describe('extractToken', () => {
  it('Bearer (case-insensitive scheme)', () => {
    expect(extractToken(r('POST', '/v1/logs', { authorization: 'bearer  tok_123 ' }))).toBe('tok_123');
  });
  it('X-Api-Key', () => {
    expect(extractToken(r('POST', '/v1/logs', { 'x-api-key': 'tok_123' }))).toBe('tok_123');
  });
  it('path', () => {
    expect(extractToken(r('POST', '/v1/inputs/tok_123'))).toBe('tok_123');
  });
  it('Basic: the password is the token', () => {
    const b = Buffer.from('any:tok_123').toString('base64');
    expect(extractToken(r('POST', '/v1/logs', { authorization: `Basic ${b}` }))).toBe('tok_123');
  });
  it('the same token in two places is fine; two different tokens -> 400', () => {
    expect(extractToken(r('POST', '/v1/inputs/t1', { 'x-api-key': 't1' }))).toBe('t1');
    const e = err(() => extractToken(r('POST', '/v1/inputs/t1', { authorization: 'Bearer t2' })));
    expect(e.status).toBe(400);
    expect(e.code).toBe('conflicting_tokens');
  });
  it('missing -> 401 missing_token; malformed -> 401 invalid_token', () => {
    const m = err(() => extractToken(r('POST', '/v1/logs')));
    expect([m.status, m.code]).toEqual([401, 'missing_token']);
    expect(m.headers['www-authenticate']).toBe('Bearer');
    const bad = err(() => extractToken(r('POST', '/v1/logs', { 'x-api-key': 'has space' })));
    expect([bad.status, bad.code]).toEqual([401, 'invalid_token']);
    const scheme = err(() => extractToken(r('POST', '/v1/logs', { authorization: 'Digest abc' })));
    expect([scheme.status, scheme.code]).toEqual([401, 'invalid_token']);
  });
});
