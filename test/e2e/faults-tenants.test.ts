/**
 * Fault isolation (issue 15), through the local ingest URL and the real pipeline: one tenant sends
 * each kind of adversarial input while another tenant posts normally.
 *
 *   - super-linear parser input (JVM GC lines with long runs of digits);
 *   - index explosion (a line a day for ten years, in one request);
 *   - values and keys over OpenSearch's term limit (a 100 KB value, a 33 KB key);
 *   - its index deleted mid-run (ensure cache warm), then a late event.
 *
 * The normal tenant's events are searchable within the usual latency; the adversarial events are
 * all indexed or in the DLQ (reconciliation); the node gains a bounded number of indices.
 */
import './env.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../../local/pipeline.ts';
import { logIndex, tenantAlias, tenantIndexPattern } from '../../shared/index/naming.ts';
import { reconcile } from './reconcile.ts';
import { addTenant, countOf, indexedDocs, os, post, runTag, waitFor } from './support.ts';

let p: Pipeline;
const tag = runTag();
const log = (m: string) => process.stderr.write(`${m}\n`);
const DAY = 86_400_000;

beforeAll(async () => {
  p = await startPipeline({ httpPort: 0, archiveEveryMs: 0, processWindowMs: 250, retryMaxMs: 2_000, demoTenant: false, log });
});
afterAll(async () => {
  await p?.stop({ finalArchive: false });
});

async function indexCount(pattern: string): Promise<number> {
  const r = await os(`/_cat/indices/${pattern}?format=json&expand_wildcards=all`);
  return Array.isArray(r.body) ? r.body.length : 0;
}

describe('fault isolation between tenants', () => {
  it('an adversarial tenant cannot stop or slow the others; all its events are indexed or in the DLQ', async () => {
    const evil = `${tag}-evil`;
    const calm = `${tag}-calm`;
    const evilToken = await addTenant(evil, 'pro', { eventsBurst: 1e9, bytesBurst: 1e12, dailyBytes: 1e12 });
    const calmToken = await addTenant(calm, 'standard');
    const url = `${p.url}/v1/logs`;
    let n = 0;
    const mk = (t: string) => `mk-${tag}-${t}-${n++}`;
    const sent = new Map<string, string[]>([[evil, []], [calm, []]]);
    const send = async (tenant: string, token: string, lines: (m: string) => string, count: number, type = 'text/plain') => {
      const markers = Array.from({ length: count }, () => mk(tenant));
      const a = await post(url, markers.map(lines).join('\n'), { authorization: `Bearer ${token}`, 'content-type': type });
      expect(a.status, a.text.slice(0, 300)).toBe(202);
      sent.get(tenant)!.push(...markers);
      return markers;
    };
    const indicesBefore = await indexCount('sluice-logs-*');

    // The calm tenant posts throughout; each request must be searchable within the usual latency.
    let calmDone = false;
    const latencies: number[] = [];
    const calmLoop = (async () => {
      for (let i = 0; i < 6 && !calmDone; i++) {
        const t0 = Date.now();
        await send(calm, calmToken, (m) => `{"level":"info","msg":"order shipped","mk":"${m}"}`, 20, 'application/x-ndjson');
        const want = sent.get(calm)!.length;
        await waitFor(`calm request ${i} searchable`, 60_000, async () => ((await countOf(tenantAlias(calm))) >= want ? true : undefined), 500);
        latencies.push(Date.now() - t0);
      }
    })();

    // 1. Super-linear parser input: GC lines with 32 KB runs of digits.
    await send(evil, evilToken, (m) => `[GC ${'1'.repeat(32_000)} ${m}`, 4);
    // 2. Index explosion: a line a day for ten years.
    const now = Date.now();
    let day = 0;
    await send(evil, evilToken, (m) => `${new Date(now - day++ * DAY).toISOString()} INFO day ${m}`, 3650);
    // 3. Large values and keys.
    const [big] = await send(evil, evilToken, (m) => JSON.stringify({ msg: 'big', mk: m, blob: 'v'.repeat(100_000), ['k'.repeat(33_000)]: 'x' }), 1, 'application/x-ndjson');

    await calmLoop;
    calmDone = true;
    log(`[faults-tenants] calm latencies ${latencies.join(', ')} ms`);
    expect(latencies).toHaveLength(6);
    // The usual latency: seconds, not the adversarial work (one slow GC line, then its shape is text).
    expect(Math.max(...latencies)).toBeLessThan(30_000);

    // Everything both tenants sent is archived once and indexed or in the DLQ.
    const report = await reconcile(() => p.archiveNow(), [{ tenant: evil, markers: sent.get(evil)! }, { tenant: calm, markers: sent.get(calm)! }], { timeoutMs: 300_000, log });
    log(`[faults-tenants] ${JSON.stringify(report)}`);

    // Bounded indices: the window (30 days for pro) and the per-batch cap keep ten years to a handful.
    const evilIndices = await indexCount(tenantIndexPattern(evil));
    const indicesAfter = await indexCount('sluice-logs-*');
    log(`[faults-tenants] ${evil}: ${evilIndices} indices; node: ${indicesBefore} -> ${indicesAfter}`);
    expect(evilIndices).toBeGreaterThan(0);
    expect(evilIndices).toBeLessThanOrEqual(32);
    expect(indicesAfter - indicesBefore).toBeLessThanOrEqual(34);

    // The large value is indexed, cut and flagged.
    const docs = await indexedDocs(tenantAlias(evil), ['event_id', 'message', 'flags', 'fields']);
    const bigDoc = docs.find((d) => JSON.stringify(d.source).includes(big!));
    expect(bigDoc?.source['flags']).toContain('value_cut');

    // Its index of today deleted mid-run (the stage's ensure cache is warm), then a late event:
    // the index is made again with its alias, and the event is searchable there.
    const today = logIndex(evil, 'daily', new Date().toISOString()).index;
    expect((await os(`/${today}`, { method: 'DELETE' })).status).toBe(200);
    const [late] = await send(evil, evilToken, (m) => `${new Date().toISOString()} INFO late ${m}`, 1);
    await waitFor('the late event searchable in the alias', 120_000, async () => {
      const found = await indexedDocs(tenantAlias(evil), ['event_id', 'message']);
      return found.some((d) => String(d.source['message']).includes(late!)) ? true : undefined;
    }, 1_000);
  });
});
