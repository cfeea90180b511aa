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

/** The indices the bodies' action lines name. */
function indicesOf(bodies: readonly Buffer[]): string[] {
  const names = new Set<string>();
  for (const b of bodies) for (const m of b.toString('utf8').matchAll(/\{"index":\{"_index":"([^"]+)"/g)) names.add(m[1]!);
  return [...names];
}

/**
 * Posts the recorded bodies one after another to `url`'s `_bulk`; docs/s by wall time. The indices
 * are made first, as the stage makes them (the node refuses to auto-create log indices: a `_bulk`
 * into a missing one answers 200 with every item a 404, which is no ceiling at all), and every
 * item must be stored: a body with an item error throws.
 */
export async function rawBulk(url: string, bodies: readonly Buffer[], docs: number): Promise<RawCeiling> {
  for (const index of indicesOf(bodies)) {
    const res = await fetch(`${url}/${index}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
    const text = await res.text();
    if (!res.ok && !text.includes('resource_already_exists_exception')) throw new Error(`raw _bulk: could not make ${index}: ${res.status} ${text.slice(0, 200)}`);
  }
  let stored = 0;
  const t0 = performance.now();
  for (const b of bodies) {
    const res = await fetch(`${url}/_bulk?filter_path=errors,items.*.status`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: new Uint8Array(b.buffer, b.byteOffset, b.length) });
    const text = await res.text();
    if (!res.ok) throw new Error(`raw _bulk answered ${res.status}: ${text.slice(0, 200)}`);
    const answer = JSON.parse(text) as { errors: boolean; items: Record<string, { status: number }>[] };
    if (answer.errors) throw new Error(`raw _bulk: items refused (${text.slice(0, 300)})`);
    stored += answer.items.length;
  }
  const secs = (performance.now() - t0) / 1000;
  if (stored !== docs) throw new Error(`raw _bulk stored ${stored} of ${docs} documents`);
  return { docsPerSecond: Math.round(docs / secs), docs, bodies: bodies.length };
}
