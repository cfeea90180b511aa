import { describe, expect, it } from 'vitest';
import { CeilingLimiter, refusal, type Cost } from '../../../shared/ingest/ceiling.ts';
import { MemoryCounter } from '../../support/memory.ts';
import { ceilingOf, requestLimits } from '../../../shared/ingest/limits.ts';
import { PLANS, resolvePlan } from '../../../shared/tenants/plans.ts';

const ceiling = { windowMs: 10_000, events: 1_000, bytes: 1_000_000 };

describe('ceilingOf', () => {
  it('is ten times the plan over a 10 s window, never less than ten times the burst', () => {
    const s = { factor: 10, windowSeconds: 10, minEventBytes: 256 };
    // free: 200 events/s (burst 2,000), 200 KiB/s (burst 4 MiB)
    expect(ceilingOf(PLANS.free!, s)).toEqual({ windowMs: 10_000, events: 20_000, bytes: 40 * 1024 * 1024 });
    expect(ceilingOf(resolvePlan('standard', { eventsPerSecond: 400, eventsBurst: 500 }), s).events).toBe(40_000);
    expect(ceilingOf(resolvePlan('free', { eventsPerSecond: 0, eventsBurst: 0, bytesPerSecond: 0, bytesBurst: 0 }), s)).toEqual({ windowMs: 10_000, events: 1, bytes: 256 });
  });

  it('passes the per-request cap and minimum cost to the parser', () => {
    const l = requestLimits(PLANS.free!, { maxBodyBytes: 6e6, maxEventBytes: 1e6 }, { factor: 10, windowSeconds: 10, minEventBytes: 256, maxEventsPerRequest: 100_000 });
    expect(l.parse).toEqual({ maxBodyBytes: 6e6, maxEventBytes: 1e6, maxEventsPerRequest: 100_000, minEventBytes: 256 });
    expect(l.minCost).toEqual({ events: 1, bytes: 256 });
  });
});

describe('CeilingLimiter', () => {
  it('admits up to the ceiling in a window, then refuses with the named reason and Retry-After to the window end', async () => {
    let now = 1_000_000_000_000 + 2_500; // 2.5 s into a window
    const counter = new MemoryCounter();
    const l = new CeilingLimiter(counter, { now: () => now });
    let admitted = 0;
    for (let i = 0; i < 30; i++) {
      const a = await l.admit('t1', ceiling, { events: 100, bytes: 1000 });
      if (a.admitted) admitted += 100;
      else {
        expect(a).toEqual({ admitted: false, reason: 'events_ceiling', retryAfterSeconds: 8 });
        break;
      }
    }
    // Never past the ceiling; one instance loses at most its last lease.
    expect(admitted).toBeLessThanOrEqual(1_000);
    expect(admitted).toBeGreaterThanOrEqual(1_000 - 1_000 / 16 - 100);
    expect(counter.items.get(`t1#${Math.floor(now / 10_000)}`)!.events).toBeLessThanOrEqual(1_000);
    // The next window starts afresh.
    now += 10_000;
    expect((await l.admit('t1', ceiling, { events: 100, bytes: 1000 })).admitted).toBe(true);
  });

  it('serves most requests from its lease: far fewer counter calls than requests', async () => {
    const counter = new MemoryCounter();
    const l = new CeilingLimiter(counter, { now: () => 5_000 });
    for (let i = 0; i < 60; i++) expect((await l.admit('t', ceiling, { events: 10, bytes: 100 })).admitted).toBe(true);
    expect(counter.calls).toBeLessThanOrEqual(12);
  });

  it('is shared by instances: two limiters on one counter admit at most the ceiling together, and refuse only once half of it is used', async () => {
    const counter = new MemoryCounter();
    const a = new CeilingLimiter(counter, { now: () => 5_000 });
    const b = new CeilingLimiter(counter, { now: () => 5_000 });
    let admitted = 0;
    let refusedAt = -1;
    for (let i = 0; i < 200; i++) {
      const r = await (i % 2 === 0 ? a : b).admit('t', ceiling, { events: 7, bytes: 10 });
      if (r.admitted) admitted += 7;
      else if (refusedAt < 0) refusedAt = admitted;
    }
    expect(admitted).toBeLessThanOrEqual(1_000);
    expect(refusedAt).toBeGreaterThanOrEqual(500 - 7);
  });

  it('judges bytes too, each tenant on its own', async () => {
    const l = new CeilingLimiter(new MemoryCounter(), { now: () => 5_000 });
    expect(await l.admit('t', ceiling, { events: 1, bytes: 900_000 })).toEqual({ admitted: true, via: 'counter' });
    expect(await l.admit('t', ceiling, { events: 1, bytes: 200_000 })).toMatchObject({ admitted: false, reason: 'bytes_ceiling' });
    expect((await l.admit('other', ceiling, { events: 1, bytes: 900_000 })).admitted).toBe(true);
  });

  it('refuses a request that alone costs more than a window as over_ceiling (413), without asking the counter', async () => {
    const counter = new MemoryCounter();
    const l = new CeilingLimiter(counter, { now: () => 5_000 });
    const a = await l.admit('t', ceiling, { events: 1_001, bytes: 10 });
    expect(a).toMatchObject({ admitted: false, reason: 'over_ceiling' });
    expect(counter.calls).toBe(0);
    const e = refusal(a as Extract<typeof a, { admitted: false }>, ceiling, { events: 1_001, bytes: 10 });
    expect(e.status).toBe(413);
    expect(e.toBody()).toMatchObject({ error: 'over_ceiling', reason: 'over_ceiling' });
  });

  it('once refused in a window, refuses without I/O (known) until the window ends', async () => {
    let now = 5_000;
    const counter = new MemoryCounter();
    const l = new CeilingLimiter(counter, { now: () => now });
    await l.admit('t', ceiling, { events: 1_000, bytes: 10 });
    const calls = counter.calls;
    expect(l.known('t', ceiling, { events: 1, bytes: 256 })).toMatchObject({ admitted: false, reason: 'events_ceiling', retryAfterSeconds: 5 });
    expect(await l.admit('t', ceiling, { events: 1, bytes: 256 })).toMatchObject({ admitted: false });
    expect(counter.calls).toBe(calls);
    now = 10_000;
    expect(l.known('t', ceiling, { events: 1, bytes: 256 })).toBeUndefined();
  });

  it('when the counter is unreachable, admits on this instance\'s own traffic up to the ceiling (fails open, bounded)', async () => {
    const counter = new MemoryCounter();
    counter.down = true;
    const errors: unknown[] = [];
    const l = new CeilingLimiter(counter, { now: () => 5_000, onCounterError: (e) => errors.push(e) });
    expect(await l.admit('t', ceiling, { events: 600, bytes: 10 })).toEqual({ admitted: true, via: 'local' });
    expect(await l.admit('t', ceiling, { events: 600, bytes: 10 })).toMatchObject({ admitted: false, reason: 'events_ceiling' });
    expect(errors).toHaveLength(2);
  });

  it('a 429 says what to do: Retry-After header, named reason, nothing accepted', () => {
    const e = refusal({ admitted: false, reason: 'bytes_ceiling', retryAfterSeconds: 3 }, ceiling, { events: 1, bytes: 1 });
    expect(e.status).toBe(429);
    expect(e.headers['retry-after']).toBe('3');
    expect(e.toBody('r1')).toMatchObject({ error: 'rate_limited', reason: 'bytes_ceiling', requestId: 'r1' });
    expect(e.message).toMatch(/1000000 bytes per 10 s.*nothing of this request was accepted/);
  });
});
