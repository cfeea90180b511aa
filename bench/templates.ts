/**
 * Template mining speed: classify + mine, lines per second per core, on the Loghub-2k samples
 * (Zhu et al., "Loghub", ISSRE 2023; test/fixtures/loghub), the eight systems the figure has always used. Target: 200,000 lines/s/core.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { throughput } from './harness.ts';
import type { Bench, BenchFigure } from './harness.ts';
import { createMiner } from '../shared/templates/miner.ts';
import { messageOf } from '../shared/templates/message.ts';

import { LOGHUB_DIR } from '../test/support/loghub.ts';
const SYSTEMS = ['Apache', 'HDFS', 'Hadoop', 'Linux', 'OpenSSH', 'Spark', 'Zookeeper', 'HealthApp'];

/** The lines the bench mines: the eight systems' Loghub-2k logs, in turn. */
export function loadTemplateBenchLines(): string[] {
  const lines: string[] = [];
  for (const s of SYSTEMS) {
    const f = join(LOGHUB_DIR, s, `${s}_2k.log`);
    if (!existsSync(f)) throw new Error(`templates bench: ${f} is missing (the repository carries the samples in test/fixtures/loghub)`);
    for (const l of readFileSync(f, 'utf8').split('\n')) if (l) lines.push(l);
  }
  return lines;
}

const bench: Bench = {
  name: 'templates',
  async run(ctx) {
    const lines = loadTemplateBenchLines();
    const minMs = ctx.quick ? 300 : 2000;
    const now = new Date();
    const messages = lines.map((l) => messageOf(l, now));
    const detail = `${lines.length} lines of 8 Loghub-2k systems in one miner (default options)`;
    const figures: BenchFigure[] = [];

    // A fresh miner per pass, fed the 8 systems in turn (8 sources' lines into one tenant's miner).
    const mineOnly = throughput(() => {
      const m = createMiner();
      for (const msg of messages) m.add(msg);
    }, messages.length, minMs);
    figures.push({ name: 'mine only (messages pre-classified)', value: Math.round(mineOnly.perSecond), unit: 'lines/s/core', detail });

    // Warm miner: steady state, where most lines match an existing template.
    const warm = createMiner();
    for (const msg of messages) warm.add(msg);
    const steady = throughput(() => {
      for (const msg of messages) warm.add(msg);
    }, messages.length, minMs);
    figures.push({ name: 'mine only, warm miner (steady state)', value: Math.round(steady.perSecond), unit: 'lines/s/core', detail });

    // The pipeline's path: raw line -> classify -> miner.
    const both = throughput(() => {
      const m = createMiner();
      for (const l of lines) m.add(messageOf(l, now));
    }, lines.length, minMs);
    figures.push({ name: 'classify + mine', value: Math.round(both.perSecond), unit: 'lines/s/core', target: 200_000, detail });
    return figures;
  },
};

export default bench;
