/**
 * The load run's workload and its ceiling: the request bodies the load generator sends, and the
 * raw `_bulk` rate of the same OpenSearch node for the same documents (what the process stage would
 * send for these events, recorded from a run of the stage against a sink that keeps the bodies,
 * regrouped into 5 MB bodies and posted one after another: the method of `npm run bench`'s raw
 * `_bulk` figure in bench/process.ts).
 */
import { randomUUID } from 'node:crypto';
import type { MSKEvent } from 'aws-lambda';
import type { RawEnvelope } from '../shared/envelope/types.ts';
import { toMskEvent } from '../shared/msk.ts';
import { runStage } from '../shared/process/stage.ts';
import type { StageDeps } from '../shared/process/ports.ts';
import type { SearchSink } from '../shared/index/ports.ts';
import { resolvePlan } from '../shared/tenants/plans.ts';
import { memoryDeps, nullSearch } from '../test/support/memory.ts';
import { regroup } from './harness.ts';

const LEVELS = ['info', 'info', 'info', 'debug', 'warn', 'error'];
const PATHS = ['/api/orders', '/api/users/42', '/health', '/api/cart/checkout', '/static/app.js'];

/** `n` events from `seq` on: two JSON lines to one access-log line, ~150-200 bytes each. */
export function lines(n: number, seq: number): string[] {
  const out: string[] = new Array(n);
  const now = new Date();
  for (let i = 0; i < n; i++) {
    const k = seq + i;
    out[i] =
      i % 3 === 2
        ? `127.0.0.${k % 250} - - [${now.toUTCString()}] "GET ${PATHS[k % PATHS.length]} HTTP/1.1" ${k % 17 === 0 ? 500 : 200} ${k % 9000}`
        : JSON.stringify({ ts: now.toISOString(), level: LEVELS[k % LEVELS.length], msg: `request ${k % 997} handled in ${k % 300} ms`, user: `u${k % 5000}`, path: PATHS[k % PATHS.length] });
  }
  return out;
}

const ctx = { getRemainingTimeInMillis: () => 900_000 };
const plan = resolvePlan('enterprise');

function envelopes(tenant: string, n: number): RawEnvelope[] {
  const iso = new Date().toISOString();
  return lines(n, 0).map((raw) => ({ v: 1, tenant, id: randomUUID(), receivedAt: iso, tags: [], raw, truncated: false, originalBytes: Buffer.byteLength(raw), requestId: 'load' }));
}

function eventOf(envs: RawEnvelope[]): MSKEvent {
  return toMskEvent(envs.map((e, i) => ({ topic: 'logs.raw', partition: i % 6, offset: i, key: e.tenant, value: JSON.stringify(e) })));
}

/** The log-index bulk bodies the stage sends for `n` events of `tenant`, regrouped into bodies of at most 5 MB. */
export async function recordedBodies(tenant: string, n: number): Promise<Buffer[]> {
  const recorded: Buffer[] = [];
  const recorder: SearchSink = { ...nullSearch, bulk: async (body) => (recorded.push(Buffer.from(body)), nullSearch.bulk(body, 0)) };
  const { d } = memoryDeps({ search: recorder });
  delete d.indexPrefix; // the configured prefix: the same index templates as the pipeline's documents
  const deps: StageDeps = { ...d, plans: { planFor: async () => plan } };
  const envs = envelopes(tenant, n);
  for (let i = 0; i < envs.length; i += 10_000) await runStage(eventOf(envs.slice(i, i + 10_000)), ctx, deps, 'process');
  const logs = recorded.filter((b) => b.includes('"_index":"sluice-logs-'));
  return regroup(logs);
}

export interface RawCeiling {
  docsPerSecond: number;
  docs: number;
  bodies: number;
}

/** Posts the recorded bodies one after another to `url`'s `_bulk`; docs/s by wall time. */
export async function rawBulk(url: string, bodies: readonly Buffer[], docs: number): Promise<RawCeiling> {
  const t0 = performance.now();
  for (const b of bodies) {
    const res = await fetch(`${url}/_bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: new Uint8Array(b.buffer, b.byteOffset, b.length) });
    const text = await res.text();
    if (!res.ok) throw new Error(`raw _bulk answered ${res.status}: ${text.slice(0, 200)}`);
  }
  const secs = (performance.now() - t0) / 1000;
  return { docsPerSecond: Math.round(docs / secs), docs, bodies: bodies.length };
}
