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
