import { describe, expect, it } from 'vitest';
import { hoursOverlapping, listPrefixes, objectsInRange, parseTime, timeRange, TimeRangeError } from '../../../shared/archive/range.ts';
import { objectKey } from '../../../shared/archive/keys.ts';

const NOW = Date.parse('2024-05-01T12:34:56Z');

describe('parseTime', () => {
  it('reads ISO dates and date-times as UTC', () => {
    expect(parseTime('2024-05-01', NOW)).toBe(Date.parse('2024-05-01T00:00:00Z'));
    expect(parseTime('2024-05-01T10', NOW)).toBe(Date.parse('2024-05-01T10:00:00Z'));
    expect(parseTime('2024-05-01T10:30', NOW)).toBe(Date.parse('2024-05-01T10:30:00Z'));
    expect(parseTime('2024-05-01 10:30:15.250', NOW)).toBe(Date.parse('2024-05-01T10:30:15.250Z'));
    expect(parseTime('2024-05-01T10:30:00+02:00', NOW)).toBe(Date.parse('2024-05-01T08:30:00Z'));
  });
  it('reads now and durations ago', () => {
    expect(parseTime('now', NOW)).toBe(NOW);
    expect(parseTime('2h', NOW)).toBe(NOW - 7_200_000);
    expect(parseTime('-30m', NOW)).toBe(NOW - 1_800_000);
    expect(parseTime('7d', NOW)).toBe(NOW - 7 * 86_400_000);
  });
  it('rejects what it cannot read', () => {
    expect(() => parseTime('yesterday', NOW)).toThrow(TimeRangeError);
    expect(() => parseTime('May 1 2024', NOW)).toThrow(TimeRangeError);
    expect(() => parseTime('2024-13-01T00:00Z', NOW)).toThrow(TimeRangeError);
  });
  it('rejects empty ranges', () => {
    expect(() => timeRange(NOW, NOW)).toThrow(TimeRangeError);
  });
});

describe('range listing', () => {
  const r = timeRange(Date.parse('2024-05-01T22:30:00Z'), Date.parse('2024-05-02T01:00:00Z'));
  it('lists the hours overlapping [from, to)', () => {
    expect(hoursOverlapping(r).map((h) => new Date(h).toISOString().slice(0, 13))).toEqual(['2024-05-01T22', '2024-05-01T23', '2024-05-02T00']);
  });
  it('lists one prefix per day', () => {
    expect(listPrefixes('acme', r)).toEqual(['raw/tenant=acme/dt=2024-05-01/', 'raw/tenant=acme/dt=2024-05-02/']);
  });
  it('keeps only this tenant\'s objects of overlapping hours, in replay order', () => {
    const k = (tenant: string, iso: string, partition: number, first: bigint) =>
      ({ key: objectKey({ tenant, hourStartMs: Date.parse(iso), topic: 'logs.raw', partition, firstOffset: first, lastOffset: first + 1n }), size: 10 });
    const listed = [
      k('acme', '2024-05-02T00:00:00Z', 1, 50n),
      k('acme', '2024-05-01T21:00:00Z', 0, 1n), // before
      k('acme', '2024-05-02T01:00:00Z', 0, 1n), // at `to`: excluded
      k('acme', '2024-05-01T22:00:00Z', 1, 7n),
      k('acme', '2024-05-02T00:00:00Z', 0, 90n),
      k('acme-two', '2024-05-01T22:00:00Z', 0, 1n),
      { key: 'raw/tenant=acme/dt=2024-05-01/hour=22/notes.txt', size: 1 },
    ];
    const got = objectsInRange(listed, 'acme', r).map((o) => `${new Date(o.hourStartMs).toISOString().slice(11, 13)}/${o.partition}/${o.firstOffset}`);
    expect(got).toEqual(['22/1/7', '00/0/90', '00/1/50']);
  });
});
