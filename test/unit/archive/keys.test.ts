import { describe, expect, it } from 'vitest';
import {
  ArchiveKeyError,
  hourPrefix,
  INVALID_TENANT,
  manifestKey,
  objectKey,
  parseObjectKey,
  tenantPrefix,
} from '../../../shared/archive/keys.ts';

const H = Date.parse('2024-05-01T10:00:00Z');

describe('archive keys', () => {
  it('names objects with Hive-style partitions and zero-padded offsets', () => {
    const key = objectKey({ tenant: 'acme-prod', hourStartMs: H, topic: 'logs.raw', partition: 3, firstOffset: 120n, lastOffset: 4567n });
    expect(key).toBe('raw/tenant=acme-prod/dt=2024-05-01/hour=10/logs.raw-3-00000000000000000120-00000000000000004567.ndjson.gz');
  });

  it('uses the UTC hour of any instant within it', () => {
    expect(hourPrefix('acme', Date.parse('2024-12-31T23:59:59.999Z'))).toBe('raw/tenant=acme/dt=2024-12-31/hour=23/');
    expect(hourPrefix('acme', Date.parse('2025-01-01T00:00:00.000Z'))).toBe('raw/tenant=acme/dt=2025-01-01/hour=00/');
  });

  it('round-trips through parseObjectKey', () => {
    const parts = { tenant: INVALID_TENANT, hourStartMs: H, topic: 'logs.raw', partition: 0, firstOffset: 9007199254740993n, lastOffset: 9007199254740999n };
    expect(parseObjectKey(objectKey(parts))).toEqual(parts);
  });

  it('sorts keys of one partition by offset', () => {
    const k = (first: bigint) => objectKey({ tenant: 'acme', hourStartMs: H, topic: 'logs.raw', partition: 1, firstOffset: first, lastOffset: first + 5n });
    const keys = [k(1000n), k(9n), k(100n)].sort();
    expect(keys.map((x) => parseObjectKey(x)!.firstOffset)).toEqual([9n, 100n, 1000n]);
  });

  it.each([
    '../other',
    'acme/../../etc',
    'acme/x',
    'tenant=evil',
    'ACME',
    'a',
    '',
    'acme%2f..',
    'acme\u0000',
    ' acme',
    'acme-',
    '_invalid/../acme',
    'x'.repeat(41),
  ])('refuses crafted tenant %j so it cannot escape its prefix', (tenant) => {
    expect(() => tenantPrefix(tenant)).toThrow(ArchiveKeyError);
    expect(() => objectKey({ tenant, hourStartMs: H, topic: 'logs.raw', partition: 0, firstOffset: 0n, lastOffset: 0n })).toThrow(ArchiveKeyError);
  });

  it('refuses bad topics, partitions, offsets and times', () => {
    const ok = { tenant: 'acme', hourStartMs: H, topic: 'logs.raw', partition: 0, firstOffset: 0n, lastOffset: 1n };
    expect(() => objectKey({ ...ok, topic: '../x' })).toThrow(ArchiveKeyError);
    expect(() => objectKey({ ...ok, topic: 'a/b' })).toThrow(ArchiveKeyError);
    expect(() => objectKey({ ...ok, partition: -1 })).toThrow(ArchiveKeyError);
    expect(() => objectKey({ ...ok, firstOffset: 5n, lastOffset: 4n })).toThrow(ArchiveKeyError);
    expect(() => objectKey({ ...ok, hourStartMs: Number.NaN })).toThrow(ArchiveKeyError);
    expect(() => objectKey({ ...ok, hourStartMs: Date.parse('+010000-01-01T00:00:00Z') })).toThrow(ArchiveKeyError);
  });

  it('does not parse keys it did not write', () => {
    expect(parseObjectKey('raw/tenant=acme/dt=2024-05-01/hour=10/x.json')).toBeUndefined();
    expect(parseObjectKey('raw/tenant=../dt=2024-05-01/hour=10/logs.raw-0-1-2.ndjson.gz')).toBeUndefined();
    expect(parseObjectKey('raw/tenant=acme/dt=2024-02-30/hour=10/logs.raw-0-1-2.ndjson.gz')).toBeUndefined();
    expect(parseObjectKey('raw/tenant=acme/dt=2024-05-01/hour=24/logs.raw-0-1-2.ndjson.gz')).toBeUndefined();
    expect(parseObjectKey('_manifests/sluice-archiver/logs.raw/0/00000000000000000000.json')).toBeUndefined();
  });

  it('keeps manifests outside raw/', () => {
    expect(manifestKey('sluice-archiver', 'logs.raw', 2, 42n)).toBe('_manifests/sluice-archiver/logs.raw/2/00000000000000000042.json');
    expect(() => manifestKey('../x', 'logs.raw', 0, 0n)).toThrow(ArchiveKeyError);
  });
});
