/**
 * Reconciliation, no faults: concurrent clients POST mixed-format bodies (NDJSON, JSON arrays, text
 * with stack traces, gzip) for four tenants through the local ingest URL; afterwards every event is
 * in the S3 archive exactly once, and per tenant indexed + deferred-waiting + DLQ (+ archive-only)
 * equals what was accepted, with no id twice.
 */
import './env.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../../local/pipeline.ts';
import { reconcile } from './reconcile.ts';
import { addTenant, runTag, sendAll, workload, type Request } from './support.ts';

let p: Pipeline;
const tag = runTag();
const log = (m: string) => process.stderr.write(`${m}\n`);

beforeAll(async () => {
  p = await startPipeline({ httpPort: 0, archiveEveryMs: 0, processWindowMs: 250, deferredWindowMs: 500, retryMaxMs: 2_000, demoTenant: false, log });
});
afterAll(async () => {
  await p?.stop({ finalArchive: false });
});

describe('reconciliation', () => {
  it('every accepted event is archived exactly once and indexed, deferred or in the DLQ exactly once per tenant', async () => {
    const tenants = {
      big: { tenant: `${tag}-big`, plan: 'pro', overrides: {} },
      std: { tenant: `${tag}-std`, plan: 'standard', overrides: {} },
      // A small budget that defers (standard plans defer over budget)...
      small: { tenant: `${tag}-small`, plan: 'standard', overrides: { eventsPerSecond: 400, eventsBurst: 500 } },
      // ...and one that keeps over-budget events in the archive only (free plan).
      arch: { tenant: `${tag}-arch`, plan: 'free', overrides: { eventsPerSecond: 50, eventsBurst: 300 } },
    };
    const requests: Request[] = [];
    for (const t of Object.values(tenants)) {
      const token = await addTenant(t.tenant, t.plan, t.overrides);
      requests.push(...workload(tag, { tenant: t.tenant, token }, 24, 100));
    }
    // Interleave the tenants' requests so that the clients mix them.
    requests.sort((a, b) => a.markers[0]!.localeCompare(b.markers[0]!) || a.tenant.localeCompare(b.tenant));
    const t0 = Date.now();
    const accepted = await sendAll(p.url, requests, 6);
    log(`[reconciliation] ${requests.length} requests, ${[...accepted.values()].reduce((a, b) => a + b, 0)} events accepted in ${Date.now() - t0} ms`);

    const expects = Object.entries(tenants).map(([k, t]) => ({
      tenant: t.tenant,
      markers: requests.filter((r) => r.tenant === t.tenant).flatMap((r) => r.markers),
      archiveOnly: k === 'arch',
    }));
    for (const e of expects) expect(accepted.get(e.tenant)).toBe(e.markers.length);

    const reports = await reconcile(() => p.archiveNow(), expects, { timeoutMs: 240_000, log });
    log(`[reconciliation] ${JSON.stringify(reports)}`);
    const by = new Map(reports.map((r) => [r.tenant, r]));
    // The budgets did act: the small plan deferred events that were indexed later, the free plan kept some archive-only.
    expect(by.get(tenants.small.tenant)!.deferred).toBeGreaterThan(0);
    expect(by.get(tenants.small.tenant)!.indexed).toBe(2400);
    expect(by.get(tenants.arch.tenant)!.archiveOnly).toBeGreaterThan(0);
    expect(by.get(tenants.arch.tenant)!.indexed).toBeLessThan(2400);
    expect(by.get(tenants.big.tenant)!.indexed).toBe(2400);
    expect(by.get(tenants.std.tenant)!.indexed).toBe(2400);
  });
});
