/**
 * `npm run bench [-- --json] [--quick] [--only <name,...>]`
 * Runs every bench module in bench/ (each default-exports a `Bench`), prints each figure beside its
 * target, and the machine it ran on. Benches that need the local services start them first
 * (`--no-services` skips those benches instead).
 */
import { readdirSync } from 'node:fs';
import { cpus, totalmem, platform, release } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Bench, BenchFigure } from './harness.ts';
import { costPerTb, type CostReport, type CpuPerEvent } from './load-cost.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const NOT_BENCHES = new Set(['harness', 'run', 'loghub-accuracy', 'load', 'load-part', 'load-procs', 'load-raw', 'load-cost']);

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'no-services': { type: 'boolean', default: false },
  },
});

const log = (msg: string) => process.stderr.write(msg + '\n');

function machine() {
  const c = cpus();
  return {
    cpu: c[0]?.model ?? 'unknown',
    cores: c.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()} ${release()}`,
    node: process.version,
  };
}

async function loadBenches(): Promise<Bench[]> {
  const only = values.only ? new Set(values.only.split(',')) : undefined;
  const files = readdirSync(HERE)
    .filter((f) => f.endsWith('.ts') && !NOT_BENCHES.has(basename(f, '.ts')))
    .sort();
  const benches: Bench[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(HERE, f)).href)) as { default?: Bench };
    if (!mod.default) continue;
    if (only && !only.has(mod.default.name) && !only.has(basename(f, '.ts'))) continue;
    benches.push(mod.default);
  }
  return benches;
}

function fmt(n: number): string {
  if (Math.abs(n) >= 1000) return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(3);
}

function verdict(f: BenchFigure): string {
  if (f.target === undefined) return '';
  const ok = f.lowerIsBetter ? f.value <= f.target : f.value >= f.target;
  return ok ? 'meets target' : 'BELOW target';
}

async function main(): Promise<void> {
  const benches = await loadBenches();
  let servicesUp = false;
  if (!values['no-services'] && benches.some((b) => b.needsServices)) {
    log('Starting the local services for the benches that need them...');
    const services = await import('../local/services/index.ts');
    await services.ensureUp();
    const { bootstrap } = await import('../local/bootstrap.ts');
    await bootstrap();
    servicesUp = true;
  }
  const results: Array<{ bench: string; figures: BenchFigure[]; error?: string; skipped?: string }> = [];
  for (const b of benches) {
    if (b.needsServices && !servicesUp) {
      results.push({ bench: b.name, figures: [], skipped: 'needs the local services (--no-services given)' });
      continue;
    }
    log(`bench: ${b.name}`);
    try {
      results.push({ bench: b.name, figures: await b.run({ servicesUp, quick: values.quick, log }) });
    } catch (err) {
      results.push({ bench: b.name, figures: [], error: (err as Error).stack ?? String(err) });
    }
  }
  const cost = costSection(results);
  const report = { machine: machine(), at: new Date().toISOString(), results, cost };
  if (values.json) {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  } else {
    const m = report.machine;
    process.stdout.write(`\nSluice bench, ${report.at}\nMachine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}, Node ${m.node}\n\n`);
    const rows: string[][] = [['bench', 'figure', 'value', 'unit', 'target', '', 'detail']];
    for (const r of results) {
      if (r.error || r.skipped) rows.push([r.bench, r.error ? 'FAILED' : 'skipped', '', '', '', '', (r.error ?? r.skipped ?? '').split('\n')[0]!]);
      for (const f of r.figures) {
        rows.push([r.bench, f.name, fmt(f.value), f.unit, f.target === undefined ? '' : fmt(f.target), verdict(f), f.detail ?? '']);
      }
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
    for (const row of rows) process.stdout.write(row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n');
    process.stdout.write(costTable(cost));
  }
  if (results.some((r) => r.error)) process.exitCode = 1;
  // The Kafka/OpenSearch clients keep sockets open; benches are done.
  setTimeout(() => process.exit(), 100).unref();
}

// ---------------------------------------------------------------------------------------------
// cost per TB (bench/load-cost.ts), from the CPU per event the benches measured

type Results = Array<{ bench: string; figures: BenchFigure[] }>;

/** CPU seconds per event of ingest, process and archive, from this run's figures (what is missing stays out). */
function cpuFromFigures(results: Results): { cpu: CpuPerEvent; basis: Record<string, string> } {
  const all = results.flatMap((r) => r.figures);
  const find = (prefix: string) => all.find((f) => f.name.startsWith(prefix) && f.value > 0);
  const cpu: CpuPerEvent = {};
  const basis: Record<string, string> = {};
  const kafka = find('ingest -> Kafka, 1 MB NDJSON requests');
  const share = kafka?.detail ? /node CPU (\d+(?:\.\d+)?)% of one core/.exec(kafka.detail) : null;
  const parse = find('ingest parse, NDJSON');
  if (kafka && share) {
    cpu.ingest = Number(share[1]) / 100 / kafka.value;
    basis.ingest = `ingest-kafka: ${fmt(kafka.value)} events/s at ${share[1]}% of one core (handler + produce)`;
  } else if (parse) {
    cpu.ingest = 1 / parse.value;
    basis.ingest = `ingest parse, NDJSON: ${fmt(parse.value)} events/s/core (parse only: a lower bound)`;
  }
  const proc = find('process, CPU path (');
  if (proc) {
    cpu.process = 1 / proc.value;
    basis.process = `process CPU path: ${fmt(proc.value)} events/s/core (bulk answers not parsed: a lower bound)`;
  }
  const essential = find('process, essential work only');
  if (essential) cpu.processEssential = 1 / essential.value;
  const arch = find('archive, events');
  if (arch) {
    cpu.archive = 1 / arch.value;
    basis.archive = `archive: ${fmt(arch.value)} events/s by wall time (I/O waits included: an upper bound)`;
  }
  return { cpu, basis };
}

function costSection(results: Results): CostReport {
  const { cpu, basis } = cpuFromFigures(results);
  return costPerTb(cpu, basis);
}

function costTable(c: CostReport): string {
  const money = (x: number | null) => (x === null ? 'not measured' : `$${x.toFixed(3)}`);
  const k = c.compute_usd_per_tb;
  return [
    '',
    `Cost per TB of ${300}-byte events (${c.prices})`,
    `  compute (Lambda arm64)  ingest ${money(k.ingest)}  process ${money(k.process)}  archive ${money(k.archive)}  total ${money(k.total)}  (goal <= $${k.goal.toFixed(2)}: ${k.total === null ? 'n/a' : k.total <= k.goal ? 'meets goal' : 'ABOVE goal'})`,
    `  the goal allows ${c.goal_floor.cpu_us_per_event_allowed} us of CPU per event for all three functions; the process stage's essential work alone costs ${money(c.goal_floor.process_essential_usd_per_tb)}`,
    ...Object.entries(c.other_usd_per_tb).map(([name, v]) => `  ${name.padEnd(22)} ${money(v)}`),
    ...Object.entries(c.basis).map(([name, v]) => `  (${name}: ${v})`),
    '',
  ].join('\n');
}

await main();
