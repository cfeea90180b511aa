/**
 * Loader for the Loghub-2k samples carried in the repository at `test/fixtures/loghub` (all 16
 * systems, with Loghub's LICENSE and README beside them; cite: Zhu et al., "Loghub: A Large
 * Collection of System Log Datasets for AI-driven Log Analytics", ISSRE 2023). Tests and benches
 * share it. LOGHUB_DIR points it at another folder laid out the same way (held-out variations).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LOGHUB_DIR = process.env.LOGHUB_DIR ?? resolve(REPO_ROOT, 'test', 'fixtures', 'loghub');

/** The eight systems the classifier and miner were first written against. */
export const LOGHUB_SYSTEMS = ['Apache', 'HDFS', 'Hadoop', 'Linux', 'OpenSSH', 'Spark', 'Zookeeper', 'HealthApp'] as const;
/** All sixteen systems of Loghub-2k, all in the fixtures. */
export const ALL_LOGHUB_SYSTEMS = [
  ...LOGHUB_SYSTEMS, 'Android', 'BGL', 'HPC', 'Mac', 'OpenStack', 'Proxifier', 'Thunderbird', 'Windows',
] as const;

/** Throws, naming the folder, unless every one of the sixteen systems is there: no test runs on missing data. */
export function assertLoghubPresent(dir = LOGHUB_DIR): void {
  const missing = ALL_LOGHUB_SYSTEMS.filter((s) => !existsSync(join(dir, s, `${s}_2k.log_structured.csv`)));
  if (missing.length > 0) throw new Error(`Loghub samples missing in ${dir}: ${missing.join(', ')} (the repository carries them in test/fixtures/loghub)`);
}

export interface LoghubSample {
  system: string;
  /** Whole raw lines, header included. */
  raw: string[];
  /** The Content column (header removed by the dataset's own hand-written format). */
  content: string[];
  /** The true template of each line. */
  truth: string[];
}

/** RFC 4180 CSV: quoted fields with "" escapes; newlines inside quotes are kept. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += c;
    }
    i++;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export function loadLoghub(system: string): LoghubSample {
  const base = join(LOGHUB_DIR, system, `${system}_2k.log`);
  const rows = parseCsv(readFileSync(`${base}_structured.csv`, 'utf8'));
  const header = rows[0] ?? [];
  const ci = header.indexOf('Content');
  const ti = header.indexOf('EventTemplate');
  const content: string[] = [];
  const truth: string[] = [];
  for (const r of rows.slice(1)) {
    if (r.length < header.length) continue;
    content.push(r[ci] ?? '');
    truth.push(r[ti] ?? '');
  }
  let raw = readFileSync(base, 'utf8').split('\n');
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop();
  raw = raw.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  return { system, raw, content, truth };
}
