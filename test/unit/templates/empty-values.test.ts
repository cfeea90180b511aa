/** `key=` with no value is written as such: a constant of the line. Synthetic lines. */
import { describe, expect, it } from 'vitest';
import { createMiner } from '../../../shared/templates/miner.ts';
import { tokenize } from '../../../shared/templates/tokenize.ts';

describe('a key written without a value', () => {
  it('stays "key=" (no variable), a key with a value still masks it', () => {
    expect(tokenize('auth fail owner= tty=pts/3 peer=').tokens).toEqual(['auth', 'fail', 'owner', '=', 'tty', '=', '<*>', 'peer', '=']);
    expect(tokenize('retries=3').tokens).toEqual(['retries', '=', '<*>']);
  });

  it('mines lines that always leave a field empty to a template showing it empty', () => {
    const m = createMiner();
    for (const [u, h] of [[0, '10.0.0.1'], [501, '10.0.0.2'], [77, '10.9.9.9']]) m.add(`login refused; owner= uid=${u} host=${h}`);
    expect(m.templates().map((t) => t.template)).toEqual(['login refused; owner= uid=<*> host=<*>']);
  });
});
