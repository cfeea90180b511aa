import { DDSketch } from '@datadog/sketches-js';
import { describe, expect, it } from 'vitest';
import { BIN_LIMIT, RELATIVE_ACCURACY, Sketch, SketchError } from '../../../shared/summary/sketch.ts';

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(b));
const QS = [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1];

function both(values: number[]): { ours: Sketch; lib: DDSketch } {
  const ours = new Sketch();
  const lib = new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY });
  for (const v of values) {
    ours.accept(v);
    lib.accept(v);
  }
  return { ours, lib };
}

/** Deterministic pseudo-random values over six decades, with zeros. */
function spread(n: number, seed = 7): number[] {
  let x = seed;
  return Array.from({ length: n }, (_, i) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return i % 50 === 0 ? 0 : Math.round(10 ** ((x / 2 ** 31) * 6 - 2) * 1000) / 1000;
  });
}

describe('sketch', () => {
  it('gives the quantiles of the library\'s DDSketch (same mapping, store and rank rule)', () => {
    const { ours, lib } = both(spread(5000));
    for (const q of QS) expect(ours.quantile(q)).toBe(lib.getValueAtQuantile(q));
    expect(ours.count).toBe(5000);
  });

  it('every quantile is within 1 % of the exact one', () => {
    const values = spread(20_000, 3);
    const sorted = [...values].sort((a, b) => a - b);
    const { ours } = both(values);
    for (const q of [0.5, 0.9, 0.95, 0.99]) {
      const exact = sorted[Math.floor(q * (sorted.length - 1))]!;
      expect(Math.abs(ours.quantile(q) - exact) / exact).toBeLessThanOrEqual(RELATIVE_ACCURACY);
    }
  });

  it('its encoding is the DDSketch protobuf: the library reads ours and we read the library\'s', () => {
    for (const values of [spread(3000), [5, 5, 5], [0, 0], [1, 1e6]]) {
      const { ours, lib } = both(values);
      const read = DDSketch.fromProto(Buffer.from(ours.encode(), 'base64'));
      const back = Sketch.decode(Buffer.from(lib.toProto()).toString('base64'));
      for (const q of QS) {
        // The library rebuilds its mapping from gamma: the last digits of a value may differ.
        expect(close(read.getValueAtQuantile(q), lib.getValueAtQuantile(q))).toBe(true);
        expect(close(back.quantile(q), ours.quantile(q))).toBe(true);
      }
      expect(read.count).toBe(values.length);
      expect(back.count).toBe(values.length);
    }
  });

  it('a stored sketch is its bins from lowest to highest, and at most BIN_LIMIT of them whatever the values', () => {
    const { ours: dense } = both(Array.from({ length: 1000 }, (_, i) => i + 1));
    const bins = Math.ceil(Math.log(1000) / Math.log((1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY))) + 1;
    expect(Buffer.from(dense.encode(), 'base64').length).toBeLessThanOrEqual(bins * 8 + 40);
    // Adversarial: values 600 decades apart collapse into the lowest bins instead of 69,000 bins.
    const wild = new Sketch();
    for (const v of [1e-300, 1e-100, 1, 1e100, 1e300]) wild.accept(v);
    expect(wild.store.length()).toBeLessThanOrEqual(BIN_LIMIT);
    expect(Buffer.from(wild.encode(), 'base64').length).toBeLessThanOrEqual(BIN_LIMIT * 8 + 40);
    expect(wild.quantile(1) / 1e300).toBeCloseTo(1, 1);
    expect(wild.count).toBe(5);
  });

  it('merging decoded sketches equals one sketch of all the values', () => {
    const values = spread(4000, 11);
    const parts = [values.slice(0, 1000), values.slice(1000, 1001), values.slice(1001, 3000), values.slice(3000)];
    const merged = new Sketch();
    for (const p of parts) merged.merge(Sketch.decode(both(p).ours.encode()));
    const { ours: one } = both(values);
    for (const q of QS) expect(merged.quantile(q)).toBe(one.quantile(q));
    expect(merged.count).toBe(4000);
  });

  it('refuses a sketch of another accuracy, negative values or a truncated buffer, naming the problem', () => {
    const other = new DDSketch({ relativeAccuracy: 0.02 });
    other.accept(3);
    expect(() => Sketch.decode(Buffer.from(other.toProto()).toString('base64'))).toThrow(/another mapping/);
    const negative = new DDSketch({ relativeAccuracy: RELATIVE_ACCURACY });
    negative.accept(-3);
    expect(() => Sketch.decode(Buffer.from(negative.toProto()).toString('base64'))).toThrow(/negative/);
    const good = Buffer.from(both(spread(100)).ours.encode(), 'base64');
    expect(() => Sketch.decode(good.subarray(0, good.length - 3).toString('base64'))).toThrow(SketchError);
  });
});
