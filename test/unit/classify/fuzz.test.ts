import { describe, expect, it } from 'vitest';
import { classify } from '../../../shared/classify/index.ts';
import { rng } from '../../support/random.ts';


const PIECES = ['<34>', '1 ', '2024-06-01T10:00:00Z', 'Jun  1 ', '[', ']', '{', '}', '"', '\\', '|', 'CEF:0|', '=', ' - ', 'INFO ', ': ', '\t', '[GC ', 'K->', '(', ')', '\n', '  at x', '999999999999', '\uFFFD', '\u0000', '🙂'];

describe('never throws', () => {
  const ref = new Date('2024-06-01T12:00:00Z');
  it('random bytes and random format fragments', () => {
    const r = rng(7);
    for (let i = 0; i < 5000; i++) {
      let s = '';
      const len = Math.floor(r() * 30);
      for (let k = 0; k < len; k++) {
        s += r() < 0.5 ? String.fromCharCode(Math.floor(r() * 0x3000)) : (PIECES[Math.floor(r() * PIECES.length)] ?? '');
      }
      const c = classify(s, ref);
      expect(typeof c.message).toBe('string');
      expect(Number.isNaN(Date.parse(c.timestamp))).toBe(false);
    }
  });
  it('huge lines stay fast', () => {
    const huge = '2024-06-01T10:00:00Z INFO ' + 'x'.repeat(5_000_000);
    const t0 = performance.now();
    expect(classify(huge, ref).level).toBe('info');
    expect(classify('['.repeat(1_000_000), ref).format).toBe('text');
    expect(classify('a=' + '"'.repeat(1_000_000), ref).format).toBe('text');
    expect(classify('{'.repeat(200_000), ref).format).toBe('text');
    expect(performance.now() - t0).toBeLessThan(2000);
  });
  it('deep JSON: 1,000 and 100,000 levels', () => {
    for (const depth of [1000, 100_000]) {
      const raw = '['.repeat(depth) + ']'.repeat(depth);
      expect(classify(`{"msg":"deep","x":${raw}}`, ref).message).toBe('deep');
    }
  });
  it('invalid receive time does not throw', () => {
    expect(classify('hello', new Date(Number.NaN)).timestampFallback).toBe(true);
  });
});
