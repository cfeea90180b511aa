/**
 * Cold start per function: each Lambda bundle built as `serverless package` builds it (the options
 * come from deploy/esbuild.cjs), its code bytes, the lazily loaded files beside it, its zip bytes, and
 * the time `require()` of the bundle takes in a fresh Node process (median of 5, rounds interleaved
 * across the bundles so that load on the machine hits all alike), beside a reference built the same
 * way: @aws-sdk/client-dynamodb alone. The ratio to the reference is the figure that carries across
 * machines (issue 23: at most 1.5).
 *
 *   npx tsx bench/coldstart.ts          (standalone)   or via bench/run.ts (--quick: 3 rounds)
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFunction, buildReference, functionNames, type Bundle } from '../test/support/bundles.ts';
import { median, type Bench, type BenchContext, type BenchFigure } from './harness.ts';

const OUT = join(import.meta.dirname, '..', '.sluice', 'bench', 'coldstart');
/** Bundle budgets of issue 23, KiB of code loaded at cold start. */
const BUDGET_KB: Record<string, number> = { ingest: 500, process: 800 };
const OTHERS_KB = 600;
const MAX_RATIO = 1.5;

/** Milliseconds `require()` of `file` takes in a fresh Node process (the process's own start not counted). */
function requireMs(file: string): number {
  const script = `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));process.exit(0);`;
  const env = { ...process.env, LOG_LEVEL: 'ERROR', SLUICE_STAGE: 'local' };
  return Number(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', env, timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] }));
}

const kb = (n: number) => Math.round(n / 1024);

export async function measure(rounds: number, log: (m: string) => void = () => undefined) {
  const bundles: Bundle[] = [];
  for (const name of functionNames()) bundles.push(await buildFunction(name, OUT));
  const reference = await buildReference(OUT);
  const all = [reference, ...bundles];
  const times = new Map<string, number[]>(all.map((b) => [b.name, []]));
  for (let r = 0; r < rounds; r++) {
    log(`  require() round ${r + 1}/${rounds}`);
    for (const b of all) times.get(b.name)!.push(requireMs(b.file));
  }
  const refMs = median(times.get(reference.name)!);
  return {
    reference: { ...reference, requireMs: refMs },
    functions: bundles.map((b) => ({ ...b, requireMs: median(times.get(b.name)!), ratio: median(times.get(b.name)!) / refMs })),
  };
}

const bench: Bench = {
  name: 'coldstart',
  async run(ctx: BenchContext): Promise<BenchFigure[]> {
    const rounds = ctx.quick ? 3 : 5;
    const m = await measure(rounds, ctx.log);
    const figures: BenchFigure[] = [
      {
        name: 'reference bundle (@aws-sdk/client-dynamodb), require()',
        value: m.reference.requireMs,
        unit: 'ms',
        lowerIsBetter: true,
        detail: `${kb(m.reference.bytes)} KiB code, median of ${rounds}`,
      },
    ];
    for (const f of m.functions) {
      figures.push(
        { name: `${f.name} bundle, code`, value: kb(f.bytes), unit: 'KiB', target: BUDGET_KB[f.name] ?? OTHERS_KB, lowerIsBetter: true, detail: `+ ${kb(f.lazyBytes)} KiB loaded on first use (lazy/)` },
        { name: `${f.name} zip`, value: kb(f.zipBytes), unit: 'KiB', lowerIsBetter: true },
        { name: `${f.name} require()`, value: f.requireMs, unit: 'ms', lowerIsBetter: true, detail: `median of ${rounds}, fresh process` },
        { name: `${f.name} require() / reference`, value: f.ratio, unit: 'ratio', target: MAX_RATIO, lowerIsBetter: true },
      );
    }
    return figures;
  },
};

export default bench;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const figures = await bench.run({ servicesUp: false, quick: process.argv.includes('--quick'), log: (m) => process.stderr.write(m + '\n') });
  for (const f of figures) console.log(`${f.name.padEnd(58)} ${f.value.toFixed(f.unit === 'ratio' ? 2 : 1).padStart(9)} ${f.unit.padEnd(5)} ${f.target !== undefined ? `(target ${f.target})` : ''} ${f.detail ?? ''}`);
}
