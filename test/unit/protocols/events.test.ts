import { describe, expect, it } from 'vitest';
import { buildResult } from '../../../shared/ingest/protocols/events.ts';
import { request } from './helpers.ts';

describe('protocol events to Kafka records', () => {
  it('each value is exactly JSON.stringify(envelope), with per-event source/host/tags and the request metadata as defaults', () => {
    const req = request({ path: '/es/_bulk', headers: { 'x-log-source': 'hdr-src', 'x-log-tags': 'A,b' }, body: 'x' });
    const r = buildResult(
      req,
      [
        { raw: 'plain "quoted" \u0001 line' },
        { raw: 'x', source: 'idx', host: 'Web-1', tags: ['sourcetype', 'b'] },
        { doc: { timestamp: 't', message: 'm'.repeat(500), extra: { a: 1 } } },
        { raw: 'é'.repeat(400) },
      ],
      { tenant: 't1', receivedAt: new Date('2026-12-01T10:00:00Z'), limits: { maxBodyBytes: 1 << 20, maxEventBytes: 300, maxEventsPerRequest: 10, minEventBytes: 256 } },
      123,
    );
    expect(r.accepted).toBe(4);
    expect(r.truncated).toBe(2);
    const recs = [...r.batches(2)].flat();
    for (const rec of recs) expect(rec.value.toString('utf8')).toBe(JSON.stringify(rec.envelope));
    expect(recs.map((x) => [x.envelope.source, x.envelope.host, x.envelope.tags])).toEqual([
      ['hdr-src', undefined, ['a', 'b']],
      ['idx', 'web-1', ['a', 'b', 'sourcetype']],
      ['hdr-src', undefined, ['a', 'b']],
      ['hdr-src', undefined, ['a', 'b']],
    ]);
    const doc = JSON.parse(recs[2]!.envelope.raw) as { message: string; extra: unknown };
    expect(doc.extra).toEqual({ a: 1 });
    expect(Buffer.byteLength(recs[2]!.envelope.raw)).toBeLessThanOrEqual(300);
    expect(recs[3]!.envelope).toMatchObject({ truncated: true, originalBytes: 800 });
  });

  it('more events than the per-request cap: 413 too_many_events; the cost counts each event at least minEventBytes plus its metadata', () => {
    const req = request({ path: '/es/_bulk', body: 'x' });
    const ctx = { tenant: 't1', receivedAt: new Date(), limits: { maxBodyBytes: 1 << 20, maxEventBytes: 1000, maxEventsPerRequest: 2, minEventBytes: 256 } };
    expect(() => buildResult(req, [{ raw: 'a' }, { raw: 'b' }, { raw: 'c' }], ctx, 3)).toThrow(expect.objectContaining({ status: 413, code: 'too_many_events' }));
    const r = buildResult(req, [{ raw: 'a' }, { raw: 'x'.repeat(600), source: 'src' }], ctx, 3);
    expect(r.cost).toEqual({ events: 2, bytes: 256 + 600 + ',"source":"src"'.length });
  });
});
