/**
 * The generic header reader on the Loghub-2k samples (Zhu et al., "Loghub: A Large Collection of
 * System Log Datasets for AI-driven Log Analytics", ISSRE 2023; https://github.com/logpai/loghub),
 * carried in test/fixtures/loghub. Floors sit a little below what the classifier
 * reaches (see bench/loghub-accuracy.ts for the table), so regressions fail.
 */
import { describe, expect, it } from 'vitest';
import { loadLoghub, measure } from '../../../bench/loghub-accuracy.ts';
import { ALL_LOGHUB_SYSTEMS, assertLoghubPresent } from '../../support/loghub.ts';

/** Message = Content, all sixteen systems, just below what the classifier reaches (`npm run accuracy`). */
const MESSAGE_FLOOR: Record<string, number> = {
  Android: 0.995,
  Apache: 0.995,
  BGL: 0.995,
  HDFS: 0.995,
  HPC: 0.97,
  Hadoop: 0.995,
  HealthApp: 0.995,
  Linux: 0.99,
  Mac: 0.95,
  OpenSSH: 0.995,
  OpenStack: 0.995,
  Proxifier: 0.995,
  Spark: 0.995,
  Thunderbird: 0.995,
  Windows: 0.995,
  Zookeeper: 0.995,
};
/** Share of lines whose timestamp is read (HPC's few lines without a header run keep the receive time). */
const TIMESTAMP_FLOOR: Record<string, number> = { HPC: 0.97 };
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
      expect(f!.timestamp).toBeGreaterThanOrEqual(TIMESTAMP_FLOOR[system] ?? 0.99);
    });
  }
});
