/** `for user <name>` / `by user <name>`: the account name is a variable. Synthetic lines. */
import { describe, expect, it } from 'vitest';
import { createMiner } from '../../../shared/templates/miner.ts';
import { tokenize } from '../../../shared/templates/tokenize.ts';

describe('account names after "for user" / "by user"', () => {
  it('masks the name whatever it looks like', () => {
    expect(tokenize('quota reset for user alice').tokens).toEqual(['quota', 'reset', 'for', 'user', '<*>']);
    expect(tokenize('file removed by User bob today').tokens).toEqual(['file', 'removed', 'by', 'User', '<*>', 'today']);
  });

  it('leaves prose alone: "user" not after for/by, or glued punctuation', () => {
    expect(tokenize('check done; user unknown').tokens).toEqual(['check', 'done', ';', 'user', 'unknown']);
    expect(tokenize('no more user methods left').tokens).toEqual(['no', 'more', 'user', 'methods', 'left']);
    expect(tokenize('closed for users today').tokens).toEqual(['closed', 'for', 'users', 'today']);
  });

  it('three account names give one template (the closed-set rule would keep them apart)', () => {
    const m = createMiner();
    const ids = new Set(['carol', 'dave', 'erin'].map((u) => m.add(`quota reset for user ${u}`).templateId));
    expect(ids.size).toBe(1);
    expect(m.templates().map((t) => t.template)).toEqual(['quota reset for user <*>']);
  });
});
