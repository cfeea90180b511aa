import { describe, expect, it } from 'vitest';
import { classifyRecord, Grouper, type InvalidLine, type SourceRecord } from '../../../shared/archive/grouping.ts';
import { decodeNdjsonGz, encodeNdjsonGz, joinLines, splitLines } from '../../../shared/archive/ndjson.ts';
import { INVALID_TENANT, parseObjectKey } from '../../../shared/archive/keys.ts';

const T = Date.parse('2024-05-01T10:59:59.999Z');

function envelope(tenant: string, receivedAt: string, id: string, raw = 'hello'): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, tenant, id, receivedAt, tags: [], raw, truncated: false, originalBytes: raw.length, requestId: 'r1' }));
}

function rec(partition: number, offset: bigint, value: Buffer | null, timestamp = BigInt(T)): SourceRecord {
  return { partition, offset, timestamp, key: Buffer.from('k'), value };
}

describe('classifyRecord', () => {
  it('keeps a valid envelope byte for byte under its tenant and receive time', () => {
    const v = envelope('acme', '2024-05-01T10:15:00.000Z', 'e1', 'line with "quotes" and \\n escapes');
    const c = classifyRecord('logs.raw', rec(0, 5n, v));
    expect(c.tenant).toBe('acme');
    expect(c.receivedAtMs).toBe(Date.parse('2024-05-01T10:15:00.000Z'));
    expect(c.line.equals(v)).toBe(true);
  });

  it.each([
    ['bad JSON', Buffer.from('{"tenant":"acme",'), 'not a JSON object'],
    ['JSON array', Buffer.from('[1,2]'), 'not a JSON object'],
    ['bad tenant', envelope('../../etc', '2024-05-01T10:15:00Z', 'e2'), 'invalid tenant'],
    ['upper-case tenant', envelope('ACME', '2024-05-01T10:15:00Z', 'e3'), 'invalid tenant'],
    ['bad receivedAt', envelope('acme', 'yesterday', 'e4'), 'invalid receivedAt'],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'value is not UTF-8'],
    ['empty', Buffer.alloc(0), 'empty value'],
  ])('files %s under _invalid, keeping the bytes', (_name, value, reason) => {
    const c = classifyRecord('logs.raw', rec(2, 77n, value));
    expect(c.tenant).toBe(INVALID_TENANT);
    expect(c.invalid).toBe(reason);
    expect(c.receivedAtMs).toBe(T);
    const line = JSON.parse(c.line.toString('utf8')) as InvalidLine;
    expect(line).toMatchObject({ invalid: reason, topic: 'logs.raw', partition: 2, offset: '77', receivedAt: new Date(T).toISOString() });
    expect(Buffer.from(line.valueBase64!, 'base64').equals(value)).toBe(true);
    expect(c.line.includes(0x0a)).toBe(false);
  });

  it('files a null value under _invalid', () => {
    const c = classifyRecord('logs.raw', rec(0, 1n, null));
    expect(c.tenant).toBe(INVALID_TENANT);
    expect((JSON.parse(c.line.toString()) as InvalidLine).valueBase64).toBeNull();
  });

  it('puts a pretty-printed envelope on one line, same document', () => {
    const doc = { v: 1, tenant: 'acme', id: 'e5', receivedAt: '2024-05-01T10:00:00Z', raw: 'x' };
    const c = classifyRecord('logs.raw', rec(0, 1n, Buffer.from(JSON.stringify(doc, null, 2))));
    expect(c.tenant).toBe('acme');
    expect(c.line.includes(0x0a)).toBe(false);
    expect(JSON.parse(c.line.toString())).toEqual(doc);
  });
});

describe('Grouper', () => {
  it('groups by partition, tenant and hour, with first/last offsets in the key', () => {
    const g = new Grouper('logs.raw');
    g.add(rec(0, 10n, envelope('acme', '2024-05-01T10:00:00.000Z', 'a')));
    g.add(rec(0, 11n, envelope('beta', '2024-05-01T10:30:00.000Z', 'b')));
    g.add(rec(0, 12n, envelope('acme', '2024-05-01T10:59:59.999Z', 'c')));
    g.add(rec(0, 13n, envelope('acme', '2024-05-01T11:00:00.000Z', 'd')));
    g.add(rec(1, 3n, envelope('acme', '2024-05-01T10:10:00.000Z', 'e')));
    g.add(rec(1, 4n, Buffer.from('garbage')));
    const groups = g.groups();
    const byKey = Object.fromEntries(groups.map((x) => [x.key, x.lines.map((l) => (JSON.parse(l.toString()) as { id?: string; offset?: string }).id ?? `invalid@${(JSON.parse(l.toString()) as { offset: string }).offset}`)]));
    expect(byKey).toEqual({
      'raw/tenant=acme/dt=2024-05-01/hour=10/logs.raw-0-00000000000000000010-00000000000000000012.ndjson.gz': ['a', 'c'],
      'raw/tenant=beta/dt=2024-05-01/hour=10/logs.raw-0-00000000000000000011-00000000000000000011.ndjson.gz': ['b'],
      'raw/tenant=acme/dt=2024-05-01/hour=11/logs.raw-0-00000000000000000013-00000000000000000013.ndjson.gz': ['d'],
      'raw/tenant=acme/dt=2024-05-01/hour=10/logs.raw-1-00000000000000000003-00000000000000000003.ndjson.gz': ['e'],
      'raw/tenant=_invalid/dt=2024-05-01/hour=10/logs.raw-1-00000000000000000004-00000000000000000004.ndjson.gz': ['invalid@4'],
    });
    expect(g.records).toBe(6);
    expect(g.invalid).toBe(1);
    expect(groups.reduce((n, x) => n + x.rawBytes, 0)).toBe(g.rawBytes);
    for (const x of groups) expect(parseObjectKey(x.key)).toMatchObject({ tenant: x.tenant, partition: x.partition, firstOffset: x.firstOffset, lastOffset: x.lastOffset });
  });

  it('gives the same keys for the same records whatever the interleaving of partitions', () => {
    const recs = Array.from({ length: 200 }, (_, i) => rec(i % 3, BigInt(Math.floor(i / 3)), envelope(i % 7 === 0 ? 'beta' : 'acme', new Date(T - (i % 5) * 1_800_000).toISOString(), `id${i}`)));
    const a = new Grouper('logs.raw');
    for (const r of recs) a.add(r);
    const b = new Grouper('logs.raw');
    for (const p of [2, 0, 1]) for (const r of recs.filter((x) => x.partition === p)) b.add(r);
    const norm = (g: Grouper) => g.groups().map((x) => `${x.key}:${x.lines.length}`).sort();
    expect(norm(b)).toEqual(norm(a));
  });

  it('can drop a partition', () => {
    const g = new Grouper('logs.raw');
    g.add(rec(0, 1n, envelope('acme', '2024-05-01T10:00:00Z', 'a')));
    g.add(rec(1, 1n, envelope('acme', '2024-05-01T10:00:00Z', 'b')));
    g.add(rec(1, 2n, Buffer.from('x')));
    g.dropPartition(1);
    expect(g.groups().map((x) => x.partition)).toEqual([0]);
    expect(g.records).toBe(1);
    expect(g.invalid).toBe(0);
    expect(g.rawBytes).toBe(g.groups()[0]!.rawBytes);
  });
});

describe('gzip NDJSON', () => {
  it('round-trips lines exactly, including unicode and escapes', async () => {
    const lines = [envelope('acme', '2024-05-01T10:00:00Z', 'a', 'héllo ✓ \u2028 tab\t'), envelope('acme', '2024-05-01T10:00:00Z', 'b', ''), Buffer.from('{}')];
    const gz = await encodeNdjsonGz(lines);
    expect(gz[0]).toBe(0x1f);
    expect(gz[1]).toBe(0x8b);
    const back = await decodeNdjsonGz(gz);
    expect(back.map((b) => b.toString('hex'))).toEqual(lines.map((b) => b.toString('hex')));
  });
  it('terminates every line and splits without a trailing empty line', () => {
    const body = joinLines([Buffer.from('a'), Buffer.from('b')]);
    expect(body.toString()).toBe('a\nb\n');
    expect(splitLines(body).map(String)).toEqual(['a', 'b']);
    expect(splitLines(Buffer.from('a\nb')).map(String)).toEqual(['a', 'b']);
    expect(splitLines(Buffer.alloc(0))).toEqual([]);
  });
  it('compresses realistic envelopes', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => envelope('acme', new Date(T + i).toISOString(), `0190${i.toString(16).padStart(8, '0')}`, `GET /api/v1/items/${i} 200 ${i % 97}ms user=${i % 13}`));
    const raw = joinLines(lines).length;
    const gz = (await encodeNdjsonGz(lines)).length;
    expect(raw / gz).toBeGreaterThan(4);
  });
});
