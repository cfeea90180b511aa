/**
 * Classifier throughput, lines per second per core, on a mixed corpus: the eight Loghub-2k samples
 * (see bench/loghub-accuracy.ts for the citation) plus generated JSON and access-log lines.
 * Target (issue 4): >= 300,000 lines/s/core.
 *
 *   npx tsx bench/classify.ts
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classify } from '../shared/classify/index.ts';
import type { Bench, BenchFigure } from './harness.ts';
import { throughput } from './harness.ts';
import { loadLoghub } from './loghub-accuracy.ts';
import { rng } from '../test/support/random.ts';

/** Deterministic pseudo-random numbers (the corpus must be the same on every run). */

const METHODS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const PATHS = ['/', '/index.html', '/api/v1/users/42', '/static/app.js', '/login?next=%2Fhome', '/health'];
const AGENTS = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
  'curl/8.4.0',
  'Go-http-client/1.1',
];
const LEVELS = ['debug', 'info', 'info', 'info', 'warn', 'error'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export function generatedLines(count: number, seed = 42): string[] {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)] as T;
  const out: string[] = [];
  const base = Date.parse('2025-12-31T00:00:00Z');
  for (let i = 0; i < count; i++) {
    const t = new Date(base + i * 137);
    if (i % 2 === 0) {
      out.push(
        JSON.stringify({
          '@timestamp': t.toISOString(),
          level: pick(LEVELS),
          msg: `request handled in ${Math.floor(r() * 500)} ms`,
          service: 'api',
          req: { id: `r-${i}`, path: pick(PATHS), status: 200 },
        }),
      );
    } else {
      const d = String(t.getUTCDate()).padStart(2, '0');
      const hh = String(t.getUTCHours()).padStart(2, '0');
      const mm = String(t.getUTCMinutes()).padStart(2, '0');
      const ss = String(t.getUTCSeconds()).padStart(2, '0');
      out.push(
        `10.0.${i % 256}.${(i * 7) % 256} - - [${d}/${MONTHS[t.getUTCMonth()]}/${t.getUTCFullYear()}:${hh}:${mm}:${ss} +0000] ` +
          `"${pick(METHODS)} ${pick(PATHS)} HTTP/1.1" ${pick([200, 200, 304, 404, 500])} ${Math.floor(r() * 10000)} ` +
          `"https://example.com/" "${pick(AGENTS)}"`,
      );
    }
  }
  return out;
}

export function corpus(): string[] {
  const lines: string[] = [];
  for (const s of loadLoghub()) lines.push(...s.lines);
  lines.push(...generatedLines(4000));
  return lines;
}

const bench: Bench = {
  name: 'classify',
  async run(ctx): Promise<BenchFigure[]> {
    const lines = corpus();
    const received = new Date('2026-01-01T00:00:00Z');
    let sink = 0;
    const { perSecond, iterations } = throughput(
      () => {
        for (let i = 0; i < lines.length; i++) sink += classify(lines[i] as string, received).message.length;
      },
      lines.length,
      ctx.quick ? 500 : 3000,
    );
    if (sink === -1) ctx.log('unreachable');
    return [
      {
        name: 'classify, mixed corpus (Loghub-2k x8 + JSON + access)',
        value: Math.round(perSecond),
        unit: 'lines/s/core',
        target: 300_000,
        detail: `${lines.length} lines x ${iterations} passes`,
      },
    ];
  },
};

export default bench;

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const figs = await bench.run({ servicesUp: false, quick: process.argv.includes('--quick'), log: console.log });
  for (const f of figs) console.log(`${f.name}: ${f.value.toLocaleString('en-US')} ${f.unit} (target ${f.target ?? '-'}; ${f.detail ?? ''})`);
}
