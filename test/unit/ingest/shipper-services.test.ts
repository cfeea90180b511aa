import { describe, expect, it } from 'vitest';
import { admitCost } from '../../../shared/ingest/admit.ts';
import { CeilingLimiter, type CeilingCounter, type Cost } from '../../../shared/ingest/ceiling.ts';
import { IngestError, parseIngest, type IngestRecord } from '../../../shared/ingest/index.ts';
import { shipperServices } from '../../../shared/ingest/protocols/services.ts';
import { resolvePlan } from '../../../shared/tenants/plans.ts';
import type { Tenant, TenantResolver } from '../../../shared/tenants/registry.ts';
import { req } from './helpers.ts';

class MemoryCounter implements CeilingCounter {
  private readonly items = new Map<string, Cost>();
  async take(tenant: string, window: number, amount: Cost, limit: Cost): Promise<{ taken: boolean; counter: Cost }> {
    const k = `${tenant}#${window}`;
    const c = this.items.get(k) ?? { events: 0, bytes: 0 };
    if (c.events + amount.events > limit.events || c.bytes + amount.bytes > limit.bytes) return { taken: false, counter: c };
    const next = { events: c.events + amount.events, bytes: c.bytes + amount.bytes };
    this.items.set(k, next);
    return { taken: true, counter: next };
  }
}

class Down extends Error {}
// A ceiling of 10 x 10 = 100 events per window.
const tenant: Tenant = { id: 'acme', plan: resolvePlan('free', { eventsPerSecond: 0.001, eventsBurst: 10 }), createdAt: '' };
const registry: TenantResolver = { resolve: async (t) => (t === 'slc_acme' ? tenant : undefined) };
const settings = { factor: 10, windowSeconds: 10, minEventBytes: 256, maxEventsPerRequest: 100_000 };
const limits = { maxBodyBytes: 6e6, maxEventBytes: 1e6, maxEventsPerRequest: 100_000, minEventBytes: 256 };
const silent = { error: () => undefined };

function requestOf(n: number, key?: string) {
  return parseIngest(req(Array.from({ length: n }, (_, i) => `e${i}`).join('\n'), { 'content-type': 'text/plain', ...(key ? { 'idempotency-key': key } : {}) }), {
    tenant: 'acme',
    receivedAt: new Date(5_000),
  });
}

/** As serve.ts does: the request's cost admitted, then its batches delivered. */
async function send(svc: ReturnType<typeof shipperServices>, n: number, key?: string): Promise<void> {
  const r = requestOf(n, key);
  await svc.admit!('acme', r.cost);
  await svc.deliver(r.batches(20), { events: n, idempotent: key !== undefined });
}

async function failureOf(p: Promise<unknown>): Promise<IngestError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof IngestError) return e;
    throw e;
  }
  throw new Error('did not fail');
}

describe('shipperServices: the shippers\' protocols under the same ceiling and 503 contract', () => {
  it('counts a protocol request against the tenant\'s ceiling before anything is delivered: past it, 429 and nothing written', async () => {
    const ceiling = new CeilingLimiter(new MemoryCounter(), { now: () => 5_000 });
    const written: IngestRecord[] = [];
    const svc = shipperServices({
      tenants: registry,
      log: silent,
      limits: () => limits,
      isDeliveryFailure: (e) => e instanceof Down,
      deliver: async (batches) => {
        for (const b of batches) written.push(...b);
      },
      admit: (t, cost) => admitCost(t, cost, { ceiling, settings }),
    });
    expect((await svc.resolveTenant('slc_acme'))?.id).toBe('acme');
    await send(svc, 80);
    expect(written).toHaveLength(80);
    const e = await failureOf(send(svc, 30));
    expect(e.status).toBe(429);
    expect(e.reason).toBe('events_ceiling');
    expect(written).toHaveLength(80);
  });

  it('a delivery failing on a later batch: 503 with the stored count, as for the plain routes', async () => {
    let n = 0;
    const svc = shipperServices({
      tenants: registry,
      log: silent,
      limits: () => limits,
      isDeliveryFailure: (e) => e instanceof Down,
      deliver: async (batches) => {
        for (const _ of batches) if (n++ === 2) throw new Down('both down');
      },
    });
    await svc.resolveTenant('slc_acme');
    const e = await failureOf(send(svc, 50, 'key-1'));
    expect(e.status).toBe(503);
    expect(e.toBody()).toMatchObject({ reason: 'partly_stored', stored: 40, events: 50 });
    expect(e.message).toMatch(/same Idempotency-Key/);
    n = 0;
    const e2 = await failureOf(send(svc, 50));
    expect(e2.message).toMatch(/send an Idempotency-Key/);
  });
});
