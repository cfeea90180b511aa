/**
 * `npm run bench:load [-- --minutes 10] [--json]`: a sustained load run against the whole local
 * pipeline, not part of CI. Each part of the pipeline runs in its own Node process
 * (bench/load-part.ts: ingest URL; process/deferred/drain pollers; archive schedule), so that the
 * run can tell their CPU time and memory apart; this process is the load generator.
 *
 *  0. Ceiling: the raw `_bulk` rate of the same OpenSearch node for the documents the stage makes of
 *     this workload (bench/load-raw.ts), before the ramp and again after the run; the mean is the
 *     run's `raw_bulk_docs_per_s`.
 *  1. Ramp: after one untimed step of warm-up, start at --rate events/s and raise it by --step
 *     every --step-s seconds while the pipeline holds it: the clients achieve the rate, and process
 *     keeps up (the process consumer group's lag on logs.raw does not grow). A step that does not
 *     hold is tried once more once the backlog drains (one spell of a shared machine does not end
 *     the ramp); at the second failure of a rate, go back to the last rate that did (when the first
 *     does not, step down until one does).
 *  2. Hold that rate; `sustained_events_per_s` is what went all the way through over the hold: the
 *     events accepted less the growth of process's lag, if it grew. CPU seconds per million events of every process
 *     (the three parts, this load generator, and each local service, found by its listening port:
 *     bench/load-procs.ts) over the hold.
 *  3. Half rate for the last --half-share of the run: POST to searchable p50/p99 there (sampled
 *     events polled in OpenSearch by id), sampled once a backlog the hold left has drained.
 *  4. Memory: each part's RSS sampled every 5 s; `node_rss_second_half_change` is the change of the
 *     pipeline's Node processes' peak RSS (each part's peak, summed) from the first to the second
 *     half of the second half of the time after the ramp (8 minutes: two 2-minute spans).
 *
 * The last line of stdout is one JSON object (with --json) or the table. Every loop is bounded by
 * the run's end time; everything is on 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as services from '../local/services/index.ts';
import { bootstrap } from '../local/bootstrap.ts';
import { DynamoTenantStore } from '../shared/adapters/tenant-store.ts';
import { TopicReader } from '../shared/adapters/kafka-consumer.ts';
import { idempotentIds } from '../shared/ingest/ids.ts';
import { tenantAlias, tenantIndexPattern } from '../shared/index/naming.ts';
import * as config from '../shared/config.ts';
import { cpuPerMillion, cpuSnapshot, rssMiB, servicePids } from './load-procs.ts';
import { costPerTb } from './load-cost.ts';
import { lines, rawBulk, recordedBodies, type RawCeiling } from './load-raw.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '4000' },
    step: { type: 'string', default: '1.15' },
    'step-s': { type: 'string', default: '20' },
    batch: { type: 'string', default: '500' },
    clients: { type: 'string', default: '8' },
    'archive-every-s': { type: 'string', default: '60' },
    'half-share': { type: 'string', default: '0.2' },
    'raw-docs': { type: 'string', default: '60000' },
    json: { type: 'boolean', default: false },
    /** Write a V8 CPU profile of the process part into this directory (node --cpu-prof). */
    'cpu-prof': { type: 'string' },
  },
});

const MINUTES = Number(values.minutes);
const BATCH = Number(values.batch);
const CLIENTS = Number(values.clients);
const STEP_MS = Number(values['step-s']) * 1000;
const STEP = Number(values.step);
const HALF_SHARE = Number(values['half-share']);
const RAW_DOCS = Number(values['raw-docs']);
if (!(MINUTES > 0) || !(BATCH > 0) || !(CLIENTS > 0) || !(STEP_MS > 0) || !(STEP > 1) || !(HALF_SHARE > 0 && HALF_SHARE < 0.5) || !(RAW_DOCS >= 1000)) throw new Error('bad arguments');

process.env.LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const say = (m: string) => process.stderr.write(`${m}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const HERE = dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------------------------------------
// the pipeline's parts, each in its own process

type Role = 'ingest' | 'process' | 'archive';
interface Part {
  role: Role;
  child: ChildProcess;
  pid: number;
  url: string;
  /** Last process.memoryUsage() the part reported (bytes). */
  mem?: NodeJS.MemoryUsage;
}

function startPart(role: Role): Promise<Part> {
  const prof = role === 'process' && values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values['cpu-prof']] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', join(HERE, 'load-part.ts'), '--role', role, '--archive-every-s', String(values['archive-every-s'])], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: process.env,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${role} part did not start in 120 s`)), 120_000);
    child.once('exit', (code) => reject(new Error(`the ${role} part exited (${code}) before it was up`)));
    let part: Part | undefined;
    createInterface({ input: child.stdout! }).on('line', (l) => {
      let msg: { ready?: boolean; url?: string; pid?: number; mem?: NodeJS.MemoryUsage };
      try {
        msg = JSON.parse(l) as typeof msg;
      } catch {
        return;
      }
      if (msg.ready && !part) {
        clearTimeout(timer);
        part = { role, child, pid: child.pid!, url: msg.url ?? '' };
        resolve(part);
      } else if (msg.mem && part) part.mem = msg.mem;
    });
  });
}

async function stopPart(p: Part): Promise<void> {
  const exited = new Promise<void>((r) => (p.child.exitCode !== null ? r() : p.child.once('exit', () => r())));
  p.child.stdin?.end();
  const t = setTimeout(() => p.child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(t);
}

// ---------------------------------------------------------------------------------------------

interface Sample {
  id: string;
  sentAt: number;
  searchableAt?: number;
  phase: 'ramp' | 'hold' | 'drain' | 'half';
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const MiB = (b: number | undefined) => (b === undefined ? null : Math.round(b / 2 ** 20));

/** Deletes a tenant's dedicated indices (the load and ceiling tenants are enterprise: their own indices). */
async function deleteIndices(tenant: string): Promise<void> {
  await fetch(`${config.opensearch().url}/${tenantIndexPattern(tenant)}`, { method: 'DELETE' }).then((r) => r.text()).catch(() => undefined);
}

async function deleteTopics(topics: string[]): Promise<void> {
  const { Admin } = await import('@platformatic/kafka');
  const { clientOptions } = await import('../shared/adapters/kafka.ts');
  const admin = new Admin(clientOptions('sluice-load-cleanup'));
  try {
    await admin.deleteTopics({ topics });
  } catch (err) {
    say(`[load] could not delete ${topics.join(', ')}: ${(err as Error).message}`);
  } finally {
    await admin.close().catch(() => undefined);
  }
}

/** Raw `_bulk` of `RAW_DOCS` fresh documents to the configured node; the index is deleted after. */
async function ceiling(tag: string): Promise<RawCeiling> {
  const tenant = `loadraw-${tag}`;
  const bodies = await recordedBodies(tenant, RAW_DOCS);
  const url = config.opensearch().url;
  try {
    return await rawBulk(url, bodies, RAW_DOCS);
  } finally {
    await deleteIndices(tenant);
  }
}

async function main(): Promise<void> {
  const t00 = Date.now();
  say(`[load] services and bootstrap ...`);
  await services.ensureUp();
  const runTag = randomBytes(4).toString('hex');
  // Run-unique logs.raw and logs.deferred (the parts inherit them): no backlog of an earlier run or
  // of anyone else's traffic is in this run's figures. Bootstrap creates them; deleted at the end.
  process.env.SLUICE_TOPIC_RAW = `logs.raw.load-${runTag}`;
  process.env.SLUICE_TOPIC_DEFERRED = `logs.deferred.load-${runTag}`;
  await bootstrap();
  say(`[load] raw _bulk ceiling (${RAW_DOCS} docs, after an untimed round that warms the node) ...`);
  await ceiling(`${runTag}w`);
  const raw0 = await ceiling(`${runTag}a`);
  say(`[load] raw _bulk: ${raw0.docsPerSecond} docs/s`);
  const parts = await Promise.all((['ingest', 'process', 'archive'] as const).map(startPart));
  const [ingestPart] = parts;
  const url = ingestPart!.url;
  const partsUpAt = Date.now();
  const runEnd = Date.now() + MINUTES * 60_000;
  const tenant = `load-${runTag}`;
  const token = (await new DynamoTenantStore().addTenant(tenant, 'enterprise')).token;
  say(`[load] tenant ${tenant} (enterprise plan: no budget limits at these rates); ${MINUTES} min; parts up in ${((Date.now() - t00) / 1000).toFixed(1)} s`);

  const pids = new Map<string, number>([...parts.map((p) => [`node ${p.role}`, p.pid] as const), ['node load generator', process.pid]]);
  for (const [name, pid] of servicePids()) pids.set(name === 's3' ? 's3 (MinIO)' : name, pid);
  const rssSeries: { at: number; rss: Record<string, number | null>; heap: Record<string, number | null> }[] = [];
  const rssTimer = setInterval(() => {
    const rss: Record<string, number | null> = {};
    const heap: Record<string, number | null> = {};
    for (const p of parts) {
      rss[p.role] = Math.round(rssMiB(p.pid) ?? NaN);
      heap[p.role] = MiB(p.mem?.heapUsed);
      heap[`${p.role} external+arrayBuffers`] = MiB(p.mem ? p.mem.external + p.mem.arrayBuffers : undefined);
    }
    rssSeries.push({ at: Date.now(), rss, heap });
  }, 5_000);

  const lagReader = new TopicReader({ topic: config.topics().raw, groupId: `sluice-process-${config.stage()}` });
  const lag = async () => (await lagReader.positions()).reduce((n, x) => n + Number(x.latest - x.start), 0);
  // The least of three readings a second apart: the records of invocations in flight (up to a batch
  // per partition) count as lag until committed, so a single reading swings by that much.
  const settledLag = async () => {
    let least = await lag();
    for (let i = 0; i < 2; i++) {
      await sleep(1_000);
      least = Math.min(least, await lag());
    }
    return least;
  };
  /** Waits (bounded) until the settled lag is below `limit`; the seconds it took. */
  const drainBelow = async (limit: number, until: number) => {
    const t = Date.now();
    while (Date.now() < until && (await settledLag()) > limit) await sleep(1_000);
    return Math.round((Date.now() - t) / 1000);
  };

  let rate = Number(values.rate);
  let phase: Sample['phase'] = 'ramp';
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
    const sample = Date.now() - lastSampleAt >= 250;
    const sentAt = Date.now();
    if (sample) lastSampleAt = sentAt;
    const samplePhase = phase;
    inFlight++;
    try {
      const res = await fetch(`${url}/v1/logs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson', 'idempotency-key': key },
        body: lines(BATCH, (seq += BATCH)).join('\n'),
        signal: AbortSignal.timeout(60_000),
      });
      await res.text();
      if (res.status === 202) {
        accepted += BATCH;
        // The first event's id follows from (tenant, Idempotency-Key, position 0).
        if (sample) samples.push({ id: idempotentIds(tenant, key).id(0), sentAt, phase: samplePhase });
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
      await sleep(100);
    }
  })();

  // Ramp, then hold, then half rate.
  const halfStart = runEnd - Math.max(30_000, MINUTES * 60_000 * HALF_SHARE);
  // Warm-up, not judged: the parts' first seconds pay for JIT and connections, and a first step
  // judged on them fails (the ramp then steps down and loses two steps).
  await sleep(STEP_MS);
  await drainBelow(rate, Date.now() + 60_000);
  const rampUntil = Date.now() + Math.min(Math.max(STEP_MS * 2, MINUTES * 60_000 * 0.35), (halfStart - Date.now()) / 2);
  let good = 0;
  /** The current rate failed once already (a second failure ends the ramp). */
  let retried = false;
  const steps: { rate: number; achieved: number; lagStart: number; lagEnd: number; holds: boolean }[] = [];
  while (phase === 'ramp' && Date.now() + STEP_MS <= rampUntil + STEP_MS / 2) {
    const a0 = accepted;
    const t0 = Date.now();
    const l0 = await settledLag();
    let lMax = l0;
    while (Date.now() - t0 < STEP_MS) {
      await sleep(2_000);
      lMax = Math.max(lMax, await lag());
    }
    const l1 = await settledLag();
    const achieved = ((accepted - a0) * 1000) / (Date.now() - t0);
    // Holds: the clients got the rate through ingest, and process did not fall behind by more than
    // a second of input over the step (settled readings: what is in flight does not count).
    const holds = achieved >= rate * 0.95 && l1 - l0 < rate && lMax < rate * 6;
    steps.push({ rate: Math.round(rate), achieved: Math.round(achieved), lagStart: l0, lagEnd: l1, holds });
    say(`[load] ramp: target ${Math.round(rate)}/s achieved ${Math.round(achieved)}/s, lag ${l0} -> ${l1} (max ${lMax}): ${holds ? 'holds' : 'does not hold'}`);
    if (holds) {
      good = rate;
      rate *= STEP;
      retried = false;
    } else if (good > 0 && !retried) {
      // One failed step may be a spell of the machine (the local archive's scheduled run, a merge on
      // the search node) rather than the limit: the same rate once more, after the backlog drains.
      retried = true;
      say(`[load] ramp: ${Math.round(rate)}/s once more, once the lag is below ${Math.round(good)} (sending ${Math.round(good)}/s meanwhile)`);
      const again = rate;
      rate = good;
      await drainBelow(good, Math.min(Date.now() + 60_000, halfStart - 60_000));
      rate = again;
    } else if (good > 0) {
      rate = good;
      phase = 'hold';
    } else {
      // Not even the first rate held: one step down, and try that (the backlog drains first).
      rate /= STEP;
      await drainBelow(rate, Math.min(Date.now() + 120_000, halfStart - 60_000));
    }
  }
  if (good > 0) rate = Math.min(rate, good);
  phase = 'hold';
  const rampEnd = Date.now();
  // Let a backlog left by a failed step drain before measuring (bounded).
  await drainBelow(rate * 2, Math.min(Date.now() + 120_000, halfStart - 60_000));
  let holdLag0 = await settledLag();
  let holdStart = Date.now();
  let holdAccepted0 = accepted;
  let cpu0 = cpuSnapshot(pids);
  say(`[load] holding ${Math.round(rate)} events/s for ${Math.round((halfStart - Date.now()) / 1000)} s`);
  let lagSeries: number[] = [];
  let stepDowns = 0;
  while (Date.now() < halfStart) {
    await sleep(Math.min(10_000, Math.max(0, halfStart - Date.now())));
    const l = await lag();
    lagSeries.push(l);
    say(`[load] hold: ${Math.round(((accepted - holdAccepted0) * 1000) / (Date.now() - holdStart))}/s accepted, lag ${l}, failed requests ${failed}`);
    // Still falling behind after 30 s (three readings, each higher, above 4 s of input): one step
    // down, and the hold is measured again from here (so the figures are of a rate that held).
    const last = lagSeries.slice(-3);
    if (last.length === 3 && last[0]! < last[1]! && last[1]! < last[2]! && last[2]! > rate * 4 && halfStart - Date.now() > 60_000) {
      rate /= STEP;
      stepDowns++;
      say(`[load] lag keeps growing: down to ${Math.round(rate)} events/s; the hold restarts once the backlog is gone`);
      await drainBelow(rate * 2, halfStart - 60_000);
      holdLag0 = await settledLag();
      holdStart = Date.now();
      holdAccepted0 = accepted;
      cpu0 = cpuSnapshot(pids);
      lagSeries = [];
      for (const s of samples) if (s.phase === 'hold' && s.sentAt < holdStart) s.phase = 'ramp';
    }
  }
  const holdLagEnd = await settledLag();
  const holdEnd = Date.now();
  const cpu1 = cpuSnapshot(pids);
  const holdAccepted = accepted - holdAccepted0;
  // What went all the way through: accepted over the hold, less what process fell behind by (a
  // backlog that grew was accepted but not indexed at that rate).
  const sustained = ((holdAccepted - Math.max(0, holdLagEnd - holdLag0)) * 1000) / (holdEnd - holdStart);

  // Half rate: freshness, once a backlog the hold left is gone (sampled from then on only: an
  // event that queued behind the backlog measures the backlog, not the pipeline).
  rate = sustained / 2;
  phase = 'drain';
  say(`[load] half rate: ${Math.round(rate)} events/s; waiting for the backlog (lag ${await lag()}) to drain`);
  const backlogDrainS = await drainBelow(rate * 2, runEnd - 30_000);
  phase = 'half';
  const half0 = accepted;
  const halfT0 = Date.now();
  say(`[load] half rate: ${Math.round(rate)} events/s, measured for ${Math.round((runEnd - halfT0) / 1000)} s (after ${backlogDrainS} s of backlog drain)`);
  while (Date.now() < runEnd) await sleep(Math.min(1_000, Math.max(0, runEnd - Date.now())));
  const halfRate = ((accepted - half0) * 1000) / (Date.now() - halfT0);
  stopSending = true;
  await sender;
  for (let i = 0; i < 600 && inFlight > 0; i++) await sleep(100);
  await poller;
  clearInterval(rssTimer);
  const lastRss = rssSeries.at(-1);

  for (let i = 0; i < 30 && (await lag()) > 0; i++) await sleep(2_000);
  await Promise.all(parts.map(stopPart));
  await lagReader.close();
  say(`[load] raw _bulk ceiling again ...`);
  const raw1 = await ceiling(`${runTag}b`);
  await deleteIndices(tenant);
  await deleteTopics([config.topics().raw, config.topics().deferred]);
  const rawMean = Math.round((raw0.docsPerSecond + raw1.docsPerSecond) / 2);

  // Memory: the pipeline's Node processes (all three parts) over the second half of the time after
  // the ramp, as the peak RSS of each part in the first and in the second half of that span (summed
  // over the parts). Peaks, not two single readings: the archive part's RSS is a sawtooth that
  // follows its schedule (it holds a run's events while it writes them out), so a reading depends on
  // where in the cycle it falls; a part that holds on to memory raises its peaks.
  const mid = rampEnd + (runEnd - rampEnd) / 2;
  const q3 = mid + (runEnd - mid) / 2;
  const peak = (role: string, from: number, to: number) => Math.max(...rssSeries.filter((e) => e.at >= from && e.at < to).map((e) => e.rss[role] ?? NaN));
  const peaks = parts.map((p) => ({ role: p.role, first: peak(p.role, mid, q3), second: peak(p.role, q3, runEnd + 1) }));
  const rssMid = peaks.reduce((n, x) => n + x.first, 0);
  const rssEnd = peaks.reduce((n, x) => n + x.second, 0);
  const atMid = rssSeries.find((e) => e.at >= mid);
  const perPartChange = Object.fromEntries(peaks.map((x) => [x.role, round3((x.second - x.first) / x.first)]));

  const latOf = (ph: Sample['phase']) => samples.filter((s) => s.phase === ph && s.searchableAt !== undefined).map((s) => s.searchableAt! - s.sentAt).sort((a, b) => a - b);
  // The slowest samples, with when they were sent (s after the parts were up): a stall shows as a cluster.
  const worstOf = (ph: Sample['phase']) =>
    samples.filter((s) => s.phase === ph && s.searchableAt !== undefined).sort((a, b) => b.searchableAt! - b.sentAt - (a.searchableAt! - a.sentAt)).slice(0, 5).map((s) => ({ ms: s.searchableAt! - s.sentAt, sent_s: Math.round((s.sentAt - partsUpAt) / 1000) }));
  const holdLat = latOf('hold');
  const halfLat = latOf('half');
  const cpm = cpuPerMillion(cpu0, cpu1, holdAccepted);
  const perEvent = (k: string) => (cpm[k] == null ? undefined : cpm[k]! / 1e6);
  const cost = costPerTb(
    { ingest: perEvent('node ingest'), process: perEvent('node process'), archive: perEvent('node archive') },
    { cpu: 'CPU time of each part\'s process over the hold (this run, the local pipeline; the ingest part includes the local gateway\'s HTTP server)' },
  );
  const c = cpus();
  const report = {
    machine: { cpu: c[0]?.model ?? 'unknown', cores: c.length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
    minutes: MINUTES,
    batch_events: BATCH,
    clients: CLIENTS,
    sustained_events_per_s: Math.round(sustained),
    raw_bulk_docs_per_s: rawMean,
    sustained_over_raw_bulk: round3(sustained / rawMean),
    half_rate: { worst: worstOf('half'), backlog_drain_s: backlogDrainS, events_per_s: Math.round(halfRate), p50_ms: percentile(halfLat, 50), p99_ms: percentile(halfLat, 99), max_ms: halfLat.at(-1) ?? null, samples: halfLat.length, not_found: samples.filter((s) => s.phase === 'half' && s.searchableAt === undefined).length },
    node_rss_second_half_change: round3((rssEnd - rssMid) / rssMid),
    cpu_s_per_million_events: cpm,
    compute_usd_per_tb: cost.compute_usd_per_tb,
    hold: {
      seconds: Math.round((holdEnd - holdStart) / 1000),
      events: holdAccepted,
      step_downs: stepDowns,
      failed_requests: failed,
      lag_start: holdLag0,
      lag_end: holdLagEnd,
      lag_max: Math.max(holdLag0, ...lagSeries),
      searchable: { p50_ms: percentile(holdLat, 50), p99_ms: percentile(holdLat, 99), samples: holdLat.length },
    },
    raw_bulk: { before: raw0, after: raw1 },
    ramp: steps,
    memory_mib: { pipeline_second_half_peaks: { first: Math.round(rssMid), second: Math.round(rssEnd) }, change_per_part: perPartChange, first: rssSeries[0] ?? null, mid: atMid ?? null, last: lastRss ?? null },
  };
  if (values.json) process.stdout.write(JSON.stringify(report) + '\n');
  else {
    const h = report.hold;
    process.stdout.write(
      [
        `machine        ${report.machine.cores} cores, ${report.machine.cpu}, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}`,
        `held           ${report.sustained_events_per_s} events/s for ${h.seconds} s (${h.events} events, ${BATCH}-event NDJSON requests, ${CLIENTS} clients max; ${h.failed_requests} failed requests)`,
        `raw _bulk      ${rawMean} docs/s (before ${raw0.docsPerSecond}, after ${raw1.docsPerSecond}): held / raw = ${report.sustained_over_raw_bulk}`,
        `process lag    ${h.lag_start} at the start of the hold, ${h.lag_end} at the end, ${h.lag_max} at most`,
        `POST->search   at the held rate p50 ${h.searchable.p50_ms} ms, p99 ${h.searchable.p99_ms} ms; at half rate (${report.half_rate.events_per_s}/s) p50 ${report.half_rate.p50_ms} ms, p99 ${report.half_rate.p99_ms} ms`,
        `memory         pipeline peak RSS ${Math.round(rssMid)} -> ${Math.round(rssEnd)} MiB over the two halves of the second half (${report.node_rss_second_half_change})`,
        'CPU s per million events',
        ...Object.entries(report.cpu_s_per_million_events).map(([k, v]) => `  ${k.padEnd(22)} ${String(v).padStart(8)}`),
        '',
      ].join('\n'),
    );
  }
  process.exit(0);
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:load failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
