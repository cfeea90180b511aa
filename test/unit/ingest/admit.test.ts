import { describe, expect, it } from 'vitest';
import { admitCost, parseWithinCeiling } from '../../../shared/ingest/admit.ts';
import { CeilingLimiter, type CeilingCounter, type Cost } from '../../../shared/ingest/ceiling.ts';
import { IngestError } from '../../../shared/ingest/errors.ts';
import { resolvePlan } from '../../../shared/tenants/plans.ts';
import { req } from './helpers.ts';

class MemoryCounter implements CeilingCounter {
  private readonly items = new Map<string, Cost>();
  calls = 0;
  async take(tenant: string, window: number, amount: Cost, limit: Cost): Promise<{ taken: boolean; counter: Cost }> {
    this.calls++;
    const k = `${tenant}#${window}`;
    const c = this.items.get(k) ?? { events: 0, bytes: 0 };
    if (c.events + amount.events > limit.events || c.bytes + amount.bytes > limit.bytes) return { taken: false, counter: c };
    const next = { events: c.events + amount.events, bytes: c.bytes + amount.bytes };
    this.items.set(k, next);
    return { taken: true, counter: next };
  }
}

const settings = { factor: 10, windowSeconds: 10, minEventBytes: 256, maxEventsPerRequest: 100_000 };
const body = { maxBodyBytes: 6 * 1024 * 1024, maxEventBytes: 1024 * 1024 };
// A ceiling of 10 x 10 = 100 events per window.
const tenant = { id: 'acme', plan: resolvePlan('free', { eventsPerSecond: 0.001, eventsBurst: 10 }), createdAt: '' };

async function refusalOf(p: Promise<unknown>): Promise<IngestError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof IngestError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

describe('parseWithinCeiling', () => {
  it('parses and admits under the ceiling; past it, 429 with the reason; a tenant known to be past it is not even parsed', async () => {
    const now = 1_000_000_005_000;
    const ceiling = new CeilingLimiter(new MemoryCounter(), { now: () => now });
    const deps = { ceiling, body, settings };
    const lines = (n: number) => Array.from({ length: n }, (_, i) => `line ${i}`).join('\n');
    const r = await parseWithinCeiling(req(lines(60), { 'content-type': 'text/plain' }), tenant, new Date(now), deps);
    expect(r.accepted).toBe(60);
    const e = await refusalOf(parseWithinCeiling(req(lines(60), { 'content-type': 'text/plain' }), tenant, new Date(now), deps));
    expect(e.status).toBe(429);
    expect(e.toBody()).toMatchObject({ error: 'rate_limited', reason: 'events_ceiling' });
    // Fill the window exactly, then even an empty body (which parsing would answer 400) gets the 429.
    await parseWithinCeiling(req(lines(40), { 'content-type': 'text/plain' }), tenant, new Date(now), deps);
    const early = await refusalOf(parseWithinCeiling(req(''), tenant, new Date(now), deps));
    expect(early.status).toBe(429);
  });

  it('a request that could never fit is 413 over_ceiling, not a 429 to retry for ever', async () => {
    const deps = { ceiling: new CeilingLimiter(new MemoryCounter()), body, settings };
    const lines = Array.from({ length: 101 }, (_, i) => `line ${i}`).join('\n');
    const e = await refusalOf(parseWithinCeiling(req(lines, { 'content-type': 'text/plain' }), tenant, new Date(), deps));
    expect(e.status).toBe(413);
    expect(e.code).toBe('over_ceiling');
    expect(e.message).toMatch(/101 events/);
  });
});

describe('admitCost (for requests decoded by a protocol)', () => {
  it('counts against the same ceiling as native requests', async () => {
    const deps = { ceiling: new CeilingLimiter(new MemoryCounter(), { now: () => 5_000 }), settings };
    await admitCost(tenant, { events: 100, bytes: 25_600 }, deps);
    const e = await refusalOf(admitCost(tenant, { events: 1, bytes: 256 }, deps));
    expect(e.status).toBe(429);
    expect(e.reason).toBe('events_ceiling');
  });
});
