import { describe, expect, it } from 'vitest';
import { IngestError, parseIngest } from '../../../shared/ingest/index.ts';
import { CTX, req } from './helpers.ts';

function refusalOf(fn: () => unknown): IngestError {
  try {
    fn();
  } catch (e) {
    if (e instanceof IngestError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('what a request costs against the ceiling', () => {
  it('each event costs its size, and at least the minimum (256 bytes by default)', () => {
    const big = 'x'.repeat(1000);
    const r = parseIngest(req(`1\n22\n${big}`, { 'content-type': 'text/plain' }), CTX);
    expect(r.cost).toEqual({ events: 3, bytes: 256 + 256 + 1000 });
    const r2 = parseIngest(req('1\n2', { 'content-type': 'text/plain' }), { ...CTX, limits: { minEventBytes: 10 } });
    expect(r2.cost).toEqual({ events: 2, bytes: 20 });
  });

  it('the tenant\'s metadata (source, host, tags) is charged on every event, as it is written in every envelope', () => {
    const tags = Array.from({ length: 32 }, (_, i) => `tag-${i}-${'t'.repeat(50)}`).join(',');
    const plain = parseIngest(req('a\nb', { 'content-type': 'text/plain' }), CTX);
    const tagged = parseIngest(req('a\nb', { 'content-type': 'text/plain', 'x-log-tags': tags, 'x-log-source': 's'.repeat(200) }), CTX);
    const perEventEnvelope = (r: typeof plain) => r.records[0]!.value.length;
    expect(tagged.cost.bytes - plain.cost.bytes).toBe(2 * (perEventEnvelope(tagged) - perEventEnvelope(plain)));
  });

  it('6 MB of one-byte lines is not taken as 3,000,000 events: 413 too_many_events, nothing accepted', () => {
    const body = '1\n'.repeat(3_000_000);
    const e = refusalOf(() => parseIngest(req(body, { 'content-type': 'text/plain' }), CTX));
    expect(e.status).toBe(413);
    expect(e.code).toBe('too_many_events');
    expect(e.message).toMatch(/More than 100000 events/);
    // The same shape as NDJSON and as a JSON array of {} is refused the same way.
    expect(refusalOf(() => parseIngest(req('{}\n'.repeat(2_000_000), { 'content-type': 'application/x-ndjson' }), CTX)).code).toBe('too_many_events');
    expect(refusalOf(() => parseIngest(req(`[${'{},'.repeat(999_999)}{}]`, { 'content-type': 'application/json' }), CTX)).code).toBe('too_many_events');
  });

  it('the cap is a limit of its own: at it, accepted; one more, refused', () => {
    const limits = { maxEventsPerRequest: 1000 };
    expect(parseIngest(req('x\n'.repeat(1000), { 'content-type': 'text/plain' }), { ...CTX, limits }).accepted).toBe(1000);
    expect(refusalOf(() => parseIngest(req('x\n'.repeat(1001), { 'content-type': 'text/plain' }), { ...CTX, limits })).code).toBe('too_many_events');
  });
});

describe('refusing a body of too many tiny events costs what the cap allows, not what the body holds', () => {
  const best = (body: string, ct: string): number => {
    let ms = Infinity;
    for (let i = 0; i < 3; i++) {
      const r = req(body, { 'content-type': ct });
      const t0 = performance.now();
      expect(refusalOf(() => parseIngest(r, CTX)).code).toBe('too_many_events');
      ms = Math.min(ms, performance.now() - t0);
    }
    return ms;
  };
  for (const ct of ['text/plain', 'application/x-ndjson']) {
    it(`${ct}: 3,000,000 one-byte lines take at most ~3x the time of 200,000 (the split stops at the cap)`, () => {
      const small = best('1\n'.repeat(200_000), ct);
      const large = best('1\n'.repeat(3_000_000), ct);
      expect(large).toBeLessThan(3 * small + 20);
    });
  }
});
