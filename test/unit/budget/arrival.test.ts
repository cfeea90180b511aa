import { describe, expect, it } from 'vitest';
import { charge, stateAt, toMicros, type ArrivalView, type BucketCharge } from '../../../shared/budget/arrival.ts';
import { grant, initialState } from '../../../shared/budget/bucket.ts';
import { resolvePlan, type Plan } from '../../../shared/tenants/plans.ts';

const plan = (o: Partial<Plan> = {}): Plan =>
  resolvePlan('standard', { eventsPerSecond: 10, eventsBurst: 100, bytesPerSecond: 1000, bytesBurst: 10_000, dailyBytes: 1_000_000, ...o });
const T0 = Date.UTC(2025, 4, 1, 12, 0, 0);

/** What DynamoDB does with a charge: check the conditions on the stored view, apply it. */
function apply(stored: ArrivalView, c: ReturnType<typeof charge>): ArrivalView | 'failed' {
  const one = (tat: number | undefined, b: BucketCharge | undefined): number | undefined | 'failed' => {
    if (!b) return tat;
    if (b.form === 'set') return tat === undefined || tat < b.below ? b.value : 'failed';
    return tat !== undefined && tat >= b.min && tat <= b.max ? tat + b.delta : 'failed';
  };
  const te = one(stored.te, c.events);
  const tb = one(stored.tb, c.bytes);
  if (te === 'failed' || tb === 'failed') return 'failed';
  if (c.daily && stored.dayBytes > c.daily.max) return 'failed';
  return { te, tb, dayBytes: stored.dayBytes + (c.daily?.add ?? 0) };
}

describe('budget as arrival times (one atomic update per charge)', () => {
  it('a fresh tenant: the same decision as the bucket math, as a SET of a full bucket', () => {
    const c = charge({ dayBytes: 0 }, plan(), Array(150).fill(10), T0);
    const g = grant(undefined, plan(), Array(150).fill(10), T0);
    expect(c.grant).toMatchObject({ admitted: g.admitted, admittedBytes: g.admittedBytes, limitedBy: 'events', retryAt: g.retryAt });
    expect(c.events).toEqual({ form: 'set', value: toMicros(T0) + 100 * 100_000, below: toMicros(T0) });
    expect(c.daily).toEqual({ add: 1000, max: 1_000_000 - 1000 });
  });

  it('matches bucket.ts over a sequence of charges with refill (state converts both ways)', () => {
    const p = plan();
    let view: ArrivalView = { dayBytes: 0 };
    let s = initialState(p, T0);
    for (let i = 0; i < 60; i++) {
      const at = T0 + i * 137;
      const sizes = Array(7 + (i % 5)).fill(50 + i);
      const c = charge(view, p, sizes, at);
      const g = grant(s, p, sizes, at);
      expect(c.grant.admitted).toBe(g.admitted);
      expect(c.grant.limitedBy).toBe(g.limitedBy);
      const next = apply(view, c);
      expect(next).not.toBe('failed');
      view = next as ArrivalView;
      s = g.state;
      const back = stateAt(view, p, at);
      expect(back.events).toBeCloseTo(g.state.events, 6);
      expect(back.bytes).toBeCloseTo(g.state.bytes, 3);
    }
  });

  it('concurrent draining charges commute: each fits as computed from an older view, the cap holds', () => {
    const p = plan();
    // Draining: the bucket is half used at T0.
    const seen: ArrivalView = { te: toMicros(T0) + 50 * 100_000, tb: toMicros(T0), dayBytes: 0 };
    let stored = seen;
    let admitted = 0;
    let failed = 0;
    for (let i = 0; i < 8; i++) {
      const c = charge(seen, p, Array(10).fill(1), T0); // every one computed from the same old view
      const next = apply(stored, c);
      if (next === 'failed') failed++;
      else {
        stored = next;
        admitted += c.grant.admitted;
      }
    }
    expect(admitted).toBe(50); // the 50 tokens left, never more
    expect(failed).toBe(3); // only the charges past the cap fail (and retry from the stored state)
    const retry = charge(stored, p, Array(10).fill(1), T0);
    expect(retry.grant.admitted).toBe(0);
    expect(retry.grant.limitedBy).toBe('events');
    expect(apply(stored, retry)).not.toBe('failed'); // nothing charged: nothing can fail
  });

  it('a full-bucket SET fails once another charge started draining; the retry ADDs', () => {
    const p = plan();
    const full: ArrivalView = { te: toMicros(T0) - 5_000_000, tb: toMicros(T0) - 5_000_000, dayBytes: 0 };
    const a = charge(full, p, [1, 1], T0);
    const b = charge(full, p, [1, 1, 1], T0);
    const afterA = apply(full, a) as ArrivalView;
    expect(apply(afterA, b)).toBe('failed');
    const b2 = charge(afterA, p, [1, 1, 1], T0);
    expect(b2.events?.form).toBe('add');
    const afterB = apply(afterA, b2) as ArrivalView;
    expect(stateAt(afterB, p, T0).events).toBeCloseTo(95, 9);
  });

  it('the daily quota is a counter under a cap', () => {
    const p = plan({ dailyBytes: 25, bytesBurst: 1000 });
    const c = charge({ dayBytes: 10 }, p, [10, 10], T0);
    expect(c.grant).toMatchObject({ admitted: 1, limitedBy: 'daily' });
    expect(c.daily).toEqual({ add: 10, max: 15 });
  });

  it('a rate of 0 stays finite and never refills within the day', () => {
    const p = plan({ eventsPerSecond: 0, eventsBurst: 5 });
    const c = charge({ dayBytes: 0 }, p, Array(8).fill(1), T0);
    expect(c.grant.admitted).toBe(5);
    const after = apply({ dayBytes: 0 }, c) as ArrivalView;
    expect(Number.isSafeInteger(after.te)).toBe(true);
    expect(charge(after, p, [1], T0 + 86_400_000).grant.admitted).toBe(0);
  });

  it('rounding never lets a charge exceed the burst (rates that do not divide a second)', () => {
    const p = plan({ eventsPerSecond: 3, eventsBurst: 7 });
    let view: ArrivalView = { dayBytes: 0 };
    let total = 0;
    for (let i = 0; i < 20; i++) {
      const c = charge(view, p, [1], T0);
      const next = apply(view, c);
      expect(next).not.toBe('failed');
      view = next as ArrivalView;
      total += c.grant.admitted;
    }
    expect(total).toBe(7);
  });
});
