/** Three adjacent differing words are another phrase, not a value. Synthetic lines. */
import { describe, expect, it } from 'vitest';
import { createMiner } from '../../../shared/templates/miner.ts';

const RESOLVE = (n: number) => `request ${n} failed: could not resolve upstream after ${n + 2} tries, giving up now`;
const REFUSED = (n: number) => `request ${n} failed: connection attempt refused upstream after ${n + 2} tries, giving up now`;

describe('a run of differing words', () => {
  it('keeps two messages apart when three adjacent words differ, though most words agree', () => {
    const m = createMiner();
    const a = m.add(RESOLVE(1));
    const b = m.add(REFUSED(2));
    expect(b.templateId).not.toBe(a.templateId);
    m.add(RESOLVE(3));
    m.add(REFUSED(4));
    expect(m.templates().map((t) => t.template).sort()).toEqual([
      'request <*> failed: connection attempt refused upstream after <*> tries, giving up now',
      'request <*> failed: could not resolve upstream after <*> tries, giving up now',
    ]);
  });

  it('still merges two adjacent differing words, and three differing words apart from each other', () => {
    const m = createMiner();
    m.add(RESOLVE(1));
    expect(m.add('request 2 failed: would never resolve upstream after 4 tries, giving up now').template).toBe(
      'request <*> failed: <*> <*> resolve upstream after <*> tries, giving up now',
    );
    const n = createMiner();
    n.add('task 1 for alpha on east done after the long wait, took 3 ms');
    expect(n.add('task 2 for beta on west done after the long wait, took 5 s').template).toBe(
      'task <*> for <*> on <*> done after the long wait, took <*> <*>',
    );
  });
});
