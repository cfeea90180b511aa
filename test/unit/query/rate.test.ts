import { describe, expect, it } from 'vitest';
import { QueryRateLimiter, takeToken } from '../../../shared/query/rate.ts';

describe('takeToken', () => {
  it('admits the burst, then refuses with the wait for one token, then refills at the rate', () => {
    let state;
    for (let i = 0; i < 3; i++) {
      const d = takeToken(state, 2, 3, 1000);
      expect(d.ok).toBe(true);
      state = d.state;
    }
    const refused = takeToken(state, 2, 3, 1000);
    expect(refused.ok).toBe(false);
    expect(refused.retryAfterSeconds).toBe(1);
    expect(takeToken(refused.state, 2, 3, 1500).ok).toBe(true);
    expect(takeToken(refused.state, 0.1, 3, 1000).retryAfterSeconds).toBe(10);
  });

  it('never runs time backwards and never holds more than the burst', () => {
    const d = takeToken({ tokens: 0, at: 5000 }, 1, 3, 1000);
    expect(d.ok).toBe(false);
    expect(d.state.at).toBe(5000);
    expect(takeToken({ tokens: 0, at: 0 }, 1, 3, 1_000_000).state.tokens).toBe(2);
  });
});

describe('QueryRateLimiter', () => {
  it('keeps one bucket per tenant', () => {
    let now = 0;
    const l = new QueryRateLimiter(100, () => now);
    expect(l.take('a', 1, 1).ok).toBe(true);
    expect(l.take('a', 1, 1).ok).toBe(false);
    expect(l.take('b', 1, 1).ok).toBe(true);
    now = 1000;
    expect(l.take('a', 1, 1).ok).toBe(true);
  });
});
