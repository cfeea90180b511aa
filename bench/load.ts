/**
 * `npm run bench:load [-- --minutes 10] [--json]`: a sustained load run against the whole local
 * pipeline (local/pipeline.ts: ingest URL on loopback, process/deferred/drain pollers, archive
 * schedule), not part of CI.
 *
 *  1. Ramp: start at --rate events/s and raise it by --step (x1.25) every --step-s seconds while the
 *     pipeline holds it: the clients achieve the rate, and process keeps up (the process consumer
 *     group's lag on logs.raw does not grow). At the first step that does not hold, go back to the
 *     last rate that did.
 *  2. Hold that rate for the rest of the run.
 *  3. Report, for the hold phase: events/s accepted, p50/p99 from POST to searchable (sampled events
 *     polled in OpenSearch by id), the lag, and each process's memory (this Node process and every
 *     local service, RSS from /proc) at start and end.
 *
 * Every loop is bounded by the run's end time; everything is on 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { startPipeline, type Pipeline } from '../local/pipeline.ts';
import * as services from '../local/services/index.ts';
import { pidFile } from '../local/services/config.ts';
import { DynamoTenantStore } from '../shared/adapters/tenant-store.ts';
import { TopicReader } from '../shared/adapters/kafka-consumer.ts';
import { idempotentIds } from '../shared/ingest/ids.ts';
import { tenantAlias } from '../shared/index/naming.ts';
import * as config from '../shared/config.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '2000' },
    step: { type: 'string', default: '1.25' },
    'step-s': { type: 'string', default: '30' },
    batch: { type: 'string', default: '500' },
    clients: { type: 'string', default: '8' },
    'archive-every-s': { type: 'string', default: '60' },
    json: { type: 'boolean', default: false },
  },
});

const MINUTES = Number(values.minutes);
const BATCH = Number(values.batch);
const CLIENTS = Number(values.clients);
const STEP_MS = Number(values['step-s']) * 1000;
const STEP = Number(values.step);
if (!(MINUTES > 0) || !(BATCH > 0) || !(CLIENTS > 0) || !(STEP_MS > 0) || !(STEP > 1)) throw new Error('bad arguments');

process.env.LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const say = (m: string) => process.stderr.write(`${m}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// memory

function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/** RSS of this process and of each local service (its recorded process and that process's children). */
function memory(): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = { 'node (ingest+process+deferred+drain+archive)': Math.round(process.memoryUsage().rss / 2 ** 20) };
  for (const name of services.SERVICES) {
    try {
      const { pid } = JSON.parse(readFileSync(pidFile(name), 'utf8')) as { pid: number };
      let total = rssMiB(pid);
      // kinesalite and MinIO may run under a wrapper: add direct children.
      try {
        for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) total = (total ?? 0) + (rssMiB(Number(child)) ?? 0);
      } catch {
        /* no children file */
      }
      out[name] = total;
    } catch {
      out[name] = undefined; // not started by these scripts: no pid to look at
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// workload

const LEVELS = ['info', 'info', 'info', 'debug', 'warn', 'error'];
const PATHS = ['/api/orders', '/api/users/42', '/health', '/api/cart/checkout', '/static/app.js'];

function body(n: number, seq: number): string {
  const lines: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const k = seq + i;
    lines[i] =
      i % 3 === 2
        ? `127.0.0.${k % 250} - - [${new Date().toUTCString()}] "GET ${PATHS[k % PATHS.length]} HTTP/1.1" ${k % 17 === 0 ? 500 : 200} ${k % 9000}`
        : JSON.stringify({ ts: new Date().toISOString(), level: LEVELS[k % LEVELS.length], msg: `request ${k % 997} handled in ${k % 300} ms`, user: `u${k % 5000}`, path: PATHS[k % PATHS.length] });
  }
  return lines.join('\n');
}

interface Sample {
  id: string;
  sentAt: number;
  searchableAt?: number;
  phase: 'ramp' | 'hold';
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

async function main(): Promise<void> {
  const runEnd = Date.now() + MINUTES * 60_000;
  const memStart0 = Date.now();
  say(`[load] starting the pipeline (services, bootstrap) ...`);
  const p: Pipeline = await startPipeline({ httpPort: 0, archiveEveryMs: Number(values['archive-every-s']) * 1000, demoTenant: false, log: say });
  const tenant = `load-${randomBytes(3).toString('hex')}`;
  const token = (await new DynamoTenantStore().addTenant(tenant, 'enterprise')).token;
  const runTag = randomBytes(4).toString('hex');
  const memStart = memory();
  say(`[load] tenant ${tenant} (enterprise plan: no budget limits at these rates); ${MINUTES} min; pipeline up in ${((Date.now() - memStart0) / 1000).toFixed(1)} s`);

  const lagReader = new TopicReader({ topic: config.topics().raw, groupId: `sluice-process-${config.stage()}` });
  const lag = async () => (await lagReader.positions()).reduce((n, x) => n + Number(x.latest - x.start), 0);

  let rate = Number(values.rate);
  let phase: 'ramp' | 'hold' = 'ramp';
  let accepted = 0;
  let failed = 0;
  let inFlight = 0;
  let seq = 0;
  let req = 0;
  const samples: Sample[] = [];
  let lastSampleAt = 0;

  // The senders: a request of BATCH events every BATCH/rate seconds, at most CLIENTS in flight.
  const send = async () => {
    const r = req++;
    const key = `${runTag}-${r}`;
    const sample = Date.now() - lastSampleAt >= 500;
    const sentAt = Date.now();
    if (sample) lastSampleAt = sentAt;
    inFlight++;
    try {
      const res = await fetch(`${p.url}/v1/logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson', 'idempotency-key': key },
        body: body(BATCH, (seq += BATCH)),
        signal: AbortSignal.timeout(60_000),
      });
      await res.text();
      if (res.status === 202) {
        accepted += BATCH;
        // The first event's id follows from (tenant, Idempotency-Key, position 0).
        if (sample) samples.push({ id: idempotentIds(tenant, key).id(0), sentAt, phase });
      } else failed++;
    } catch {
      failed++;
    } finally {
      inFlight--;
    }
  };
  let stopSending = false;
  const sender = (async () => {
    let next = Date.now();
    while (!stopSending && Date.now() < runEnd) {
      const gap = (BATCH / rate) * 1000;
      if (inFlight < CLIENTS) {
        void send();
        next += gap;
      } else {
        next = Math.max(next, Date.now()); // saturated: the client falls behind; the step will not hold
      }
      const wait = next - Date.now();
      await sleep(Math.max(wait > 0 ? wait : 0, inFlight >= CLIENTS ? 5 : 0));
    }
  })();

  // Searchability: poll the pending samples by id.
  const alias = tenantAlias(tenant);
  const poller = (async () => {
    while (Date.now() < runEnd + 120_000) {
      const pending = samples.filter((s) => s.searchableAt === undefined);
      if (stopSending && pending.length === 0) break;
      if (pending.length > 0) {
        try {
          const res = await fetch(`${config.opensearch().url}/${alias}/_search?ignore_unavailable=true&allow_no_indices=true`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ size: pending.length, _source: false, query: { ids: { values: pending.map((s) => s.id) } } }),
          });
          if (res.ok) {
            const now = Date.now();
            const found = new Set(((await res.json()) as { hits: { hits: { _id: string }[] } }).hits.hits.map((h) => h._id));
            for (const s of pending) if (found.has(s.id)) s.searchableAt = now;
          } else await res.text();
        } catch {
          /* OpenSearch busy: try again */
        }
      }
      await sleep(200);
    }
  })();

  // Ramp, then hold.
  const rampUntil = Date.now() + Math.max(STEP_MS * 2, MINUTES * 60_000 * 0.4);
  let good = 0;
  let holdStart = Date.now();
  let holdAccepted0 = 0;
  let holdLag0 = 0;
  const steps: { rate: number; achieved: number; lagStart: number; lagEnd: number; holds: boolean }[] = [];
  while (phase === 'ramp' && Date.now() < rampUntil) {
    const a0 = accepted;
    const t0 = Date.now();
    const l0 = await lag();
    let lMax = l0;
    while (Date.now() - t0 < STEP_MS) {
      await sleep(2_000);
      lMax = Math.max(lMax, await lag());
    }
    const l1 = await lag();
    const achieved = ((accepted - a0) * 1000) / (Date.now() - t0);
    // Holds: the clients got the rate through ingest, and process did not fall behind by more than
    // a few seconds of input over the step (the 1 s batching window keeps some lag at any rate).
    const holds = achieved >= rate * 0.95 && l1 - l0 < rate * 2 && lMax < rate * 4;
    steps.push({ rate, achieved: Math.round(achieved), lagStart: l0, lagEnd: l1, holds });
    say(`[load] ramp: target ${Math.round(rate)}/s achieved ${Math.round(achieved)}/s, lag ${l0} -> ${l1} (max ${lMax}): ${holds ? 'holds' : 'does not hold'}`);
    if (holds) {
      good = rate;
      rate *= STEP;
    } else {
      rate = good > 0 ? good : rate / STEP;
      phase = 'hold';
    }
  }
  phase = 'hold';
  if (good > 0) rate = Math.min(rate, good);
  // Let a backlog left by a failed step drain before measuring (bounded).
  for (let i = 0; i < 30 && (await lag()) > rate * 3 && Date.now() < runEnd - 30_000; i++) await sleep(2_000);
  holdStart = Date.now();
  holdAccepted0 = accepted;
  holdLag0 = await lag();
  say(`[load] holding ${Math.round(rate)} events/s until the end (${Math.round((runEnd - Date.now()) / 1000)} s)`);
  let lagSeries: number[] = [];
  let stepDowns = 0;
  while (Date.now() < runEnd) {
    await sleep(Math.min(10_000, Math.max(0, runEnd - Date.now())));
    const l = await lag();
    lagSeries.push(l);
    say(`[load] hold: ${Math.round(((accepted - holdAccepted0) * 1000) / (Date.now() - holdStart))}/s accepted, lag ${l}, failed requests ${failed}`);
    // Still falling behind after 30 s (three readings, each higher, above 4 s of input): one step
    // down, and the hold is measured again from here (so the figures are of a rate that held).
    const last = lagSeries.slice(-3);
    if (last.length === 3 && last[0]! < last[1]! && last[1]! < last[2]! && last[2]! > rate * 4 && runEnd - Date.now() > 60_000) {
      rate /= STEP;
      stepDowns++;
      say(`[load] lag keeps growing: down to ${Math.round(rate)} events/s; the hold restarts once the backlog is gone`);
      for (let i = 0; i < 60 && (await lag()) > rate * 3 && Date.now() < runEnd - 60_000; i++) await sleep(2_000);
      holdStart = Date.now();
      holdAccepted0 = accepted;
      holdLag0 = await lag();
      lagSeries = [];
      for (const s of samples) if (s.phase === 'hold' && s.sentAt < holdStart) s.phase = 'ramp';
    }
  }
  const holdEnd = Date.now();
  const holdAccepted = accepted - holdAccepted0;
  const holdLagEnd = await lag();
  stopSending = true;
  await sender;
  for (let i = 0; i < 600 && inFlight > 0; i++) await sleep(100);
  await poller;
  const memEnd = memory();

  const lat = samples.filter((s) => s.phase === 'hold' && s.searchableAt !== undefined).map((s) => s.searchableAt! - s.sentAt).sort((a, b) => a - b);
  const notFound = samples.filter((s) => s.phase === 'hold' && s.searchableAt === undefined).length;
  const c = cpus();
  const report = {
    machine: { cpu: c[0]?.model ?? 'unknown', cores: c.length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    minutes: MINUTES,
    batchEvents: BATCH,
    clients: CLIENTS,
    ramp: steps,
    hold: {
      targetEventsPerSecond: Math.round(rate),
      stepDowns,
      seconds: Math.round((holdEnd - holdStart) / 1000),
      eventsPerSecond: Math.round((holdAccepted * 1000) / (holdEnd - holdStart)),
      events: holdAccepted,
      failedRequests: failed,
      lagStart: holdLag0,
      lagEnd: holdLagEnd,
      lagMax: Math.max(holdLag0, ...lagSeries),
      searchable: { samples: lat.length, notFound, p50Ms: percentile(lat, 50), p99Ms: percentile(lat, 99), maxMs: lat.at(-1) ?? NaN },
    },
    memoryMiB: { start: memStart, end: memEnd },
  };
  await lagReader.close();
  await p.stop({ finalArchive: false });
  if (values.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else {
    const h = report.hold;
    process.stdout.write(
      [
        `machine        ${report.machine.cores} cores, ${report.machine.cpu}, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}`,
        `held           ${h.eventsPerSecond} events/s for ${h.seconds} s (${h.events} events, ${BATCH}-event NDJSON requests, ${CLIENTS} clients max; ${h.failedRequests} failed requests)`,
        `process lag    ${h.lagStart} at the start of the hold, ${h.lagEnd} at the end, ${h.lagMax} at most`,
        `POST->search   p50 ${h.searchable.p50Ms} ms, p99 ${h.searchable.p99Ms} ms, max ${h.searchable.maxMs} ms (${h.searchable.samples} samples, ${h.searchable.notFound} not found)`,
        'memory (RSS, MiB)   start   end',
        ...Object.keys(memEnd).map((k) => `  ${k.padEnd(46)} ${String(memStart[k] ?? 'n/a').padStart(6)} ${String(memEnd[k] ?? 'n/a').padStart(6)}`),
        '',
      ].join('\n'),
    );
  }
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:load failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
