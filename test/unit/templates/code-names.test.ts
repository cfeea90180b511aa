/** Function calls in messages: `name()` and `jk2_init(` are code, constants. Synthetic lines. */
import { describe, expect, it } from 'vitest';
import { createMiner } from '../../../shared/templates/miner.ts';
import { tokenize } from '../../../shared/templates/tokenize.ts';

describe('function calls are constants', () => {
  it('keeps the empty argument list of a call, masks a free-standing empty value', () => {
    expect(tokenize('cache.flush() done').tokens).toEqual(['cache.flush', '(', ')', 'done']);
    expect(tokenize('peer 10.0.0.9 () gone').tokens).toEqual(['peer', '<*>', '(', '<*>', ')', 'gone']);
  });

  it('keeps an identifier with a digit glued to "(" (a function name), masks numbered values', () => {
    expect(tokenize('md5_update(ctx) failed').tokens).toEqual(['md5_update', '(', 'ctx', ')', 'failed']);
    expect(tokenize('utf8to16() bad input').tokens).toEqual(['utf8to16', '(', ')', 'bad', 'input']);
    // Digits at the end or no letter after them: a numbered thing, not a name.
    expect(tokenize('cpu3(idle) parked').tokens[0]).toBe('<*>');
    expect(tokenize('x_42(ok) parked').tokens[0]).toBe('<*>');
    // Not glued to "(": the usual masking.
    expect(tokenize('md5_update ok').tokens[0]).toBe('<*>');
  });

  it('mines a call with no arguments to a template that keeps it', () => {
    const m = createMiner();
    for (const n of [3, 17, 254]) m.add(`sha1_init() slot ${n} ready`);
    expect(m.templates().map((t) => t.template)).toEqual(['sha1_init() slot <*> ready']);
  });

  it('a free-standing () and a value at the same place give one template', () => {
    const m = createMiner();
    m.add('peer 10.0.0.9 (gw-1.example.org) gone');
    m.add('peer 10.0.0.7 () gone');
    m.add('peer 10.0.0.5 (edge-2.example.net) gone');
    expect(m.size).toBe(1);
  });
});
