/**
 * Generic-header accuracy on the Loghub-2k samples (eight systems, 2,000 labelled lines each).
 *
 * Data: Loghub (https://github.com/logpai/loghub). Cite: Jieming Zhu, Shilin He, Pinjia He, Jinyang
 * Liu, Michael R. Lyu. Loghub: A Large Collection of System Log Datasets for AI-driven Log Analytics.
 * In ISSRE, 2023. Copy at `test/fixtures/loghub` in the repository, LICENSE beside it.
 *
 * Per system: how often `classify(line).message` equals the labelled Content, and how often `level`
 * equals the labelled Level mapped to Sluice's vocabulary (n/a when the system has no Level column or
 * the column holds no level words, e.g. Linux's "Level" column is the host name). Also: how often a
 * timestamp was read. The classifier carries no rule for any of these systems.
 *
 *   npx tsx bench/loghub-accuracy.ts [--dir <loghub-style dir>] [--misses]
 *
 * `--dir` points at another directory laid out like the Loghub samples (one folder per system holding
 * `<System>_2k.log` and `<System>_2k.log_structured.csv`), e.g. held-out systems kept outside the repo.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classify } from '../shared/classify/index.ts';
import { levelFromWord } from '../shared/classify/levels.ts';
import type { Level } from '../shared/classify/types.ts';

export { LOGHUB_DIR, REPO_ROOT, parseCsv } from '../test/support/loghub.ts';
import { LOGHUB_DIR, parseCsv } from '../test/support/loghub.ts';

export interface LoghubSample {
  system: string;
  lines: string[];
  /** Column name -> values, one per line. */
  columns: Map<string, string[]>;
}

export function loadLoghub(dir = LOGHUB_DIR): LoghubSample[] {
  if (!existsSync(dir)) throw new Error(`no Loghub samples at ${dir}`);
  const out: LoghubSample[] = [];
  for (const system of readdirSync(dir).sort()) {
    const logPath = join(dir, system, `${system}_2k.log`);
    const csvPath = join(dir, system, `${system}_2k.log_structured.csv`);
    if (!existsSync(logPath) || !existsSync(csvPath)) continue;
    const lines = readFileSync(logPath, 'utf8').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    const rows = parseCsv(readFileSync(csvPath, 'utf8'));
    const header = rows.shift() ?? [];
    const columns = new Map<string, string[]>();
    header.forEach((name, idx) => columns.set(name, rows.map((r) => r[idx] ?? '')));
    out.push({ system, lines: lines.slice(0, rows.length), columns });
  }
  return out;
}

export interface SystemFigures {
  system: string;
  lines: number;
  /** Share of lines whose message equals Content. */
  message: number;
  /** Share of lines whose level matches Level; null = n/a. */
  level: number | null;
  /** Share of lines whose timestamp was read. */
  timestamp: number;
  /** A few mismatches, for iterating. */
  misses: Array<{ line: string; expected: string; got: string }>;
}

/** Single-letter Level columns (logcat, klog): V D I W E F A. */
const LETTER_LEVELS: Record<string, Level | undefined> = {
  V: 'trace',
  D: 'debug',
  I: 'info',
  W: 'warn',
  E: 'error',
  F: 'critical',
  A: 'critical',
};

/** Receive time used for the samples (their timestamps are years old; only message/level are scored). */
const RECEIVED = new Date('2026-01-01T00:00:00Z');

export function measure(samples = loadLoghub()): SystemFigures[] {
  const out: SystemFigures[] = [];
  for (const s of samples) {
    const content = s.columns.get('Content') ?? [];
    const levels = s.columns.get('Level');
    const mapped = levels?.map((l) => levelFromWord(l) ?? LETTER_LEVELS[l]);
    const hasLevels = mapped !== undefined && mapped.some((l) => l !== undefined);
    let msgOk = 0;
    let lvOk = 0;
    let tsOk = 0;
    const misses: SystemFigures['misses'] = [];
    s.lines.forEach((line, i) => {
      const c = classify(line, RECEIVED);
      const expected = content[i] ?? '';
      if (c.message === expected) msgOk++;
      else if (misses.length < 10) misses.push({ line, expected, got: c.message });
      if (hasLevels && c.level === mapped[i]) lvOk++;
      if (!c.timestampFallback || c.flags.includes('timestamp_implausible')) tsOk++;
    });
    const n = s.lines.length;
    out.push({
      system: s.system,
      lines: n,
      message: msgOk / n,
      level: hasLevels ? lvOk / n : null,
      timestamp: tsOk / n,
      misses,
    });
  }
  return out;
}

function pct(v: number | null): string {
  return v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`;
}

export function table(figs: SystemFigures[]): string {
  const rows = [['system', 'lines', 'message', 'level', 'timestamp read']];
  for (const f of figs) rows.push([f.system, String(f.lines), pct(f.message), pct(f.level), pct(f.timestamp)]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const di = process.argv.indexOf('--dir');
  const dir = di >= 0 && process.argv[di + 1] !== undefined ? resolve(process.argv[di + 1]!) : LOGHUB_DIR;
  const figs = measure(loadLoghub(dir));
  if (figs.length === 0) {
    console.error(`no Loghub samples at ${dir}`);
    process.exit(1);
  }
  console.log(table(figs));
  if (process.argv.includes('--misses')) {
    for (const f of figs) {
      if (f.misses.length === 0) continue;
      console.log(`\n== ${f.system}`);
      for (const m of f.misses) console.log(`  line:     ${m.line}\n  expected: ${m.expected}\n  got:      ${m.got}`);
    }
  }
}
