/**
 * The tokeniser reads a message's UTF-16 code units from a buffer it fills per message (issue 18's
 * speed): what it reads must be the message's own code units, whatever came before, at any length.
 */
import { describe, expect, it } from 'vitest';
import { tokenize } from '../../../shared/templates/tokenize.ts';

/** Token texts and kinds, one string per token (`kind:text`). */
function shape(text: string): string[] {
  const t = tokenize(text);
  return t.tokens.map((tok, i) => `${t.kinds[i]}:${tok}@${t.starts[i]}-${t.ends[i]}`);
}

describe('the tokeniser reads each message as it is', () => {
  it('keeps lone surrogates and other non-ASCII code units in words, and splits at non-ASCII spaces', () => {
    const text = 'open \ud800x\udc00 caf\u00e9\u3000\u4e2d\u6587 end';
    const t = tokenize(text);
    expect(t.tokens).toEqual(['open', '\ud800x\udc00', 'caf\u00e9', '\u4e2d\u6587', 'end']);
    expect(t.kinds).toEqual([0, 0, 0, 0, 0]);
    // A word of 13+ code units is copied out of the buffer: every code unit as it was.
    const long = 'Handler\ud800Connection\udfffWorker\u00e9';
    expect(tokenize(`x ${long} y`).tokens).toEqual(['x', long, 'y']);
    expect(tokenize(`z ${long}`).tokens[1]).toBe(long);
  });

  it('reads nothing of a longer message tokenised before: its end is the end', () => {
    // Past the end of the shorter message the buffer still holds the longer one's characters: a
    // word followed there by `(` would be a called name, a `/` there by `<*>` punctuation, a `<` there
    // by `*>` a variable.
    tokenize('jk2_init(');
    expect(shape('jk2_init')).toEqual(['2:<*>@0-8']);
    tokenize('at /<*>');
    expect(shape('at /')).toEqual(['0:at@0-2', '0:/@3-4']);
    tokenize('a <*>');
    expect(shape('a <')).toEqual(['0:a@0-1', '1:<@2-3']);
  });

  it('tokenises messages longer than the shared buffer the same as short ones, and short ones after them', () => {
    const unit = 'user alice logged in from 10.0.0.1 port 22 [ok] ';
    const short = shape(unit);
    const long = unit.repeat(3000); // 150,000 code units: a buffer of its own
    const t = tokenize(long);
    expect(t.tokens.length).toBe(3000 * tokenize(unit).tokens.length);
    expect(t.tokens.slice(0, tokenize(unit).tokens.length)).toEqual(tokenize(unit).tokens);
    expect(shape(unit)).toEqual(short);
    const mid = unit.repeat(600); // 30,000: the shared buffer grows
    expect(tokenize(mid).tokens.length).toBe(600 * tokenize(unit).tokens.length);
    expect(shape(unit)).toEqual(short);
  });
});
