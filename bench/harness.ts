import { readFileSync } from 'node:fs';

/**
 * The `npm run bench` contract. Each bench module (`bench/<area>.ts`) default-exports a `Bench`;
 * `bench/run.ts` runs them in order and prints a table (or JSON with `--json`).
 *
 * Figures are measured, never asserted: tests check behaviour, benches report speed and memory.
 */
export interface BenchFigure {
  /** What was measured, e.g. "classify, mixed corpus". */
  name: string;
  value: number;
  /** e.g. "lines/s/core", "events/s", "MB/s", "ratio", "MB". */
  unit: string;
  /** The target, when there is one, in the same unit (higher is better unless `lowerIsBetter`). */
  target?: number;
  lowerIsBetter?: boolean;
  /** Anything a reader needs to interpret the figure (input size, iterations). */
  detail?: string;
}

export interface BenchContext {
  /** True when the local services are up (benches that need them skip with a printed reason otherwise). */
  servicesUp: boolean;
  /** Shortened runs, for smoke-testing the harness itself. */
  quick: boolean;
  log: (msg: string) => void;
}

export interface Bench {
  name: string;
  /** Needs the local services (Kafka, OpenSearch, ...)? */
  needsServices?: boolean;
  run(ctx: BenchContext): Promise<BenchFigure[]>;
}

/**
 * Runs `fn` repeatedly for at least `minMs` after a warm-up and returns operations per second of
 * single-threaded CPU time (= "per core"): `ops` is how many units one call of `fn` processes.
 */
export function throughput(fn: () => void, ops: number, minMs = 2000): { perSecond: number; iterations: number } {
  const warmUntil = performance.now() + Math.min(500, minMs / 4);
  while (performance.now() < warmUntil) fn();
  let iterations = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    fn();
    iterations++;
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const wallSeconds = (performance.now() - t0) / 1000;
  // Per core: divide by CPU time, but never by less than wall time (a GC thread can add CPU time).
  return { perSecond: (ops * iterations) / Math.max(cpuSeconds, wallSeconds), iterations };
}

/** The median of `xs` (the mean of the two middle values when their count is even). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2;
}

/**
 * `entry` (a bench module) bundled by esbuild into plain JavaScript, as Lambda runs code (no tsx
 * loader, which alone adds ~40 MB of RSS); the bundle's path. It is written under `.sluice/bench/`
 * so that its external packages resolve from the project's node_modules.
 */
export async function bundle(entry: string): Promise<string> {
  const { build } = await import('esbuild');
  const { mkdirSync } = await import('node:fs');
  const { basename, dirname, join } = await import('node:path');
  const dir = join(dirname(entry), '..', '.sluice', 'bench');
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, basename(entry).replace(/\.ts$/, '.mjs'));
  await build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node22', packages: 'external', logLevel: 'silent' });
  return outfile;
}

/**
 * Runs `entry` bundled (see `bundle`) in a fresh Node process with `args`; its stdout. Used for
 * peak-memory figures, which must not count the bench's TypeScript tooling.
 */
export async function runBundled(entry: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const { execFileSync } = await import('node:child_process');
  const outfile = await bundle(entry);
  return execFileSync(process.execPath, ['--expose-gc', outfile, ...args], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 16 * 1024 * 1024 });
}

/**
 * A bundled bench module (see `bundle`) kept running in its own Node process, asked for one
 * measurement at a time: each line written to its stdin is a request, each line it prints an
 * answer. Two of them, asked in turn, measure two sides of a comparison close together in time and
 * each in a heap of its own (see bench/process.ts). `stop` ends it.
 */
export class BundledWorker {
  private readonly lines: AsyncIterator<string>;
  private readonly child: import('node:child_process').ChildProcess;

  private constructor(child: import('node:child_process').ChildProcess, lines: AsyncIterator<string>) {
    this.child = child;
    this.lines = lines;
  }

  static async start(entry: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<BundledWorker> {
    const { spawn } = await import('node:child_process');
    const { createInterface } = await import('node:readline');
    const outfile = await bundle(entry);
    const child = spawn(process.execPath, [outfile, ...args], { env, stdio: ['pipe', 'pipe', 'inherit'] });
    // A write to a worker that has exited: its answer's absence is the error (`next`).
    child.stdin!.on('error', () => undefined);
    return new BundledWorker(child, createInterface({ input: child.stdout! })[Symbol.asyncIterator]());
  }

  /** Writes `request` as a line; the next line the worker prints. */
  async ask(request: string): Promise<string> {
    this.child.stdin!.write(request + '\n');
    return this.next();
  }

  /** The next line the worker prints (an error if it exits first). */
  async next(): Promise<string> {
    const r = await this.lines.next();
    if (r.done) throw new Error(`bench worker exited (code ${this.child.exitCode ?? 'unknown'}) before answering`);
    return r.value;
  }

  stop(): void {
    this.child.stdin!.end();
    this.child.kill();
  }
}

/**
 * This process's peak resident memory, bytes. On Linux, VmHWM of /proc/self/status: the high-water
 * mark of this program image. Not `resourceUsage().maxRSS`, which after fork + exec also counts the
 * parent's resident memory at the fork (a child of a bench process would report the bench's size).
 */
export function peakRssBytes(): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // Not Linux: fall through.
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** Bulk bodies regrouped into bodies of at most `maxBytes` (a single larger one stays whole), in order: how the raw `_bulk` ceiling is posted. */
export function regroup(bodies: readonly Buffer[], maxBytes = 5 * 1024 * 1024): Buffer[] {
  const chunks: Buffer[] = [];
  let part: Buffer[] = [];
  let size = 0;
  for (const b of bodies) {
    if (size > 0 && size + b.length > maxBytes) {
      chunks.push(Buffer.concat(part));
      part = [];
      size = 0;
    }
    part.push(b);
    size += b.length;
  }
  if (size > 0) chunks.push(Buffer.concat(part));
  return chunks;
}
