/**
 * Grouping accuracy (GA) of the template miner on the Loghub-2k samples (see loghub.ts for the
 * citation), with no per-system configuration, against Drain's published figures (Zhu et al.,
 * "Tools and Benchmarks for Automated Log Parsing", ICSE-SEIP 2019).
 *
 * Two paths: the dataset's Content column (header removed by the dataset's hand-written format),
 * and the CLI's own path: raw lines -> classify -> miner -> final templates.
 */
import { PassThrough, Writable } from 'node:stream';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { templatesCommand } from '../../../cli/templates.ts';
import { groupingAccuracy } from '../../../shared/templates/accuracy.ts';
import { FinalTemplates } from '../../../shared/templates/final.ts';
import { canonicalTemplate, loadLoghub as loadSamples, mine, parsingAccuracy } from '../../../bench/loghub-accuracy.ts';
import { ALL_LOGHUB_SYSTEMS, LOGHUB_DIR, LOGHUB_SYSTEMS, assertLoghubPresent, loadLoghub } from '../../support/loghub.ts';

/** Drain's GA on Loghub-2k (Zhu et al. 2019, Table II). */
export const DRAIN_GA: Record<string, number> = {
  Apache: 1.0,
  HDFS: 0.9975,
  Hadoop: 0.9475,
  Linux: 0.69,
  OpenSSH: 0.7875,
  Spark: 0.92,
  Zookeeper: 0.9665,
  HealthApp: 0.78,
};

/**
 * Floors for all sixteen systems, a little below what one miner configuration reaches (`npm run
 * accuracy` prints the table): GA from the Content column, GA and PA from the raw lines (classify ->
 * miner). A regression fails.
 */
const FLOORS: Record<string, { content: number; raw: number; pa: number }> = {
  Android: { content: 0.93, raw: 0.93, pa: 0.67 },
  Apache: { content: 0.995, raw: 0.995, pa: 0.99 },
  BGL: { content: 0.98, raw: 0.98, pa: 0.54 },
  HDFS: { content: 0.995, raw: 0.995, pa: 0.805 },
  HPC: { content: 0.945, raw: 0.945, pa: 0.875 },
  Hadoop: { content: 0.985, raw: 0.985, pa: 0.88 },
  HealthApp: { content: 0.995, raw: 0.995, pa: 0.64 },
  Linux: { content: 0.995, raw: 0.995, pa: 0.965 },
  Mac: { content: 0.925, raw: 0.92, pa: 0.53 },
  OpenSSH: { content: 0.995, raw: 0.995, pa: 0.735 },
  OpenStack: { content: 0.995, raw: 0.995, pa: 0.93 },
  Proxifier: { content: 0.985, raw: 0.995, pa: 0.51 },
  Spark: { content: 0.995, raw: 0.995, pa: 0.95 },
  Thunderbird: { content: 0.96, raw: 0.96, pa: 0.77 },
  Windows: { content: 0.995, raw: 0.995, pa: 0.975 },
  Zookeeper: { content: 0.99, raw: 0.99, pa: 0.99 },
};

async function cliTemplates(file: string): Promise<string[]> {
  let out = '';
  const stdout = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString('utf8');
      cb();
    },
  });
  const stderr = new PassThrough();
  const code = await templatesCommand([file], { stdin: new PassThrough(), stdout, stderr });
  expect(code).toBe(0);
  const lines = out.split('\n');
  lines.pop();
  return lines;
}

assertLoghubPresent();

describe('template miner grouping accuracy on Loghub-2k', () => {
  describe.each(LOGHUB_SYSTEMS)('%s', (system) => {
    it('Content column: GA at or above Drain', () => {
      const d = loadLoghub(system);
      const mined = new FinalTemplates({ maxClusters: 100_000 });
      for (const m of d.content) mined.add(m);
      const ga = groupingAccuracy(mined.toArray(), d.truth);
      expect(ga).toBeGreaterThanOrEqual(DRAIN_GA[system]!);
    });

    it('raw lines through the CLI (classify -> miner): GA at or above Drain', async () => {
      const d = loadLoghub(system);
      const out = await cliTemplates(join(LOGHUB_DIR, system, `${system}_2k.log`));
      expect(out.length).toBe(d.raw.length);
      const ga = groupingAccuracy(out, d.truth);
      expect(ga).toBeGreaterThanOrEqual(DRAIN_GA[system]!);
    }, 30_000);
  });
});

describe('all sixteen Loghub-2k systems, one miner configuration: floors just below what it reaches', () => {
  const samples = loadSamples();
  it.each(ALL_LOGHUB_SYSTEMS)('%s: GA (Content column and raw lines) and PA at or above their floors', (system) => {
    const floor = FLOORS[system]!;
    const d = loadLoghub(system);
    const content = new FinalTemplates({ maxClusters: 100_000 });
    for (const m of d.content) content.add(m);
    expect(groupingAccuracy(content.toArray(), d.truth)).toBeGreaterThanOrEqual(floor.content);
    const s = samples.find((x) => x.system === system)!;
    const mined = mine(s.lines);
    const truth = s.columns.get('EventTemplate')!;
    expect(groupingAccuracy(mined, truth)).toBeGreaterThanOrEqual(floor.raw);
    expect(parsingAccuracy(mined, truth)).toBeGreaterThanOrEqual(floor.pa);
  }, 30_000);

  it('averages: GA >= 0.98, PA >= 0.80 over the sixteen (raw lines)', () => {
    let ga = 0;
    let pa = 0;
    for (const s of samples) {
      const mined = mine(s.lines);
      const truth = s.columns.get('EventTemplate')!;
      ga += groupingAccuracy(mined, truth);
      pa += parsingAccuracy(mined, truth);
    }
    expect(ga / samples.length).toBeGreaterThanOrEqual(0.98);
    expect(pa / samples.length).toBeGreaterThanOrEqual(0.80);
  }, 60_000);
});

describe('the Loghub-2.0 canonicalisation (ported correct_single_template)', () => {
  it('applies its rules: digits, words glued to variables, dotted and consecutive variables, quoted variables', () => {
    expect(canonicalTemplate('  took   12 ms ')).toBe('took <*> ms');
    expect(canonicalTemplate('block blk_<*> served')).toBe('block <*> served');
    expect(canonicalTemplate('time: <*>.<*>')).toBe('time: <*>');
    expect(canonicalTemplate('addr <*>:<*> up')).toBe('addr <*> up');
    expect(canonicalTemplate('user "<*>" logged')).toBe('user <*> logged');
    expect(canonicalTemplate('path <*>/<*> kept')).toBe('path <*> kept');
    expect(canonicalTemplate('v<*>.<*> (<*>)')).toBe('<*> (<*>)');
  });
});

