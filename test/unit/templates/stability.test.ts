/**
 * Stability of classify -> miner on all sixteen Loghub-2k systems (issue 18, "Stable"): grouping
 * accuracy (GA) must not depend on the order of the lines or on the values in variable positions,
 * a template's id must not depend on the run, and tenants must not see each other's lines.
 *
 * Perturbations (test/support/perturb.ts): a seeded shuffle; fresh values of the same shape in each
 * position the labelled template marks `<*>` (digits, hex letters and other letters replaced within
 * their class; in a value of several words a word of letters only, a unit such as `KB`, is kept).
 */
import { describe, expect, it } from 'vitest';
import { classify } from '../../../shared/classify/index.ts';
import { TenantMiners } from '../../../shared/process/templates.ts';
import { groupingAccuracy } from '../../../shared/templates/accuracy.ts';
import { FinalTemplates } from '../../../shared/templates/final.ts';
import { createMiner } from '../../../shared/templates/miner.ts';
import { ALL_LOGHUB_SYSTEMS, assertLoghubPresent, loadLoghub, type LoghubSample } from '../../support/loghub.ts';
import { MemoryTemplateStore } from '../../support/memory.ts';
import { freshValues, sameShape, shuffledOrder, withContent } from '../../support/perturb.ts';
import { rng } from '../../support/random.ts';

const RECEIVED = new Date('2026-01-01T00:00:00Z');
const SEEDS = [1, 2, 3];

function mineEntries(lines: readonly string[]): Array<{ templateId: string; template: string }> {
  const f = new FinalTemplates({ maxClusters: 100_000 });
  for (const l of lines) f.add(classify(l, RECEIVED).message);
  return [...f.entries()];
}

const ga = (lines: readonly string[], truth: readonly string[]): number => groupingAccuracy(mineEntries(lines).map((e) => e.template), truth);

function sample(system: string): LoghubSample {
  const d = loadLoghub(system);
  const n = Math.min(d.raw.length, d.truth.length);
  return { system, raw: d.raw.slice(0, n), content: d.content.slice(0, n), truth: d.truth.slice(0, n) };
}

/**
 * README "Template id stability": an id is the hash of the cluster's current template (re-keyed when
 * it generalises or merges, the old id kept as an alias), so every final template two orders share
 * has the same id in both.
 */
const MIN_SAME_ID_ACROSS_ORDERS = 1;

/**
 * Every system within the goal, 0.02 (Proxifier moved by 0.023 before a run of three differing
 * adjacent words kept `could not resolve <host>` apart from `connection attempt failed with`;
 * Linux by 0.123 before `for user <name>` was masked). Per-system exceptions would go here.
 */
const FRESH_BOUND: Record<string, number> = {};

assertLoghubPresent();

describe('the perturbations', () => {
  it('a seeded shuffle is a permutation, the same for the same seed', () => {
    const a = shuffledOrder(100, 7);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(shuffledOrder(100, 7)).toEqual(a);
    expect(shuffledOrder(100, 8)).not.toEqual(a);
  });

  it('fresh values keep each character class and the units of multi-word values', () => {
    const next = rng(3);
    const v = sameShape('blk_-1608999687919862906', next);
    expect(v).toMatch(/^[a-f][g-z][g-z]_-\d{19}$/);
    expect(sameShape('1.16 KB', next)).toMatch(/^\d\.\d\d KB$/);
    const c = freshValues('user alice from 10.0.0.1 port 22', 'user <*> from <*> port <*>', next);
    expect(c).toMatch(/^user [a-z]{5} from \d+\.\d\.\d\.\d port \d\d$/);
    expect(c).not.toBe('user alice from 10.0.0.1 port 22');
    expect(withContent('Jun 1 host sshd: a b', 'a b', 'x y')).toBe('Jun 1 host sshd: x y');
  });
});

describe.each(ALL_LOGHUB_SYSTEMS)('%s: stable under perturbation', (system) => {
  const s = sample(system);
  const base = mineEntries(s.raw);
  const ga0 = groupingAccuracy(base.map((e) => e.template), s.truth);

  it('GA moves by at most 0.02 when the lines are shuffled; every template keeps its id', () => {
    const idOf = new Map(base.map((e) => [e.template, e.templateId]));
    for (const seed of SEEDS) {
      const order = shuffledOrder(s.raw.length, seed);
      const got = mineEntries(order.map((i) => s.raw[i]!));
      expect(Math.abs(groupingAccuracy(got.map((e) => e.template), order.map((i) => s.truth[i]!)) - ga0)).toBeLessThanOrEqual(0.02);
      let shared = 0;
      let same = 0;
      for (const [template, id] of new Map(got.map((e) => [e.template, e.templateId]))) {
        if (!idOf.has(template)) continue;
        shared++;
        if (idOf.get(template) === id) same++;
      }
      expect(same / shared).toBeGreaterThanOrEqual(MIN_SAME_ID_ACROSS_ORDERS);
    }
  }, 30_000);

  it('GA moves by at most 0.02 when variable values are fresh values of the same shape', () => {
    for (const seed of SEEDS) {
      const next = rng(seed);
      const lines = s.raw.map((r, i) => withContent(r, s.content[i]!, freshValues(s.content[i]!, s.truth[i]!, next)));
      expect(Math.abs(ga(lines, s.truth) - ga0)).toBeLessThanOrEqual(FRESH_BOUND[system] ?? 0.02);
    }
  }, 30_000);

  it('two streaming miners fed two orders: every template both hold has the same id in both', () => {
    const a = createMiner({ maxClusters: 100_000 });
    const b = createMiner({ maxClusters: 100_000 });
    const order = shuffledOrder(s.raw.length, 9);
    for (const l of s.raw) a.add(classify(l, RECEIVED).message);
    for (const i of order) b.add(classify(s.raw[i]!, RECEIVED).message);
    const idA = new Map(a.templates().map((t) => [t.template, t.templateId]));
    const both = b.templates().filter((t) => idA.has(t.template));
    expect(both.length).toBeGreaterThan(0);
    for (const t of both) expect(t.templateId).toBe(idA.get(t.template));
  }, 30_000);

  it('the same lines in the same order give the same ids in another run', () => {
    expect(mineEntries(s.raw)).toEqual(base);
  });
});

describe('tenants', () => {
  /** Each line's id as `add` answers it, for one tenant's stream alone or interleaved with another's. */
  async function ids(streams: Record<string, readonly string[]>): Promise<Record<string, string[]>> {
    const miners = new TenantMiners(new MemoryTemplateStore(), { maxClusters: 100_000 });
    const names = Object.keys(streams);
    await miners.prepare(names);
    const out: Record<string, string[]> = Object.fromEntries(names.map((n) => [n, []]));
    const longest = Math.max(...names.map((n) => streams[n]!.length));
    for (let i = 0; i < longest; i++) {
      for (const n of names) {
        const line = streams[n]![i];
        if (line !== undefined) out[n]!.push(miners.add(n, classify(line, RECEIVED).message));
      }
    }
    return out;
  }

  it.each([
    ['Linux', 'OpenSSH'],
    ['HDFS', 'Hadoop'],
    ['BGL', 'Thunderbird'],
  ])('%s and %s interleaved: each tenant gets what it gets alone', async (a, b) => {
    const la = sample(a).raw;
    const lb = sample(b).raw;
    const together = await ids({ a: la, b: lb });
    expect(together.a).toEqual((await ids({ a: la })).a);
    expect(together.b).toEqual((await ids({ b: lb })).b);
  }, 30_000);

  it('one system split between two tenants: the same template gets the same id in both', async () => {
    const raw = sample('HDFS').raw;
    const order = shuffledOrder(raw.length, 5);
    const half = order.slice(0, 1000).map((i) => raw[i]!);
    const other = order.slice(1000).map((i) => raw[i]!);
    const together = await ids({ a: half, b: other });
    expect(together.a).toEqual((await ids({ a: half })).a);
    expect(together.b).toEqual((await ids({ b: other })).b);
  }, 30_000);
});
