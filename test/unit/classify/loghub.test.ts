/**
 * The generic header reader on the Loghub-2k samples (Zhu et al., "Loghub: A Large Collection of
 * System Log Datasets for AI-driven Log Analytics", ISSRE 2023; https://github.com/logpai/loghub),
 * carried in test/fixtures/loghub. Floors sit a little below what the classifier
 * reaches (see bench/loghub-accuracy.ts for the table), so regressions fail.
 */
import { describe, expect, it } from 'vitest';
import { loadLoghub, measure } from '../../../bench/loghub-accuracy.ts';
import { ALL_LOGHUB_SYSTEMS, assertLoghubPresent } from '../../support/loghub.ts';

const MESSAGE_FLOOR: Record<string, number> = {
  Apache: 0.98,
  HDFS: 0.98,
  Hadoop: 0.98,
  HealthApp: 0.98,
  Linux: 0.97,
  OpenSSH: 0.98,
  Spark: 0.98,
  Zookeeper: 0.98,
};
const LEVEL_FLOOR = 0.98;

assertLoghubPresent();
const samples = loadLoghub();

describe('Loghub-2k accuracy', () => {
  const figs = measure(samples.filter((s) => s.system in MESSAGE_FLOOR));
  it('has all sixteen systems', () => {
    expect(samples.map((s) => s.system).sort()).toEqual([...ALL_LOGHUB_SYSTEMS].sort());
  });
  for (const system of Object.keys(MESSAGE_FLOOR)) {
    it(`${system}: message and level at or above the floor`, () => {
      const f = figs.find((x) => x.system === system);
      expect(f).toBeDefined();
      expect(f!.message).toBeGreaterThanOrEqual(MESSAGE_FLOOR[system] ?? 1);
      if (f!.level !== null) expect(f!.level).toBeGreaterThanOrEqual(LEVEL_FLOOR);
      expect(f!.timestamp).toBeGreaterThanOrEqual(0.99);
    });
  }
});
