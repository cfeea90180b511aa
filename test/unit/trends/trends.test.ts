import { describe, expect, it } from 'vitest';
import { StatsAcc, observe, toFieldStats } from '../../../shared/summary/stats.ts';
import { bar, fmt, renderTrend, trendFields, trendPoints } from '../../../shared/summary/trends.ts';

function contribution(minute: string, values: number[], field = 'latency_ms') {
  const acc = new StatsAcc();
  for (const v of values) observe(acc, 'json', { [field]: v }, []);
  return { minute, stats: toFieldStats(acc) };
}

const M0 = '2026-12-01T10:00:00.000Z';
const M1 = '2026-12-01T10:01:00.000Z';

describe('trend view', () => {
  it('one point per minute, merging that minute\'s contributions, oldest first', () => {
    const a = Array.from({ length: 500 }, (_, i) => i + 1);
    const b = Array.from({ length: 500 }, (_, i) => i + 501);
    const points = trendPoints([contribution(M1, [5, 5]), contribution(M0, a), contribution(M0, b), contribution(M0, [1], 'bytes')], 'latency_ms');
    expect(points.map((p) => p.minute)).toEqual([M0, M1]);
    expect(points[0]).toMatchObject({ count: 1000, min: 1, max: 1000 });
    expect(Math.abs(points[0]!.p95 - 950) / 950).toBeLessThanOrEqual(0.01);
    expect(points[1]).toMatchObject({ count: 2, min: 5, max: 5, p50: 5, p99: 5 });
  });

  it('minutes without the field are left out; fields listed by how many values they have', () => {
    const docs = [contribution(M0, [1, 2, 3], 'bytes'), contribution(M1, [4]), { minute: M1 }];
    expect(trendPoints(docs, 'latency_ms').map((p) => p.minute)).toEqual([M1]);
    expect(trendFields(docs)).toEqual([{ field: 'bytes', count: 3 }, { field: 'latency_ms', count: 1 }]);
  });

  it('draws p95 bars scaled to the largest p95', () => {
    expect(bar(10, 10, 4)).toBe('████');
    expect(bar(5, 10, 4)).toBe('██');
    expect(bar(1, 10, 4)).toBe('▍'); // 3.2 eighths -> 3
    expect(bar(0, 10, 4)).toBe('');
    const lines = renderTrend('latency_ms', trendPoints([contribution(M0, [100]), contribution(M1, [50])], 'latency_ms'), 10);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^MINUTE \(UTC\)\s+COUNT\s+P50\s+P95\s+P99\s+MAX\s+P95 of latency_ms \(scale 0\.\.100/);
    expect(lines[1]).toMatch(/^2026-12-01 10:00\s+1\s+100\s+100\s+100\s+100\s+█{10}$/);
    expect(lines[2]).toMatch(/^2026-12-01 10:01\s+1\s+50\s+50\s+50\s+50\s+█{5}$/);
  });

  it('formats numbers for reading', () => {
    expect(fmt(12)).toBe('12');
    expect(fmt(944.0492576839644)).toBe('944');
    expect(fmt(0.5123)).toBe('0.5123');
    expect(fmt(12345.678)).toBe('12345.68');
    expect(fmt(5e9)).toBe('5.00e+9');
  });
});
