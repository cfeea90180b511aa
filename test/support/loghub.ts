/**
 * Loader for the Loghub-2k samples in `../shared/data/loghub` beside the repository (see its README;
 * cite: Zhu et al., "Loghub: A Large Collection of System Log Datasets for AI-driven Log Analytics",
 * ISSRE 2023). Tests and benches share it. LOGHUB_DIR overrides the location.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const LOGHUB_DIR = process.env.LOGHUB_DIR ?? resolve(REPO_ROOT, '..', 'shared', 'data', 'loghub');

export const LOGHUB_SYSTEMS = ['Apache', 'HDFS', 'Hadoop', 'Linux', 'OpenSSH', 'Spark', 'Zookeeper', 'HealthApp'] as const;

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

export function loghubAvailable(system: string): boolean {
  return existsSync(join(LOGHUB_DIR, system, `${system}_2k.log_structured.csv`));
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
