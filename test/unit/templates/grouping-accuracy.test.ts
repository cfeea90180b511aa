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
import { LOGHUB_DIR, LOGHUB_SYSTEMS, assertLoghubPresent, loadLoghub } from '../../support/loghub.ts';

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
