/**
 * Accuracy on the Loghub-2k samples (all 16 systems, 2,000 labelled lines each): header stripping
 * (message = Content, level), and template mining from the raw lines (classify -> miner, one miner
 * configuration for every system): grouping accuracy (GA) and parsing accuracy (PA, exact template
 * after the Loghub-2.0 canonicalisation, `canonicalTemplate` below), with the published anchors beside.
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
 *   npm run accuracy    (= npx tsx bench/loghub-accuracy.ts [--dir <loghub-style dir>] [--misses])
 *
 * `--dir` points at another directory laid out like the Loghub samples (one folder per system holding
 * `<System>_2k.log` and `<System>_2k.log_structured.csv`), e.g. held-out systems kept outside the repo.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { classify } from '../shared/classify/index.ts';
import { groupingAccuracy } from '../shared/templates/accuracy.ts';
import { FinalTemplates } from '../shared/templates/final.ts';
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
  /** Grouping accuracy from the raw lines (classify -> miner -> each line's final template); null without labels. */
  ga: number | null;
  /** Parsing accuracy: share of lines whose final template equals the true one, both canonicalised. */
  pa: number | null;
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
    const truth = s.columns.get('EventTemplate');
    const mined = truth === undefined ? null : mine(s.lines);
    out.push({
      system: s.system,
      lines: n,
      message: msgOk / n,
      level: hasLevels ? lvOk / n : null,
      timestamp: tsOk / n,
      ga: mined === null || truth === undefined ? null : groupingAccuracy(mined, truth),
      pa: mined === null || truth === undefined ? null : parsingAccuracy(mined, truth),
      misses,
    });
  }
  return out;
}

/** Each line's final template: raw line -> classify -> one miner (the CLI's and the stage's path, default options). */
export function mine(lines: readonly string[]): string[] {
  const mined = new FinalTemplates({ maxClusters: 100_000 });
  for (const line of lines) mined.add(classify(line, RECEIVED).message);
  return mined.toArray();
}

/**
 * The Loghub-2.0 canonicalisation of a template, ported exactly from `correct_single_template` in
 * logpai/loghub-2.0 `full_dataset/post_process.py` (the rules it applies there: DS, DG, WV, DV, CV and
 * its fixed replacements; PS, BL and US are commented out there and so not applied here either).
 */
export function canonicalTemplate(template: string): string {
  // DS: trim, whitespace runs -> one space.
  let t = template.trim().replace(/\s+/g, ' ');
  // Tokenise keeping the delimiters (`re.split` with a capturing group).
  const tokens = t.split(/(\s|,|!|;|:|=|\||"|'|\[|\]|\(|\)|\{|\}|\.|-|\+|@|#|\$|%|&)/);
  for (let i = 0; i < tokens.length; i++) {
    let token = tokens[i]!;
    // DG
    if (/^\d+$/.test(token)) token = '<*>';
    // WV (`/` is not a delimiter, hence the exception)
    if (/^[^\s/]*<\*>[^\s/]*$/.test(token) && token !== '<*>/<*>') token = '<*>';
    tokens[i] = token;
  }
  t = tokens.join('');
  // DV, then CV.
  for (let prev = ''; prev !== t; ) {
    prev = t;
    t = t.replace(/<\*>\.<\*>/g, '<*>');
  }
  for (let prev = ''; prev !== t; ) {
    prev = t;
    t = t.replace(/<\*><\*>/g, '<*>');
  }
  const replacements: Array<[string, string]> = [
    [' #<*># ', ' <*> '],
    [' #<*> ', ' <*> '],
    ['<*>:<*>', '<*>'],
    ['<*>#<*>', '<*>'],
    ['<*>/<*>', '<*>'],
    ['<*>@<*>', '<*>'],
    ['<*>.<*>', '<*>'],
    [' "<*>" ', ' <*> '],
    [" '<*>' ", ' <*> '],
    ['<*><*>', '<*>'],
  ];
  for (const [from, to] of replacements) while (t.includes(from)) t = t.replaceAll(from, to);
  return t;
}

/** PA: share of lines whose predicted template equals the true one after `canonicalTemplate` on both. */
export function parsingAccuracy(predicted: readonly string[], truth: readonly string[]): number {
  if (predicted.length !== truth.length) throw new Error('parsingAccuracy: length mismatch');
  const memo = new Map<string, string>();
  const canon = (x: string): string => {
    let c = memo.get(x);
    if (c === undefined) memo.set(x, (c = canonicalTemplate(x)));
    return c;
  };
  let ok = 0;
  for (let i = 0; i < predicted.length; i++) if (canon(predicted[i]!) === canon(truth[i]!)) ok++;
  return predicted.length === 0 ? 1 : ok / predicted.length;
}

/**
 * Drain's published GA on these files with per-system settings (Zhu et al., "Tools and Benchmarks for
 * Automated Log Parsing", ICSE-SEIP 2019, Table II; Content column, headers removed by a per-system
 * regex). Their mean is the README's 0.865.
 */
export const DRAIN_GA: Record<string, number> = {
  Android: 0.911,
  Apache: 1.0,
  BGL: 0.963,
  HDFS: 0.998,
  HPC: 0.887,
  Hadoop: 0.948,
  HealthApp: 0.78,
  Linux: 0.69,
  Mac: 0.787,
  OpenSSH: 0.788,
  OpenStack: 0.733,
  Proxifier: 0.527,
  Spark: 0.92,
  Thunderbird: 0.955,
  Windows: 0.997,
  Zookeeper: 0.967,
};

/** Published means over the 16 systems (the fixtures' README). */
export const ANCHOR_MEANS = { drainTuned: 0.865, drain3Untuned: 0.732, drain3RawLines: 0.475, brainTuned: 0.983, logBatcher: 0.974 };

function pct(v: number | null): string {
  return v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`;
}

function num(v: number | null | undefined): string {
  return v === null || v === undefined ? 'n/a' : v.toFixed(3);
}

function mean(xs: Array<number | null>): number | null {
  const v = xs.filter((x): x is number => x !== null);
  return v.length === 0 ? null : v.reduce((a, b) => a + b, 0) / v.length;
}

export function table(figs: SystemFigures[]): string {
  const rows = [['system', 'lines', 'GA', 'PA', 'message', 'level', 'timestamp read', 'Drain GA (tuned)']];
  for (const f of figs) {
    rows.push([f.system, String(f.lines), num(f.ga), num(f.pa), pct(f.message), pct(f.level), pct(f.timestamp), num(DRAIN_GA[f.system])]);
  }
  rows.push([
    'mean',
    '',
    num(mean(figs.map((f) => f.ga))),
    num(mean(figs.map((f) => f.pa))),
    pct(mean(figs.map((f) => f.message))),
    pct(mean(figs.map((f) => f.level))),
    pct(mean(figs.map((f) => f.timestamp))),
    num(ANCHOR_MEANS.drainTuned),
  ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const body = rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
  return `${body}\nother published means (GA, 16 systems): drain3 untuned ${num(ANCHOR_MEANS.drain3Untuned)} (raw lines ${num(ANCHOR_MEANS.drain3RawLines)}), Brain tuned ${num(ANCHOR_MEANS.brainTuned)}, LogBatcher ${num(ANCHOR_MEANS.logBatcher)}; PA: drain3 tuned 0.46 (issue 18)`;
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
