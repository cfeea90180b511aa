import { describe, expect, it } from 'vitest';
import { Sketch } from '../../../shared/summary/sketch.ts';
import {
  AUTO_NAMES, MAX_NAMED_FIELDS, MAX_SUFFIX_FIELDS, StatsAcc, mergeFieldStats, mergeStatusClasses, namedFields,
  numeric, observe, toFieldStats, toStatusClasses,
} from '../../../shared/summary/stats.ts';

const within1pct = (got: number, want: number) => expect(Math.abs(got - want) / want).toBeLessThanOrEqual(0.01);

function latencies(values: Iterable<number>): StatsAcc {
  const acc = new StatsAcc();
  for (const v of values) observe(acc, 'json', { latency_ms: v }, []);
  return acc;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('trend statistics', () => {
  it('1,000 values 1..1000: count, min, max, sum exact; p50/p90/p95/p99 within 1 %', () => {
    const [s] = toFieldStats(latencies(range(1, 1000)));
    expect(s).toMatchObject({ field: 'latency_ms', count: 1000, min: 1, max: 1000, sum: 500_500 });
    within1pct(s!.p50, 500);
    within1pct(s!.p90, 900);
    within1pct(s!.p95, 950);
    within1pct(s!.p99, 990);
    expect(Sketch.decode(s!.sketch).count).toBe(1000);
  });

  it('merging the sketches of several batches gives the figures of one sketch of all values', () => {
    const values = range(1, 1000).map((v) => (v * 7919) % 1000 + 1); // 1..1000 shuffled
    const one = mergeFieldStats([toFieldStats(latencies(values))]).get('latency_ms')!;
    const batches = [values.slice(0, 100), values.slice(100, 450), values.slice(450, 451), values.slice(451)].map((b) => toFieldStats(latencies(b)));
    const merged = mergeFieldStats(batches).get('latency_ms')!;
    expect(merged).toMatchObject({ count: 1000, min: 1, max: 1000, sum: 500_500 });
    for (const p of ['p50', 'p90', 'p95', 'p99'] as const) {
      expect(merged[p]).toBeCloseTo(one[p], 6);
      expect(merged[p]).toBeCloseTo(toFieldStats(latencies(values))[0]![p], 6);
    }
    within1pct(merged.p99, 990);
  });

  it('quantiles stay within [min, max]', () => {
    const [s] = toFieldStats(latencies([7, 7, 7]));
    expect(s).toMatchObject({ min: 7, max: 7, p50: 7, p99: 7 });
  });

  it('tracks access-log response time and bytes, and counts status classes exactly', () => {
    const acc = new StatsAcc();
    const statuses = [200, 201, 204, 301, 304, 404, 404, 500, 503, 101, 99, 600];
    for (let i = 0; i < 1000; i++) observe(acc, 'access_combined', { status: statuses[i % statuses.length], bytes: i, response_time_ms: 0.5 }, []);
    const n = (k: number) => Math.ceil((1000 - k) / statuses.length); // how many i < 1000 have i % 12 === k
    expect(toStatusClasses(acc)).toEqual([
      { key: '1xx', count: n(9) },
      { key: '2xx', count: n(0) + n(1) + n(2) },
      { key: '3xx', count: n(3) + n(4) },
      { key: '4xx', count: n(5) + n(6) },
      { key: '5xx', count: n(7) + n(8) },
    ]);
    expect(toFieldStats(acc).map((s) => [s.field, s.count, s.max])).toEqual([['bytes', 1000, 999], ['response_time_ms', 1000, 0.5]]);
    expect(mergeStatusClasses([toStatusClasses(acc), toStatusClasses(acc)])['4xx']).toBe(2 * (n(5) + n(6)));
  });

  it('tracks the JVM GC pause', () => {
    const acc = new StatsAcc();
    observe(acc, 'jvm_unified', { pause_ms: 12.5, heap_before_kb: 100 }, []);
    expect(toFieldStats(acc).map((s) => s.field)).toEqual(['pause_ms']);
  });

  it('reads logfmt numbers given as strings, and nothing that is not a plain non-negative number', () => {
    expect(numeric('12.5')).toBe(12.5);
    expect(numeric('1e3')).toBe(1000);
    for (const bad of ['', '-1', '0x10', '12ms', ' 1', 'NaN', 'Infinity', -3, Infinity, NaN, true, null, {}]) expect(numeric(bad)).toBeUndefined();
    const acc = new StatsAcc();
    observe(acc, 'logfmt', { duration: '30', took: 'soon', msg_ms: 'x' }, []);
    expect(toFieldStats(acc).map((s) => [s.field, s.count])).toEqual([['duration', 1]]);
  });

  it('a tenant sending thousands of distinct numeric keys tracks at most the bounded set', () => {
    const named = namedFields({ statsFields: range(1, 50).map((i) => `named_${i}`) });
    expect(named).toHaveLength(MAX_NAMED_FIELDS);
    const acc = new StatsAcc();
    for (let e = 0; e < 200; e++) {
      const fields: Record<string, unknown> = {};
      for (let k = 0; k < 25; k++) {
        fields[`key_${e}_${k}_ms`] = k;
        fields[`named_${k}`] = k;
        fields[`other_${e}_${k}`] = k;
      }
      for (const a of AUTO_NAMES) fields[a] = e;
      observe(acc, 'json', fields, named);
    }
    const stats = toFieldStats(acc);
    expect(stats.length).toBe(AUTO_NAMES.length + MAX_SUFFIX_FIELDS + MAX_NAMED_FIELDS);
    expect(stats.filter((s) => s.field.startsWith('key_')).map((s) => s.field)).toEqual(['key_0_0_ms', 'key_0_1_ms', 'key_0_2_ms', 'key_0_3_ms']);
    expect(stats.find((s) => s.field === 'named_1')!.count).toBe(200);
    expect(stats.find((s) => s.field === 'latency_ms')!.count).toBe(200);
  });

  it('a named field is counted once even when it is also automatic, and dotted paths reach nested values', () => {
    const named = namedFields({ statsFields: ['latency_ms', 'http.duration_ms', 'queue_ms', 'bytes'] });
    const acc = new StatsAcc();
    observe(acc, 'json', { latency_ms: 5, http: { duration_ms: 8 }, queue_ms: 1 }, named);
    observe(acc, 'access_common', { status: 200, bytes: 10 }, named);
    const counts = Object.fromEntries(toFieldStats(acc).map((s) => [s.field, s.count]));
    expect(counts).toEqual({ latency_ms: 1, 'http.duration_ms': 1, queue_ms: 1, bytes: 1 });
  });

  it('is deterministic: the same events give the same documents', () => {
    expect(toFieldStats(latencies(range(1, 300)))).toEqual(toFieldStats(latencies(range(1, 300))));
  });

  it('other formats track only the named fields', () => {
    const acc = new StatsAcc();
    observe(acc, 'syslog5424', { latency_ms: 3, retries: 2 }, namedFields({ statsFields: ['retries'] }));
    expect(toFieldStats(acc).map((s) => s.field)).toEqual(['retries']);
  });
});
