import { describe, expect, it } from 'vitest';
import { QueryRateLimiter, rateWindow } from '../../../shared/query/rate.ts';
import { queryLimits } from '../../../shared/query/limits.ts';
import { PLANS } from '../../../shared/tenants/plans.ts';
import { MemoryCounter } from '../../support/memory.ts';

/** The most a token bucket (rate a second, burst) admits in any span of `spanMs`. */
const bucketMax = (perSecond: number, burst: number, spanMs: number) => burst + (perSecond * spanMs) / 1000;

describe('rateWindow', () => {
  it('is half the burst over the time the rate takes to refill it', () => {
    expect(rateWindow(1, 10)).toEqual({ windowMs: 5000, events: 5, bytes: 5 });
    expect(rateWindow(5, 30)).toEqual({ windowMs: 3000, events: 15, bytes: 15 });
    expect(rateWindow(20, 100)).toEqual({ windowMs: 2500, events: 50, bytes: 50 });
    expect(rateWindow(1, 1)).toEqual({ windowMs: 1000, events: 1, bytes: 1 });
  });

  it('never admits more than the plan\'s bucket in any span, for every plan (a query every 10 ms, all admitted ones counted)', async () => {
    for (const name of Object.keys(PLANS)) {
      const { queriesPerSecond: r, queriesBurst: b } = queryLimits(PLANS[name]!);
      let now = 1_000_000_000_123;
      const counter = new MemoryCounter();
      // Three instances over one counter, taking in turn.
      const instances = [0, 1, 2].map(() => new QueryRateLimiter(counter, { now: () => now }));
      const admittedAt: number[] = [];
      for (let i = 0; i < 3000; i++, now += 10) if ((await instances[i % 3]!.take('t', r, b)).ok) admittedAt.push(now);
      // Over 30 s the long-run rate is the plan's, within one window.
      expect(admittedAt.length, name).toBeLessThanOrEqual(bucketMax(r, b, 30_000));
      expect(admittedAt.length, name).toBeGreaterThanOrEqual(r * 30 - rateWindow(r, b).events * 2);
      // In every span starting at an admitted query, at most what the bucket would have admitted.
      for (const spanMs of [10, 1000, rateWindow(r, b).windowMs, 7000]) {
        for (let s = 0; s < admittedAt.length; s++) {
          let e = s;
          while (e < admittedAt.length && admittedAt[e]! - admittedAt[s]! < spanMs) e++;
          expect(e - s, `${name} in ${spanMs} ms`).toBeLessThanOrEqual(bucketMax(r, b, spanMs));
        }
      }
    }
  });
});

describe('QueryRateLimiter', () => {
  it('shares one limit per tenant across instances: two instances together admit the window once, with Retry-After to its end', async () => {
    let now = 1_000_000_000_000 + 1000; // 1 s into a 5 s window of the free plan
    const counter = new MemoryCounter();
    const a = new QueryRateLimiter(counter, { now: () => now });
    const b = new QueryRateLimiter(counter, { now: () => now });
    const decisions = [];
    for (let i = 0; i < 10; i++) decisions.push(await (i % 2 ? b : a).take('t1', 1, 10));
    expect(decisions.filter((d) => d.ok)).toHaveLength(5);
    expect(decisions.at(-1)).toEqual({ ok: false, reason: 'rate', retryAfterSeconds: 4 });
    expect((await a.take('t2', 1, 10)).ok).toBe(true);
    now += 4000;
    expect((await b.take('t1', 1, 10)).ok).toBe(true);
  });

  it('refuses as unavailable (not as past the rate) while the counter cannot be reached', async () => {
    const counter = new MemoryCounter();
    const l = new QueryRateLimiter(counter, { now: () => 1_000_000_000_000 });
    counter.down = true;
    expect(await l.take('t1', 1, 10)).toEqual({ ok: false, reason: 'unavailable', retryAfterSeconds: 5 });
    counter.down = false;
    expect((await l.take('t1', 1, 10)).ok).toBe(true);
  });
});
