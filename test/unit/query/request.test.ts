import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../../shared/query/cursor.ts';
import { QueryError } from '../../../shared/query/errors.ts';
import { queryLimits } from '../../../shared/query/limits.ts';
import { readSearch, searchRequest, tailRequest, readQuery } from '../../../shared/query/request.ts';
import { resolvePlan } from '../../../shared/tenants/plans.ts';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const standard = queryLimits(resolvePlan('standard'));
const free = queryLimits(resolvePlan('free'));

function refusal(fn: () => unknown): QueryError {
  try {
    fn();
  } catch (err) {
    if (err instanceof QueryError) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('searchRequest', () => {
  it('always searches the tenant alias with the tenant term first, around the tenant query', () => {
    for (const q of ['', '*', 'a OR b', 'NOT level:error', 'x OR (y AND NOT z)']) {
      const r = searchRequest('acme', readSearch({ q }, standard, NOW), 5000, 'sluice');
      expect(r.index).toBe('sluice-tenant-acme');
      const filter = (r.body.query as { bool: { filter: object[] } }).bool.filter;
      expect(Object.keys(r.body.query as object)).toEqual(['bool']);
      expect(Object.keys((r.body.query as { bool: object }).bool)).toEqual(['filter']);
      expect(filter[0]).toEqual({ term: { tenant: 'acme' } });
      expect(filter[1]).toEqual({ range: { '@timestamp': { gte: NOW - 3_600_000, lt: NOW, format: 'epoch_millis' } } });
      expect(filter).toHaveLength(3);
      expect(r.body.timeout).toBe('5000ms');
    }
  });

  it('refuses the adversarial queries with 400 and the position', () => {
    for (const q of ['tenant:other', '_index:*', 'a'.repeat(100 * 1024), '(a OR b', '/.*/', '_source:x', '*abc', 'script:x']) {
      const e = refusal(() => readQuery({ q }));
      expect(e.status).toBe(400);
      expect(e.code).toBe('bad_query');
      expect(typeof e.fields.position).toBe('number');
      expect(e.message).toMatch(/at character \d+/);
    }
  });

  it('pages newest first with the cursor as search_after', () => {
    const cursor = encodeCursor([NOW - 5, 'id-9']);
    const r = searchRequest('acme', readSearch({ cursor, size: '10' }, standard, NOW), 1000);
    expect(r.body.sort).toEqual([{ '@timestamp': { order: 'desc' } }, { event_id: { order: 'desc' } }]);
    expect(r.body.search_after).toEqual([NOW - 5, 'id-9']);
    expect(r.body.size).toBe(10);
  });

  it('caps size by plan and refuses a range longer than the plan allows', () => {
    expect(readSearch({ size: '100000' }, free, NOW).size).toBe(100);
    expect(readSearch({ size: '100000' }, standard, NOW).size).toBe(500);
    const e = refusal(() => readSearch({ from: '2d' }, free, NOW));
    expect(e.status).toBe(400);
    expect(e.code).toBe('range_too_long');
    expect(e.message).toContain('24 h');
    expect(readSearch({ from: '6d' }, standard, NOW).fromMs).toBe(NOW - 6 * 86_400_000);
    expect(refusal(() => readSearch({ from: 'yesterday-ish' }, standard, NOW)).message).toContain('"from"');
    expect(refusal(() => readSearch({ from: 'now', to: '1h' }, standard, NOW)).message).toContain('before');
    expect(refusal(() => readSearch({ size: '0' }, standard, NOW)).code).toBe('bad_parameter');
  });

  it('reads only cursors of its own shape', () => {
    expect(decodeCursor(encodeCursor([1, 'a']))).toEqual([1, 'a']);
    for (const bad of ['x', Buffer.from('{"script":1}').toString('base64url'), Buffer.from('[1,2]').toString('base64url'), Buffer.from('[1,"a",3]').toString('base64url'), 'a+b/']) {
      expect(refusal(() => readSearch({ cursor: bad }, standard, NOW)).code).toBe('bad_parameter');
    }
  });
});

describe('tailRequest', () => {
  it('reads after the cursor in receive order, inside the tenant filter', () => {
    const r = tailRequest('acme', [NOW, 'e1'], { match_all: {} }, 50, 1000, 'sluice');
    expect(r.index).toBe('sluice-tenant-acme');
    expect((r.body.query as { bool: { filter: object[] } }).bool.filter[0]).toEqual({ term: { tenant: 'acme' } });
    expect(r.body.sort).toEqual([{ received_at: { order: 'asc' } }, { event_id: { order: 'asc' } }]);
    expect(r.body.search_after).toEqual([NOW, 'e1']);
    const until = tailRequest('acme', [NOW, 'e1'], { match_all: {} }, 50, 1000, 'sluice', NOW + 5000);
    expect((until.body.query as { bool: { filter: object[] } }).bool.filter[1]).toEqual({ range: { received_at: { gte: NOW, lte: NOW + 5000, format: 'epoch_millis' } } });
  });
});

describe('readTime', () => {
  it('reads now, durations ago, epoch ms and ISO 8601 (UTC without a zone), and nothing else', async () => {
    const { readTime } = await import('../../../shared/query/time.ts');
    expect(readTime('now', NOW)).toBe(NOW);
    expect(readTime('15m', NOW)).toBe(NOW - 900_000);
    expect(readTime('-2h', NOW)).toBe(NOW - 7_200_000);
    expect(readTime(String(NOW), NOW)).toBe(NOW);
    expect(readTime('2026-03-10', NOW)).toBe(Date.parse('2026-03-10T00:00:00Z'));
    expect(readTime('2026-03-10T10', NOW)).toBe(Date.parse('2026-03-10T10:00:00Z'));
    expect(readTime('2026-03-10 10:30', NOW)).toBe(Date.parse('2026-03-10T10:30:00Z'));
    expect(readTime('2026-03-10T10:30:00+02:00', NOW)).toBe(Date.parse('2026-03-10T08:30:00Z'));
    for (const bad of ['yesterday', '2026-13-45', '10', '1e12', '2026-03-10T10:30:00PST', '']) expect(readTime(bad, NOW)).toBeUndefined();
  });
});
