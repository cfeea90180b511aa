import { describe, expect, it } from 'vitest';
import {
  IngestError,
  idempotentIds,
  parseIngest,
  partitionKey,
  partitionKeys,
  timeIds,
} from '../../../shared/ingest/index.ts';
import { CTX, req } from './helpers.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[78][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('event ids', () => {
  it('UUIDv7: time prefix, unique, sorted by position, and by time across requests', () => {
    const a = timeIds(new Date('2025-01-02T03:04:05.678Z'));
    const ids = [0, 1, 15, 16, 4095, 4096, 65535, 65536, 1_000_000, (1 << 28) - 1].map((i) => a.id(i));
    for (const id of ids) expect(id).toMatch(UUID);
    expect(ids[0]!.slice(14, 15)).toBe('7');
    expect(ids[0]!.replace(/-/g, '').slice(0, 12)).toBe((Date.parse('2025-01-02T03:04:05.678Z')).toString(16).padStart(12, '0'));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const later = timeIds(new Date('2025-01-02T03:04:05.679Z'));
    expect(later.id(0) > a.id((1 << 28) - 1)).toBe(true);
    expect(() => a.id(1 << 28)).toThrow(RangeError);
  });

  it('two requests in the same millisecond get different ids', () => {
    const d = new Date();
    const seen = new Set<string>();
    for (let k = 0; k < 1000; k++) seen.add(timeIds(d).id(0));
    expect(seen.size).toBe(1000);
  });

  it('Idempotency-Key: same (tenant, key, position) -> same ids; another tenant or key -> different', () => {
    const a = idempotentIds('acme', 'k1');
    expect(a.id(3)).toBe(idempotentIds('acme', 'k1').id(3));
    expect(a.id(3)).toMatch(UUID);
    expect(a.id(3).slice(14, 15)).toBe('8');
    expect(a.id(3)).not.toBe(idempotentIds('other', 'k1').id(3));
    expect(a.id(3)).not.toBe(idempotentIds('acme', 'k2').id(3));
    expect(a.id(3)).not.toBe(a.id(4));
    // no ambiguity between tenant/key boundaries
    expect(idempotentIds('ab', 'c').id(0)).not.toBe(idempotentIds('a', 'bc').id(0));
  });

  it('a retried POST with the same Idempotency-Key re-creates the same ids (different receive time)', () => {
    const body = 'a\nb\nc';
    const h = { 'idempotency-key': 'batch-42' };
    const r1 = parseIngest(req(body, h), CTX);
    const r2 = parseIngest(req(body, h), { ...CTX, receivedAt: new Date(CTX.receivedAt.getTime() + 60_000) });
    expect(r2.records.map((x) => x.envelope.id)).toEqual(r1.records.map((x) => x.envelope.id));
    expect(r1.idempotencyKey).toBe('batch-42');
    const r3 = parseIngest(req(body, h), { ...CTX, tenant: 'globex' });
    expect(r3.records[0]!.envelope.id).not.toBe(r1.records[0]!.envelope.id);
    const r4 = parseIngest(req(body), CTX);
    expect(r4.records[0]!.envelope.id).not.toBe(parseIngest(req(body), CTX).records[0]!.envelope.id);
  });

  it('invalid Idempotency-Key -> 400', () => {
    try {
      parseIngest(req('a', { 'idempotency-key': 'x'.repeat(300) }), CTX);
      throw new Error('no throw');
    } catch (e) {
      expect(e).toBeInstanceOf(IngestError);
      expect((e as IngestError).code).toBe('invalid_idempotency_key');
    }
  });
});

describe('partition keys', () => {
  it('spread 1 (or less) is the tenant id', () => {
    expect(partitionKey('acme', 1, 7)).toBe('acme');
    expect(partitionKey('acme', 0, 7)).toBe('acme');
    expect(partitionKeys('acme', 1)).toEqual(['acme']);
  });

  it('spread n: tenant#(i mod n)', () => {
    expect([0, 1, 2, 3, 4].map((i) => partitionKey('acme', 3, i))).toEqual(['acme#0', 'acme#1', 'acme#2', 'acme#0', 'acme#1']);
  });

  it('parseIngest spreads the events of one request over all keys, starting at a per-request offset', () => {
    const body = Array.from({ length: 40 }, (_, i) => `l${i}`).join('\n');
    const r = parseIngest(req(body), { ...CTX, spread: 4 });
    const counts = new Map<string, number>();
    for (const rec of r.records) counts.set(rec.key, (counts.get(rec.key) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(['acme#0', 'acme#1', 'acme#2', 'acme#3']);
    expect([...counts.values()]).toEqual([10, 10, 10, 10]);
    // single-event requests do not all land on #0
    const firsts = new Set<string>();
    for (let k = 0; k < 100; k++) firsts.add(parseIngest(req('one'), { ...CTX, spread: 4 }).records[0]!.key);
    expect(firsts.size).toBeGreaterThan(1);
    // idempotent requests keep their keys
    const h = { 'idempotency-key': 'k' };
    expect(parseIngest(req(body, h), { ...CTX, spread: 4 }).records.map((x) => x.key)).toEqual(
      parseIngest(req(body, h), { ...CTX, spread: 4 }).records.map((x) => x.key),
    );
  });
});
