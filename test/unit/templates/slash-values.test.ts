/** `/10.0.0.7:50010`: a value written after a `/` keeps the `/` as punctuation. Synthetic lines. */
import { describe, expect, it } from 'vitest';
import { createMiner } from '../../../shared/templates/miner.ts';
import { tokenize } from '../../../shared/templates/tokenize.ts';

describe('a slash before a value', () => {
  it('is punctuation before the variable; a path of words is still one variable', () => {
    expect(tokenize('peer /10.4.0.7:50010 closed').tokens).toEqual(['peer', '/', '<*>', 'closed']);
    expect(tokenize('slot /3 empty').tokens).toEqual(['slot', '/', '<*>', 'empty']);
    expect(tokenize('open /srv/data/x1 failed').tokens).toEqual(['open', '<*>', 'failed']);
    // A rendered template read back gives the same tokens.
    expect(tokenize('peer /<*> closed', { collapse: false }).tokens).toEqual(['peer', '/', '<*>', 'closed']);
    expect(tokenize('peer /<*> closed', { collapse: false }).kinds).toEqual(tokenize('peer /10.4.0.7:50010 closed').kinds);
  });

  it('mines to a template that shows the slash, and the slash adds no similarity', () => {
    const m = createMiner();
    m.add('peer /10.4.0.7:50010 closed');
    expect(m.add('peer /10.4.0.9:41234 closed').template).toBe('peer /<*> closed');
    // 4 of 6 words agree (0.67, under 0.7): apart, as they are without the slash.
    const n = createMiner();
    const a = n.add('client wants to renew session 0x1f at /10.0.0.1:4000');
    const b = n.add('client wants to establish new session at /10.0.0.2:4001');
    expect(b.templateId).not.toBe(a.templateId);
  });
});
