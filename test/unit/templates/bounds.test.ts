/**
 * The miner's per-message and per-tenant bounds (issues 15 and 16).
 */
import { describe, expect, it } from 'vitest';
import { createMiner, tokenize } from '../../../shared/templates/index.ts';

describe('a message is tokenised up to a bounded number of tokens', () => {
  it('the limit stops the tokenizer and says so; below it nothing changes', () => {
    const text = 'a b c d e f';
    const full = tokenize(text);
    expect(full.cut).toBe(false);
    const cut = tokenize(text, undefined, false, 3);
    expect(cut.cut).toBe(true);
    expect(cut.tokens).toEqual(['a', 'b', 'c']);
    expect(tokenize(text + '   ', undefined, false, 6).cut).toBe(false);
  });

  it('a 64 KB message of punctuation ends in one trailing variable spanning the rest, as without the limit', () => {
    const words = Array.from({ length: 200 }, (_, i) => `w${String.fromCharCode(97 + (i % 26))}`).join(' ');
    const long = `${words} ${'[('.repeat(30_000)}  `;
    const r = createMiner({ maxTokens: 96, params: true }).add(long);
    // 95 kept tokens (words with a digit-free name stay constants) then one <*> for the rest.
    expect(r.template.trimEnd().split(' ').length).toBe(96);
    expect(r.template.endsWith(' <*>  ')).toBe(true);
    expect(r.params?.[r.params.length - 1]?.endsWith('[(')).toBe(true);
  });
});

/** A digit-free word from a number (letters only, so the masker keeps it a constant). */
function word(n: number, len = 6): string {
  let s = '';
  for (let i = 0; i < len; i++) {
    s += String.fromCharCode(97 + (n % 26));
    n = Math.floor(n / 26);
  }
  return s;
}

/** Messages sharing one leaf (same token count, same first two words) that are all dissimilar. */
function sameLeaf(i: number): string {
  const rest = Array.from({ length: 8 }, (_, k) => word(i * 8 + k)).join(' ');
  return `job start ${rest}`;
}

/** Least time of `reps` runs of f over `n` calls, per call (ms). */
function perCall(f: (i: number) => void, n: number, reps = 5): number {
  let best = Number.POSITIVE_INFINITY;
  let base = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f(base + i);
    base += n;
    best = Math.min(best, (performance.now() - t0) / n);
  }
  return best;
}

describe('miner bounds per tenant (issue 16)', () => {
  it('2,000 clusters sharing one leaf: a later message of that shape costs a bounded multiple of a normal one', () => {
    const big = createMiner({ maxClusters: 5000 });
    for (let i = 0; i < 2000; i++) big.add(sameLeaf(i));
    // The same shape in a leaf that holds 64 clusters anyway: the bound's own cost.
    const capped = createMiner({ maxClusters: 5000 });
    for (let i = 0; i < 64; i++) capped.add(sameLeaf(i));
    // A normal message: one template among a few, matched.
    const normal = createMiner({ maxClusters: 5000 });
    for (let i = 0; i < 50; i++) normal.add(`user ${word(i)} logged in from 10.0.0.${i % 250} port ${1000 + i}`);
    let tBig = Number.POSITIVE_INFINITY;
    let tCapped = Number.POSITIVE_INFINITY;
    let tNormal = Number.POSITIVE_INFINITY;
    // Interleaved, the least of seven runs each: the machine's noise hits all three alike.
    for (let r = 0; r < 7; r++) {
      const base = 10_000 + r * 500;
      tBig = Math.min(tBig, perCall((i) => big.add(sameLeaf(base + i)), 500, 1));
      tCapped = Math.min(tCapped, perCall((i) => capped.add(sameLeaf(base + i)), 500, 1));
      tNormal = Math.min(tNormal, perCall((i) => normal.add(`user ${word(i % 50)} logged in from 10.0.0.${i % 250} port ${1000 + i}`), 500, 1));
    }
    // Unbounded, each message scanned 2,000 candidates: ~8x the 64-cluster leaf here, a few hundred
    // times a normal (matched) message; bounded, about the 64-cluster leaf's cost (a new cluster).
    expect(tBig / tCapped).toBeLessThan(3);
    expect(tBig / tNormal).toBeLessThan(100);
  });

  it('templates of 95 80-character words: each template and the whole state stay bounded', () => {
    const m = createMiner({ maxClusters: 2000 });
    for (let i = 0; i < 2000; i++) {
      const words = Array.from({ length: 95 }, (_, k) => word(i * 95 + k, 80));
      m.add(words.join(' '));
    }
    const snap = m.snapshot();
    for (const [, template] of snap.clusters) expect(template.length).toBeLessThanOrEqual(1024);
    expect(m.stateBytes).toBeLessThanOrEqual(1024 * 1024);
    // The estimate is the snapshot's JSON size, about (15.6 MB unbounded).
    expect(JSON.stringify(snap).length).toBeLessThanOrEqual(1.05 * 1024 * 1024);
    expect(JSON.stringify(snap).length).toBeGreaterThan(0.5 * m.stateBytes);
  });

  it('a template over 1,024 characters keeps its first tokens and ends in one <*>, and messages of its shape match it', () => {
    const m = createMiner();
    const words = Array.from({ length: 40 }, (_, k) => word(k, 40));
    const a = m.add(`${words.join(' ')} tail one`);
    const b = m.add(`${words.join(' ')} tail two`);
    expect(a.template.length).toBeLessThanOrEqual(1024);
    expect(a.template.endsWith(' <*>')).toBe(true);
    expect(b.templateId).toBe(a.templateId);
  });

  it('aliases stay within maxClusters (closed sets merging: 4 aliases per family, unbounded 3-4x maxClusters)', () => {
    const maxClusters = 100;
    const m = createMiner({ maxClusters });
    const states = ['Started', 'Paused', 'Resumed', 'Stopped', 'Killed'];
    let last = '';
    for (let f = 0; f < 400; f++) {
      const ids = states.map((s) => m.add(`machine ${word(f)} state is now ${s}`).templateId);
      last = ids[0]!;
      expect(m.aliasCount).toBeLessThanOrEqual(maxClusters);
    }
    expect(m.snapshot().aliases.length).toBeLessThanOrEqual(maxClusters);
    expect(m.size).toBeLessThanOrEqual(maxClusters);
    // The newest family's first id was retired into the merged template and still resolves.
    expect(m.get(last)?.template).toBe(`machine ${word(399)} state is now <*>`);
  });

  it('a restored state keeps within the bounds too', () => {
    const m = createMiner({ maxClusters: 100 });
    for (let f = 0; f < 400; f++) for (const s of ['Started', 'Paused', 'Resumed', 'Stopped', 'Killed']) m.add(`vm ${word(f)} ${s}`);
    const r = createMiner({ maxClusters: 50 }, m.snapshot());
    expect(r.size).toBeLessThanOrEqual(50);
    expect(r.aliasCount).toBeLessThanOrEqual(50);
  });
});

describe('generic masking rules (issue 18; synthetic lines)', () => {
  it('an absolute path with a query string is one variable, so requests with and without a query group together', () => {
    const m = createMiner();
    const a = m.add('10.1.2.3 "GET /api/items" status: 200 len: 512');
    const b = m.add('10.1.2.4 "GET /api/items/7/detail?all=true&since=2024-01-01" status: 200 len: 90');
    expect(b.templateId).toBe(a.templateId);
    expect(tokenize('/a/b?x=1&y=z').tokens).toEqual(['<*>']);
    // A path without a query, or a question in prose, is not affected.
    expect(tokenize('why? a=b').tokens).toEqual(['why?', 'a', '=', 'b']);
  });
});

describe('labelled values (issue 18; synthetic lines)', () => {
  it('a short label glued to a parenthesised address is one value: `LOCAL(127.0.0.1),` groups with `10.0.0.9,`', () => {
    const m = createMiner();
    const a = m.add('clock locked to 10.0.0.9, level 3');
    const b = m.add('clock locked to LOCAL(127.0.0.1), level 10');
    expect(b.templateId).toBe(a.templateId);
    expect(tokenize('eth0(10.0.0.1)').tokens).toEqual(['<*>']);
    // A call with a path or words inside keeps its parts.
    expect(tokenize('open(/etc/x)').tokens).toEqual(['open', '(', '<*>', ')']);
  });
});

describe('closed sets and sentence punctuation (issue 18; synthetic lines)', () => {
  it("a word ending a sentence (`Agent.`) is still a plain word: a second value starts a sibling, not a variable", () => {
    const m = createMiner();
    const a = m.add('Job 42 queued by scheduler NightlyBackup.');
    const b = m.add('Job 43 queued by scheduler Reindex.');
    expect(b.templateId).not.toBe(a.templateId);
    expect(m.get(a.templateId)?.template).toBe('Job <*> queued by scheduler NightlyBackup.');
  });
});
