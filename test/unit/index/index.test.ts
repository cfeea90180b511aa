import { describe, expect, it } from 'vitest';
import { aliasFor, logIndex, summaryIndex, tenantAlias, tenantIndexPattern } from '../../../shared/index/naming.ts';
import { actionLine, buildBulkChunks, BulkChunker, itemOutcome, jitteredBackoff, type BulkChunk, type BulkItem } from '../../../shared/index/bulk.ts';
import { logsTemplate, summariesTemplate } from '../../../shared/index/template.ts';

describe('index naming', () => {
  const ts = '2025-05-01T13:45:12.345Z';
  it('names the index by tier and event time', () => {
    expect(logIndex('acme', 'shared', ts)).toEqual({ index: 'sluice-logs-shared-2025.05.01', routing: 'acme' });
    expect(logIndex('acme', 'daily', ts)).toEqual({ index: 'sluice-logs-t_acme_2025.05.01' });
    expect(logIndex('acme', 'hourly', ts)).toEqual({ index: 'sluice-logs-t_acme_2025.05.01.13' });
    expect(tenantAlias('acme')).toBe('sluice-tenant-acme');
    expect(summaryIndex('2025-05-01T13:45:00.000Z')).toBe('sluice-summaries-2025.05');
  });

  it('accepts non-Z timestamps through Date', () => {
    expect(logIndex('acme', 'hourly', '2025-05-01T23:30:00+02:00').index).toBe('sluice-logs-t_acme_2025.05.01.21');
    expect(logIndex('acme', 'daily', 'garbage').index).toBe('sluice-logs-t_acme_1970.01.01');
  });

  it.each([
    'shared', // valid id, but cannot collide with the shared indices
    'acme',
  ])('a tenant named %s cannot reach the shared indices', (t) => {
    expect(logIndex(t, 'daily', ts).index.startsWith('sluice-logs-shared-')).toBe(false);
  });

  it.each(['../acme', 'ACME', 'acme_2025', 'a*', 'acme,other', 'acme prod', '', 'x', '-acme', 'acme-', 'a'.repeat(41), 'sluice-logs-shared', '_all'])(
    'rejects crafted tenant %j',
    (t) => {
      if (t === 'sluice-logs-shared') {
        // valid id: its indices are still its own
        expect(logIndex(t, 'daily', ts).index).toBe('sluice-logs-t_sluice-logs-shared_2025.05.01');
        return;
      }
      expect(() => logIndex(t, 'daily', ts)).toThrow(/Invalid tenant id/);
      expect(() => tenantAlias(t)).toThrow(/Invalid tenant id/);
    },
  );

  it("one tenant's pattern never matches another's indices", () => {
    const pattern = new RegExp('^' + tenantIndexPattern('acme').replace('*', '.*') + '$');
    expect(pattern.test(logIndex('acme', 'daily', ts).index)).toBe(true);
    expect(pattern.test(logIndex('acme-prod', 'daily', ts).index)).toBe(false);
    expect(pattern.test(logIndex('acme-prod', 'hourly', ts).index)).toBe(false);
  });

  it('filtered, routed alias on shared indices; plain alias on dedicated ones', () => {
    expect(aliasFor('acme', logIndex('acme', 'shared', ts))).toEqual({ name: 'sluice-tenant-acme', filter: { term: { tenant: 'acme' } }, routing: 'acme' });
    expect(aliasFor('acme', logIndex('acme', 'daily', ts))).toEqual({ name: 'sluice-tenant-acme' });
  });
});

describe('bulk bodies', () => {
  const item = (ref: number, size: number): BulkItem => ({ index: 'i', id: `id-${ref}`, doc: { m: 'x'.repeat(size) }, ref });

  it('writes action + source lines with _id and routing', () => {
    expect(actionLine('idx', 'a"b', 'acme')).toBe('{"index":{"_index":"idx","_id":"a\\"b","routing":"acme"}}\n');
    const [c] = buildBulkChunks([{ index: 'idx', id: '1', doc: { a: 1 }, ref: 0 }]);
    expect(c!.body.toString('utf8')).toBe('{"index":{"_index":"idx","_id":"1"}}\n{"a":1}\n');
    expect(c!.bytes).toBe(Buffer.byteLength(c!.body));
  });

  it('splits by bytes, keeps order, and never exceeds the cap except for a single oversized item', () => {
    const items = Array.from({ length: 100 }, (_, i) => item(i, 900 + (i % 7) * 50));
    items.push(item(100, 50_000));
    items.push(item(101, 10));
    const chunks = buildBulkChunks(items, 10_000);
    expect(chunks.flatMap((c) => c.refs)).toEqual(items.map((i) => i.ref));
    for (const c of chunks) {
      expect(c.bytes).toBe(Buffer.byteLength(c.body));
      if (c.refs.length > 1) expect(c.bytes).toBeLessThanOrEqual(10_000);
      expect(c.body.toString('utf8').split('\n').length - 1).toBe(c.refs.length * 2);
    }
    expect(chunks.find((c) => c.refs.includes(100))!.refs).toEqual([100]);
  });

  it('counts UTF-8 bytes, not characters', () => {
    const items = Array.from({ length: 10 }, (_, i) => ({ index: 'i', id: String(i), doc: { m: 'é'.repeat(500) }, ref: i }));
    const chunks = buildBulkChunks(items, 2500);
    for (const c of chunks) expect(Buffer.byteLength(c.body)).toBeLessThanOrEqual(2500);
    // ~1,050 bytes (but ~550 characters) per item: two per chunk by bytes, four by characters
    expect(chunks.length).toBe(5);
  });

  it('grows a body past its first buffer without corrupting pairs written before, and copies pairs back for a retry', () => {
    const chunks: BulkChunk[] = [];
    const chunker = new BulkChunker(4 * 1024 * 1024, (c) => chunks.push(c));
    const where: Array<{ buf: Buffer; start: number; end: number }> = [];
    const pair = (i: number) => [`{"index":{"_id":"${i}"}}\n`, JSON.stringify({ i, m: 'ü'.repeat(3000 + (i % 13)) })] as const;
    // ~6 KB per pair: the 1 MiB first buffer is outgrown within the first body.
    for (let i = 0; i < 1200; i++) {
      const [a, s] = pair(i);
      chunker.add(a, s, i);
      where.push({ ...chunker.last });
    }
    chunker.flush();
    expect(chunks.length).toBe(2);
    expect(chunks[0]!.bytes).toBeGreaterThan(1024 * 1024);
    expect(chunks[0]!.bytes).toBeLessThanOrEqual(4 * 1024 * 1024);
    const text = chunks.map((c) => c.body.toString('utf8')).join('');
    expect(text).toBe(Array.from({ length: 1200 }, (_, i) => pair(i).join('') + '\n').join(''));
    for (const [i, w] of where.entries()) expect(w.buf.toString('utf8', w.start, w.end)).toBe(pair(i).join('') + '\n');

    const retried: BulkChunk[] = [];
    const again = new BulkChunker(20_000, (c) => retried.push(c));
    for (const i of [3, 700, 1199]) again.addBytes(where[i]!.buf, where[i]!.start, where[i]!.end, i);
    again.flush();
    expect(retried.map((c) => c.refs)).toEqual([[3, 700, 1199]]);
    expect(retried[0]!.body.toString('utf8')).toBe([3, 700, 1199].map((i) => pair(i).join('') + '\n').join(''));
  });

  it('sends a pair larger than the cap alone, and measures multi-byte text exactly at the cap', () => {
    const chunks: BulkChunk[] = [];
    const chunker = new BulkChunker(1000, (c) => chunks.push(c));
    chunker.add('{"index":{}}\n', JSON.stringify({ m: 'a'.repeat(100) }), 0);
    chunker.add('{"index":{}}\n', JSON.stringify({ m: '€'.repeat(2000) }), 1);
    chunker.add('{"index":{}}\n', JSON.stringify({ m: 'é'.repeat(480) }), 2);
    chunker.flush();
    expect(chunks.map((c) => c.refs)).toEqual([[0], [1], [2]]);
    for (const c of chunks) expect(c.bytes).toBe(c.body.length);
    expect(chunks[1]!.bytes).toBe(Buffer.byteLength('{"index":{}}\n' + JSON.stringify({ m: '€'.repeat(2000) }) + '\n'));
    expect(chunks[2]!.bytes).toBeLessThanOrEqual(1000);
  });

  it('classifies item statuses', () => {
    expect(itemOutcome(201)).toBe('ok');
    expect(itemOutcome(200)).toBe('ok');
    expect(itemOutcome(429)).toBe('retry');
    expect(itemOutcome(503)).toBe('retry');
    expect(itemOutcome(400)).toBe('reject');
    expect(itemOutcome(413)).toBe('reject');
  });

  it('jitters the backoff within the capped ceiling', () => {
    expect(jitteredBackoff(3, 100, 5000, () => 1)).toBe(800);
    expect(jitteredBackoff(30, 100, 5000, () => 1)).toBe(5000);
    expect(jitteredBackoff(3, 100, 5000, () => 0)).toBe(0);
  });
});

describe('templates', () => {
  it('maps fields as flat_object, keywords and dates, dynamic false at the top', () => {
    const t = logsTemplate();
    expect(t.index_patterns).toEqual(['sluice-logs-*']);
    const m = t.template.mappings;
    expect(m.dynamic).toBe(false);
    expect(m.properties.fields.type).toBe('flat_object');
    for (const k of ['level', 'format', 'host', 'tenant', 'tags', 'service', 'source', 'event_id'] as const) expect(m.properties[k].type).toBe('keyword');
    expect(m.properties.message.type).toBe('text');
    expect(m.properties['@timestamp'].type).toBe('date');
    expect(m.properties.received_at.type).toBe('date');
    expect(summariesTemplate().index_patterns).toEqual(['sluice-summaries-*']);
  });
});

describe('auto-creation of the log indices (action.auto_create_index)', () => {
  it('refuses the log indices and keeps what the cluster allowed for everything else', async () => {
    const { autoCreateValue } = await import('../../../shared/adapters/opensearch-bulk.ts');
    expect(autoCreateValue('true', 'sluice-logs-*')).toBe('-sluice-logs-*,+*');
    expect(autoCreateValue('false', 'sluice-logs-*')).toBe('false');
    expect(autoCreateValue('+app-*,-tmp-*', 'sluice-logs-*')).toBe('-sluice-logs-*,+app-*,-tmp-*');
    expect(autoCreateValue('-sluice-logs-*,+*', 'sluice-logs-*')).toBe('-sluice-logs-*,+*');
    expect(autoCreateValue('-sluice-logs-*,+*', 'stg-logs-*')).toBe('-stg-logs-*,-sluice-logs-*,+*');
  });
});
