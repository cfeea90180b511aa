/** A `:` glued to a value and followed by a space ends a field: the values on either side stay two. Synthetic lines. */
import { describe, expect, it } from 'vitest';
import { createMiner } from '../../../shared/templates/miner.ts';
import { tokenize } from '../../../shared/templates/tokenize.ts';

describe('values around a field-ending colon', () => {
  it('are two variables; an address, a time and a list still collapse into one', () => {
    expect(tokenize('drop from 10.2.0.7: 42: timeout').tokens).toEqual(['drop', 'from', '<*>', ':', '<*>', ':', 'timeout']);
    expect(tokenize('peer 10.2.0.7:8443 up').tokens).toEqual(['peer', '<*>', 'up']);
    expect(tokenize('at 12:30:01 ok').tokens).toEqual(['at', '<*>', 'ok']);
    expect(tokenize('ids 4, 5, 6 done').tokens).toEqual(['ids', '<*>', 'done']);
    expect(tokenize('ratio 3 : 4 kept').tokens).toEqual(['ratio', '<*>', 'kept']);
  });

  it('mines the reason code as its own variable', () => {
    const m = createMiner();
    m.add('drop from 10.2.0.7: 42: timeout waiting');
    expect(m.add('drop from 10.9.1.1: 7: timeout waiting').template).toBe('drop from <*>: <*>: timeout waiting');
  });
});
