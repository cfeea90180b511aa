/**
 * PROCESS stage figures.
 *  1. CPU path without OpenSearch time: decode the MSK event, validate, classify, mine templates
 *     (in-memory state store), budget math, summaries, bulk bodies (the search port answers 201 for
 *     every item without a network hop, Kafka and DynamoDB ports are in memory). events/s per core,
 *     by this process's CPU time (user + system); its goal is a share of figure 3 (the old target of
 *     250,000 events/s per core was retired: the essential work alone is below it). Also without mining, to compare
 *     with figures from before templates were in the pipeline.
 *  2. (OpenSearch answering) indexing through the stage into the local OpenSearch vs a raw `_bulk`
 *     load of the same documents (recorded from the stage, regrouped into 5 MB bodies; same node,
 *     same run; after a warm-up, four rounds, each side going first in turn):
 *     ratio, target >= 0.8.
 *  3. The essential work alone (see `essentialWork`): the ceiling for figure 1 on this machine, by
 *     CPU time like figure 1, and figure 1 as a share of it (target >= 0.8).
 *  4. Peak RSS of one invocation on a 10,000-record, ~6 MB batch (a child process's high-water mark).
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { MSKEvent } from 'aws-lambda';
import { peakRssBytes, regroup, runBundled, throughput, type Bench, type BenchFigure } from './harness.ts';
import { toDocument } from '../shared/classify/index.ts';
import type { RawEnvelope } from '../shared/envelope/types.ts';
import { decodeMskEvent, toMskEvent } from '../shared/msk.ts';
import { logIndex } from '../shared/index/naming.ts';
import { runStage } from '../shared/process/stage.ts';
import type { StageDeps, TemplateMiners } from '../shared/process/ports.ts';
import type { SearchSink } from '../shared/index/ports.ts';
import { resolvePlan, type Plan } from '../shared/tenants/plans.ts';
import { TenantMiners } from '../shared/process/templates.ts';
import { StatsAcc, observe, toFieldStats, toStatusClasses } from '../shared/summary/stats.ts';
import { MemoryTemplateStore, memoryDeps, nullSearch } from '../test/support/memory.ts';

const LINES = [
  (i: number, t: string) => `{"timestamp":"${t}","level":"info","message":"request served ${i}","host":"api-${i % 7}","status":200,"ms":${i % 300},"path":"/v1/items/${i}"}`,
  (i: number, t: string) => `<134>1 ${t} web-${i % 5} nginx ${1000 + (i % 50)} - - GET /index.html?id=${i} HTTP/1.1 200 512`,
  (i: number, t: string) => `time=${t} level=warn msg="slow query" host=db-${i % 3} ms=${100 + (i % 900)} table=orders`,
  (i: number, t: string) => `${t} ERROR [worker-${i % 8}] com.example.Job - job ${i} failed: timeout after 30s`,
  (i: number, _t: string) => `127.0.0.1 - - [01/May/2025:12:00:00 +0000] "GET /a/${i} HTTP/1.1" 200 ${i % 5000} "-" "curl/8"`,
];

function envelopes(n: number, tenants: number, padTo = 0): RawEnvelope[] {
  const now = new Date();
  const iso = now.toISOString();
  return Array.from({ length: n }, (_, i) => {
    let raw = LINES[i % LINES.length]!(i, iso);
    if (padTo > raw.length) raw += ' ' + 'x'.repeat(padTo - raw.length - 1);
    return { v: 1, tenant: `bench-${i % tenants}`, id: randomUUID(), receivedAt: iso, tags: ['bench'], raw, truncated: false, originalBytes: raw.length, requestId: 'bench' };
  });
}

function eventOf(envs: RawEnvelope[], partitions = 6): MSKEvent {
  return toMskEvent(envs.map((e, i) => ({ topic: 'logs.raw', partition: i % partitions, offset: i, key: e.tenant, value: JSON.stringify(e) })));
}

const unlimited = resolvePlan('enterprise', { eventsBurst: 1e12, bytesBurst: 1e15, dailyBytes: 1e15, indexTier: 'shared' });

function memDeps(search: SearchSink = nullSearch, plan: Plan = unlimited): StageDeps {
  const { d } = memoryDeps({
    search, kafka: { produce: async () => undefined }, now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)), maxParkMs: 1000, random: Math.random,
  });
  // The configured index prefix (the ratio writes to the local node), one plan for every tenant.
  delete d.indexPrefix;
  return { ...d, plans: { planFor: async () => plan } };
}

const ctx = { getRemainingTimeInMillis: () => 900_000 };

/** A miner that learns nothing (for the figure without mining, comparable with the figures before issue 8). */
const noTemplates: TemplateMiners = { prepare: async () => undefined, add: () => '', matchOrAdd: () => '', persist: async () => undefined };

async function cpuThroughput(quick: boolean, mine = true): Promise<BenchFigure> {
  const n = 10_000;
  const pass = stagePass(benchEvent(n), mine);
  const minMs = quick ? 500 : 4000;
  for (let i = 0; i < (quick ? 1 : 3); i++) await pass();
  let iterations = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    await pass();
    iterations++;
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  const wallSecs = (performance.now() - t0) / 1000;
  // Per core = per second of this process's CPU time (user + system, GC threads included): on a
  // shared machine, wall time also counts the time spent waiting for a core.
  return {
    name: mine ? 'process, CPU path (decode+classify+mine+budget+summaries+bulk body)' : 'process, CPU path without template mining',
    value: Math.round((n * iterations) / cpuSecs),
    unit: 'events/s/core',
    detail: `${iterations} batches of ${n} mixed events, 50 tenants; ${Math.round((n * iterations) / wallSecs)} events/s by wall time`,
  };
}

/** The CPU path's batch: `n` mixed events of 50 tenants (the same for every figure of this file). */
export function benchEvent(n = 10_000): MSKEvent {
  return eventOf(envelopes(n, 50));
}

/** One pass of the stage over `event` with in-memory ports (`mine`: with template mining). */
export function stagePass(event: MSKEvent, mine = true): () => Promise<unknown> {
  const deps = mine ? memDeps() : { ...memDeps(), templates: noTemplates };
  return () => runStage(event, ctx, deps, 'process');
}

/** One pass of the essential work over `event` (see `essentialWork`; `mine`: with template mining). */
export function essentialPass(event: MSKEvent, mine = true): () => void {
  const miners = new TenantMiners(new MemoryTemplateStore());
  const out = Buffer.allocUnsafe(64 * 1024 * 1024);
  return () => {
    let at = 0;
    for (const m of decodeMskEvent(event)) {
      const env = JSON.parse(m.valueText()) as RawEnvelope;
      const doc = toDocument(env);
      if (mine) doc.template_id = miners.add(env.tenant, doc.message);
      at += out.write('{"index":{"_index":"i","_id":"' + env.id + '"}}\n', at);
      at += out.write(JSON.stringify(doc), at);
      out[at++] = 0x0a;
      if (at > out.length - 4 * 1024 * 1024) at = 0;
    }
  };
}

/**
 * The same batch through only the work no design of the stage can skip: base64 to text, JSON.parse
 * of the envelope, classification, template mining, JSON.stringify of the document and its UTF-8
 * write into a body (no validation, budget, summaries, grouping or bulk bookkeeping). It bounds
 * what the stage can reach on this machine, and shows what the stage's own bookkeeping costs.
 */
function essentialWork(quick: boolean): BenchFigure {
  const n = 10_000;
  const pass = essentialPass(benchEvent(n));
  // Per second of CPU time, as cpuThroughput measures the CPU path: the two figures are compared.
  const { perSecond, iterations } = throughput(pass, n, quick ? 500 : 3000, 'cpu');
  return {
    name: 'process, essential work only (the ceiling for the CPU path)',
    value: Math.round(perSecond),
    unit: 'events/s/core',
    detail: `${iterations} batches: decode, JSON.parse, classify, mine, JSON.stringify + write; nothing else`,
  };
}

/** The CPU path as a share of the essential work, both per CPU second of the same run. */
function cpuPathShare(cpuPath: BenchFigure, essential: BenchFigure): BenchFigure {
  return {
    name: 'process, CPU path / essential work',
    value: Number((cpuPath.value / essential.value).toFixed(3)),
    unit: 'ratio',
    target: 0.8,
    detail: 'both events per second of this process\'s CPU time (user + system), same batch, same run',
  };
}

/**
 * What the trend statistics (issue 20) add to the CPU path: the work the stage does for them alone
 * (observe every classified event's numeric fields into its minute's accumulator, then the figures
 * and sketches of each minute), on the same batch, as a share of the CPU path's time per event. A
 * share of one run's two figures is steadier here than two runs of the stage with and without it.
 */
function statsShare(quick: boolean, cpuPath: BenchFigure): BenchFigure[] {
  const n = 10_000;
  const docs = envelopes(n, 50).map((e) => toDocument(e));
  const { perSecond } = throughput(() => {
    const byTenant = new Map<string, StatsAcc>();
    for (const d of docs) {
      let acc = byTenant.get(d.tenant);
      if (acc === undefined) byTenant.set(d.tenant, (acc = new StatsAcc()));
      observe(acc, d.format, d.fields, []);
    }
    for (const acc of byTenant.values()) {
      toFieldStats(acc);
      toStatusClasses(acc);
    }
  }, n, quick ? 500 : 3000);
  const share = (100 * cpuPath.value) / perSecond;
  return [
    { name: 'process, trend statistics alone', value: Math.round(perSecond), unit: 'events/s/core', detail: `observe + per-minute figures and sketches of ${n} classified events, 50 tenants` },
    { name: 'process, trend statistics, share of the CPU path', value: Math.round(share * 10) / 10, unit: '%', target: 5, lowerIsBetter: true, detail: 'time per event of the statistics alone / of the whole CPU path (which includes them)' },
  ];
}

async function indexingRatio(quick: boolean, log: (m: string) => void): Promise<BenchFigure[]> {
  const { getOpenSearch } = await import('../shared/adapters/opensearch.ts');
  const { OpenSearchSink, putIndexTemplates } = await import('../shared/adapters/opensearch-bulk.ts');
  const client = await getOpenSearch();
  await putIndexTemplates();
  const n = quick ? 5_000 : 80_000;
  // Rounds of raw and stage interleaved, so that a slow spell of the shared machine hits both.
  const rounds = quick ? 1 : 4;
  const per = n / rounds;
  const run = randomUUID().slice(0, 6);
  const plan = resolvePlan('pro', { eventsBurst: 1e12, bytesBurst: 1e15, dailyBytes: 1e15, indexTier: 'daily' });
  const stageTenant = `bench-s${run}`;
  const rawTenant = `bench-r${run}`;
  const mk = (t: string, count: number) => envelopes(count, 1).map((e) => ({ ...e, tenant: t }));
  let rawSecs = 0;
  let stageSecs = 0;
  let bodies = 0;
  // The stage through its own client (shared/adapters/opensearch-http.ts); raw _bulk through the official one.
  const deps = memDeps(new OpenSearchSink(), plan);
  const rawRound = async (tenant: string, count: number): Promise<number> => {
    // Raw: exactly the documents the stage would send (recorded from a run of the stage against a
    // sink that keeps the bodies), regrouped into 5 MB bodies and posted one after another.
    const recorded: Buffer[] = [];
    const recorder: SearchSink = { ...nullSearch, bulk: async (body) => (recorded.push(Buffer.from(body)), nullSearch.bulk(body, 0)) };
    const envs = mk(tenant, count);
    for (let i = 0; i < envs.length; i += 10_000) await runStage(eventOf(envs.slice(i, i + 10_000)), ctx, memDeps(recorder, plan), 'process');
    const logs = recorded.filter((b) => b.includes('"_index":"sluice-logs-'));
    const chunks = regroup(logs);
    bodies += chunks.length;
    const r0 = performance.now();
    for (const c of chunks) {
      const res = await client.bulk({ body: c as never });
      // A refused item (a missing index: auto-create is off for log indices) is no ceiling at all.
      if ((res.body as { errors?: boolean }).errors) throw new Error(`raw _bulk refused items: ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    return (performance.now() - r0) / 1000;
  };
  const stageRound = async (tenant: string, count: number): Promise<number> => {
    const envs = mk(tenant, count);
    const batches: MSKEvent[] = [];
    for (let i = 0; i < envs.length; i += 10_000) batches.push(eventOf(envs.slice(i, i + 10_000)));
    const s0 = performance.now();
    for (const b of batches) await runStage(b, ctx, deps, 'process');
    return (performance.now() - s0) / 1000;
  };
  try {
    // The raw side's indices made first, as the stage makes its own (auto-create is off for log indices).
    for (const t of [rawTenant, `bench-w${run}`]) await client.indices.create({ index: logIndex(t, 'daily', new Date().toISOString()).index }).catch(() => undefined);
    // Warm-up (not timed): the node's first requests pay for JIT and index creation.
    await rawRound(`bench-w${run}`, 2_000);
    await stageRound(`bench-w${run}`, 2_000);
    bodies = 0;
    for (let round = 0; round < rounds; round++) {
      // Alternate which goes first, so that neither always follows the other's merges.
      if (round % 2 === 0) {
        rawSecs += await rawRound(rawTenant, per);
        stageSecs += await stageRound(stageTenant, per);
      } else {
        stageSecs += await stageRound(stageTenant, per);
        rawSecs += await rawRound(rawTenant, per);
      }
    }
    const rawRate = n / rawSecs;
    const stageRate = n / stageSecs;
    log(`raw _bulk ${Math.round(rawRate)} docs/s, stage ${Math.round(stageRate)} docs/s`);
    return [
      { name: 'process -> OpenSearch (local node)', value: Math.round(stageRate), unit: 'docs/s', detail: `${n} docs, batches of 10,000, ${rounds} rounds` },
      { name: 'raw _bulk, same docs, same node', value: Math.round(rawRate), unit: 'docs/s', detail: `${bodies} bodies of <= 5 MB` },
      { name: 'process indexing / raw _bulk', value: Number((stageRate / rawRate).toFixed(3)), unit: 'ratio', target: 0.8 },
    ];
  } finally {
    await client.indices.delete({ index: `sluice-logs-t_bench-*${run}_*` }).catch(() => undefined);
  }
}

/** True when the configured OpenSearch answers (the ratio is measured whenever it does). */
async function openSearchUp(): Promise<boolean> {
  const { opensearch } = await import('../shared/config.ts');
  try {
    const res = await fetch(opensearch().url, { signal: AbortSignal.timeout(2_000) });
    return res.ok;
  } catch {
    return false;
  }
}

/** Child mode: run one 10,000-record ~6 MB batch and print its peak RSS. */
async function rssChild(): Promise<void> {
  const envs = envelopes(10_000, 50, 520);
  const event = eventOf(envs);
  const bytes = envs.reduce((s, e) => s + Buffer.byteLength(JSON.stringify(e)), 0);
  await runStage(event, ctx, memDeps(), 'process');
  process.stdout.write(JSON.stringify({ maxRssKb: Math.round(peakRssBytes() / 1024), bytes }) + '\n');
}

async function peakRss(): Promise<BenchFigure> {
  const out = await runBundled(fileURLToPath(import.meta.url), ['--rss-child'], { ...process.env, LOG_LEVEL: 'ERROR' });
  const line = out.trim().split('\n').pop() ?? '';
  const { maxRssKb, bytes } = JSON.parse(line) as { maxRssKb: number; bytes: number };
  return {
    name: 'peak RSS, one 10,000-record batch',
    value: Math.round(maxRssKb / 1024),
    unit: 'MB',
    target: 1769,
    lowerIsBetter: true,
    detail: `${(bytes / 1e6).toFixed(1)} MB of envelopes; whole process, bundled as deployed`,
  };
}

const bench: Bench = {
  name: 'process',
  needsServices: false,
  async run(ctx) {
    const cpuPath = await cpuThroughput(ctx.quick);
    const essential = essentialWork(ctx.quick);
    const figures: BenchFigure[] = [cpuPath, await cpuThroughput(ctx.quick, false), essential, cpuPathShare(cpuPath, essential), ...statsShare(ctx.quick, cpuPath), await peakRss()];
    if (ctx.servicesUp || (await openSearchUp())) figures.push(...(await indexingRatio(ctx.quick, ctx.log)));
    else ctx.log('process: local services down, skipping the OpenSearch indexing ratio');
    return figures;
  },
};

export default bench;

if (process.argv.includes('--rss-child')) await rssChild();
