/**
 * PROCESS stage figures.
 *  1. CPU path without OpenSearch time: decode the MSK event, validate, classify, mine templates
 *     (in-memory state store), budget math, summaries, bulk bodies (the search port answers 201 for
 *     every item without a network hop, Kafka and DynamoDB ports are in memory). events/s per core,
 *     by CPU time (user + system, the GC's threads included); its goal is a share of figure 3 (the
 *     old target of 250,000 events/s per core was retired: the essential work alone is below it).
 *     Also without mining, to compare with figures from before templates were in the pipeline.
 *     Figures 1 and 3 are measured as paired blocks (see `cpuPathFigures`).
 *  2. (OpenSearch answering) indexing through the stage into the local OpenSearch vs a raw `_bulk`
 *     load of the same documents (recorded from the stage, regrouped into 5 MB bodies; same node,
 *     same run; after a warm-up, four rounds, each side going first in turn):
 *     ratio, target >= 0.8.
 *  3. The essential work alone (see `essentialPass`): the ceiling for figure 1 on this machine, by
 *     CPU time like figure 1, and figure 1 as a share of it (target >= 0.8).
 *  4. Peak RSS of one invocation on a 10,000-record, ~6 MB batch (a child process's high-water mark).
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { MSKEvent } from 'aws-lambda';
import { createInterface } from 'node:readline';
import { BundledWorker, median, peakRssBytes, regroup, runBundled, throughput, type Bench, type BenchFigure } from './harness.ts';
import eventSources from '../deploy/event-sources.json' with { type: 'json' };
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

/** The CPU path's batch: `n` mixed events of 50 tenants (the same for every figure of this file). */
export function benchEvent(n = 10_000): MSKEvent {
  return eventOf(envelopes(n, 50));
}

/** One pass of the stage over `event` with in-memory ports (`mine`: with template mining). */
export function stagePass(event: MSKEvent, mine = true): () => Promise<unknown> {
  const deps = mine ? memDeps() : { ...memDeps(), templates: noTemplates };
  return () => runStage(event, ctx, deps, 'process');
}

/** One pass of the essential work over `event` (see `cpuPathFigures`; `mine`: with template mining). */
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

/** The sides of the CPU path figures: the stage with and without mining, and the essential work. */
const SIDES = ['stage', 'stage-nomine', 'essential'] as const;
type Side = (typeof SIDES)[number];

/**
 * The process function's environment as deployed: serverless.yml sets NODE_OPTIONS from
 * deploy/event-sources.json (its V8 heap settings), so the CPU path is measured with them.
 */
const deployedEnv = (): NodeJS.ProcessEnv => ({ ...process.env, LOG_LEVEL: 'ERROR', NODE_OPTIONS: eventSources.process.nodeOptions });

/**
 * Figures 1 and 3. Each side runs in its own process (bundled, with the deployed NODE_OPTIONS), so
 * that its heap is its own: measured in one process one after the other, the essential work ran in
 * the heap the stage left and its speed moved by a factor of two between runs. The sides are asked
 * for blocks of passes in turn, the stage and the essential work back to back (which goes first
 * alternating), so that a slow spell of a shared machine falls on both; the ratio is the median of
 * the blocks' ratios, each side's figure the median of its blocks.
 *
 * - The essential work: the same batch through only the work no design of the stage can skip:
 *   base64 to text, JSON.parse of the envelope, classification, template mining, JSON.stringify of
 *   the document and its UTF-8 write into a body (no validation, budget, summaries, grouping or
 *   bulk bookkeeping). It bounds what the stage can reach on this machine, and shows what the
 *   stage's own bookkeeping costs.
 */
async function cpuPathFigures(quick: boolean): Promise<BenchFigure[]> {
  const entry = fileURLToPath(import.meta.url);
  const workers = await Promise.all(SIDES.map((side) => BundledWorker.start(entry, ['--side', side], deployedEnv())));
  const [stage, nomine, essential] = workers as [BundledWorker, BundledWorker, BundledWorker];
  const rounds = quick ? 2 : 10;
  // Two seconds a block: a major GC comes every dozen batches or so (about two seconds of the stage).
  const ms = quick ? 300 : 2000;
  const us: Record<Side, number[]> = { stage: [], 'stage-nomine': [], essential: [] };
  const ratios: number[] = [];
  try {
    await Promise.all(workers.map((w) => w.next()));
    const block = async (w: BundledWorker, side: Side): Promise<number> => {
      const v = Number(await w.ask(String(ms)));
      us[side].push(v);
      return v;
    };
    for (let r = 0; r < rounds; r++) {
      let s: number;
      let e: number;
      if (r % 2 === 0) {
        s = await block(stage, 'stage');
        e = await block(essential, 'essential');
      } else {
        e = await block(essential, 'essential');
        s = await block(stage, 'stage');
      }
      ratios.push(e / s);
      await block(nomine, 'stage-nomine');
    }
  } finally {
    for (const w of workers) w.stop();
  }
  const perSecond = (side: Side) => Math.round(1e6 / median(us[side]));
  const how = `median of ${rounds} blocks of ${ms} ms, 10,000 mixed events of 50 tenants a batch, its own process, NODE_OPTIONS=${eventSources.process.nodeOptions}`;
  return [
    { name: 'process, CPU path (decode+classify+mine+budget+summaries+bulk body)', value: perSecond('stage'), unit: 'events/s/core', detail: how },
    { name: 'process, CPU path without template mining', value: perSecond('stage-nomine'), unit: 'events/s/core', detail: how },
    { name: 'process, essential work only (the ceiling for the CPU path)', value: perSecond('essential'), unit: 'events/s/core', detail: `${how}: decode, JSON.parse, classify, mine, JSON.stringify + write; nothing else` },
    {
      name: 'process, CPU path / essential work',
      value: Number(median(ratios).toFixed(3)),
      unit: 'ratio',
      target: 0.8,
      detail: `median of the ${rounds} paired blocks' ratios (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}); CPU time, user + system`,
    },
  ];
}

/**
 * Child mode (`--side <side>`): the side's pass over the bench batch, warmed up; then, for each
 * line on stdin (a duration in ms), passes for that long, answered with the CPU microseconds per
 * event (user + system: the GC's threads included). Ends with its stdin.
 */
async function sideChild(side: Side): Promise<void> {
  const n = 10_000;
  const event = benchEvent(n);
  const pass = side === 'essential' ? essentialPass(event) : stagePass(event, side === 'stage');
  for (let i = 0; i < 3; i++) await pass();
  process.stdout.write('ready\n');
  for await (const line of createInterface({ input: process.stdin })) {
    const ms = Number(line);
    let batches = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    while (performance.now() - t0 < ms) {
      await pass();
      batches++;
    }
    const cpu = process.cpuUsage(cpu0);
    process.stdout.write(`${(cpu.user + cpu.system) / (n * batches)}\n`);
  }
}

/**
 * What the trend statistics (issue 20) add to the CPU path: the work the stage does for them alone
 * (observe every classified event's numeric fields into its summary slot's accumulator, then the
 * figures and sketches of each slot), on the CPU path's batch, as a share of the CPU path's time per
 * event. One accumulator per slot (partition x tenant x minute), as the stage keeps them (one per
 * tenant measured less than the stage spends). A share of one run's two figures is steadier here than
 * two runs of the stage with and without it.
 */
function statsShare(quick: boolean, cpuPath: BenchFigure): BenchFigure[] {
  const n = 10_000;
  const docs = envelopes(n, 50).map((e) => toDocument(e));
  // The slot of each event, resolved once (the look-up is the summaries', not the statistics').
  const slotOf = new Map<string, number>();
  const slots = docs.map((d, i) => {
    // = eventOf's partition, and the summary's minute of the document's time.
    const k = `${i % 6}\u0000${d.tenant}\u0000${d['@timestamp'].slice(0, 16)}`;
    let at = slotOf.get(k);
    if (at === undefined) slotOf.set(k, (at = slotOf.size));
    return at;
  });
  const { perSecond } = throughput(() => {
    const accs = new Array<StatsAcc | undefined>(slotOf.size);
    for (let i = 0; i < n; i++) {
      const d = docs[i]!;
      observe((accs[slots[i]!] ??= new StatsAcc()), d.format, d.fields, []);
    }
    for (const acc of accs) {
      if (acc === undefined) continue;
      toFieldStats(acc);
      toStatusClasses(acc);
    }
  }, n, quick ? 500 : 3000);
  const share = (100 * cpuPath.value) / perSecond;
  return [
    { name: 'process, trend statistics alone', value: Math.round(perSecond), unit: 'events/s/core', detail: `observe + per-minute figures and sketches of ${n} classified events, 50 tenants, ${slotOf.size} summary slots` },
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
  const out = await runBundled(fileURLToPath(import.meta.url), ['--rss-child'], deployedEnv());
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
    const cpu = await cpuPathFigures(ctx.quick);
    const figures: BenchFigure[] = [...cpu, ...statsShare(ctx.quick, cpu[0]!), await peakRss()];
    if (ctx.servicesUp || (await openSearchUp())) figures.push(...(await indexingRatio(ctx.quick, ctx.log)));
    else ctx.log('process: local services down, skipping the OpenSearch indexing ratio');
    return figures;
  },
};

export default bench;

if (process.argv.includes('--rss-child')) await rssChild();
const sideAt = process.argv.indexOf('--side');
if (sideAt !== -1 && SIDES.includes(process.argv[sideAt + 1] as Side)) await sideChild(process.argv[sideAt + 1] as Side);
