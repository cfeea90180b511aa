import { describe, expect, it } from 'vitest';
import { grant, initialState, nextUtcMidnight, refill } from '../../../shared/budget/bucket.ts';
import { backoffMs, notBefore, parkWaitMs } from '../../../shared/budget/defer.ts';
import { readDeferMeta, deferHeaders } from '../../../shared/process/records.ts';
import { resolvePlan, type Plan } from '../../../shared/tenants/plans.ts';

const plan = (o: Partial<Plan> = {}): Plan =>
  resolvePlan('standard', { eventsPerSecond: 10, eventsBurst: 100, bytesPerSecond: 1000, bytesBurst: 10_000, dailyBytes: 1_000_000, ...o });
const T0 = Date.UTC(2025, 4, 1, 12, 0, 0);

describe('token bucket', () => {
  it('starts full and admits up to the event burst', () => {
    const g = grant(undefined, plan(), Array(150).fill(10), T0);
    expect(g.admitted).toBe(100);
    expect(g.admittedBytes).toBe(1000);
    expect(g.limitedBy).toBe('events');
    expect(g.state.events).toBe(0);
    expect(g.retryAt).toBe(T0 + 100); // 1 token at 10/s
  });

  it('admits a prefix limited by bytes', () => {
    const g = grant(undefined, plan(), [4000, 4000, 4000, 1], T0);
    expect(g.admitted).toBe(2);
    expect(g.limitedBy).toBe('bytes');
    // 2000 byte tokens left, 4000 needed at 1000/s -> 2 s
    expect(g.retryAt).toBe(T0 + 2000);
  });

  it('refills at the sustained rate, capped at the burst', () => {
    const g = grant(undefined, plan(), Array(100).fill(1), T0);
    const s1 = refill(g.state, plan(), T0 + 2500);
    expect(s1.events).toBeCloseTo(25);
    expect(refill(g.state, plan(), T0 + 3_600_000).events).toBe(100);
    const g2 = grant(g.state, plan(), Array(40).fill(1), T0 + 2500);
    expect(g2.admitted).toBe(25);
  });

  it('never moves time backwards (skewed clocks)', () => {
    const g = grant(undefined, plan(), Array(100).fill(1), T0);
    const s = refill(g.state, plan(), T0 - 10_000);
    expect(s.events).toBe(0);
    expect(s.at).toBe(T0);
  });

  it('enforces the daily quota until the next UTC midnight, then resets', () => {
    const p = plan({ dailyBytes: 25, bytesBurst: 1000 });
    const g = grant(undefined, p, [10, 10, 10], T0);
    expect(g.admitted).toBe(2);
    expect(g.limitedBy).toBe('daily');
    expect(g.retryAt).toBe(nextUtcMidnight(T0));
    expect(nextUtcMidnight(T0)).toBe(Date.UTC(2025, 4, 2));
    const next = grant(g.state, p, [10, 10], Date.UTC(2025, 4, 2, 0, 0, 1));
    expect(next.admitted).toBe(2);
  });

  it('admits an event larger than the byte burst once the bucket is full (no starvation)', () => {
    const p = plan({ bytesBurst: 100 });
    expect(grant(undefined, p, [5000], T0).admitted).toBe(1);
  });

  it('sums exactly: consecutive grants never exceed burst + refill', () => {
    const p = plan();
    let s = initialState(p, T0);
    let total = 0;
    for (let i = 0; i < 50; i++) {
      const g = grant(s, p, Array(7).fill(1), T0 + i * 100);
      total += g.admitted;
      s = g.state;
    }
    // 100 burst + 4.9 s * 10/s = 149 (floor)
    expect(total).toBe(149);
  });

  it('an empty batch admits nothing and changes nothing', () => {
    const g = grant(undefined, plan(), [], T0);
    expect(g.admitted).toBe(0);
    expect(g.limitedBy).toBeUndefined();
  });
});

describe('deferral policy', () => {
  it('backs off exponentially with jitter, capped', () => {
    expect(backoffMs(1, () => 0.5)).toBe(1000);
    expect(backoffMs(3, () => 0.5)).toBe(4000);
    expect(backoffMs(50, () => 0.5)).toBe(300_000);
    expect(backoffMs(1, () => 0)).toBe(800);
  });
  it('not-before respects the bucket estimate', () => {
    expect(notBefore(T0, 1, T0 + 60_000, () => 0.5)).toBe(T0 + 60_000);
    expect(notBefore(T0, 1, T0 + 10, () => 0.5)).toBe(T0 + 1000);
  });
  it('headers round-trip; garbage reads as due now', () => {
    expect(readDeferMeta(deferHeaders({ attempts: 3, notBefore: 42 }, 'bytes'))).toEqual({ attempts: 3, notBefore: 42 });
    expect(readDeferMeta({ 'sluice-defer-attempts': Buffer.from('x') })).toEqual({ attempts: 0, notBefore: 0 });
  });
  it('waits for the earliest record within bounds', () => {
    expect(parkWaitMs(T0 + 5000, T0, 60_000, 120_000)).toBe(5000);
    expect(parkWaitMs(T0 + 500_000, T0, 60_000, 120_000)).toBe(60_000);
    expect(parkWaitMs(T0 - 1, T0, 60_000, 120_000)).toBe(0);
  });
});
