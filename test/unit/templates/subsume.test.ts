import { describe, expect, it } from 'vitest';
import { createMiner } from '../../../shared/templates/miner.ts';
import { FinalTemplates } from '../../../shared/templates/final.ts';
import { subsumers } from '../../../shared/templates/subsume.ts';

describe('subsumers', () => {
  it('a template that differs from a more general one only at one <*> is that one', () => {
    const t = ['login refused for guest from <*>', 'login refused for <*> from <*>', 'disk <*> full'];
    expect(subsumers(t)).toEqual(['login refused for <*> from <*>', 'login refused for <*> from <*>', 'disk <*> full']);
  });

  it('keeps upper-case identifiers (enum constants), two differing positions and all-variable templates apart', () => {
    const t = [
      'job moved from QUEUED to <*>',
      'job moved from <*> to <*>',
      'copy alpha to beta',
      'copy <*> to <*>',
      'x <*>',
      '<*> <*>',
    ];
    expect(subsumers(t)).toEqual(t);
  });

  it('with a leading variable: compared with the templates of its length', () => {
    expect(subsumers(['<*> sent mail to bob', '<*> sent mail to <*>'])).toEqual(['<*> sent mail to <*>', '<*> sent mail to <*>']);
  });
});

describe('FinalTemplates folds subsumed templates, whatever the order', () => {
  // A user name with a digit (masked) generalises the first cluster; the second one's value
  // (`oracle`, kept apart as a possible closed-set member) is then an instance of it.
  const users = ['admin', 'oracle', 'u1234', 'guest', 'test', 'pi', 'ubnt', 'root', 'nagios'];
  const lines = users.map((u, i) => `invalid user ${u} from 10.0.${i}.1 port ${4000 + i}`);

  it('the online miner folds the closed-set value in as well (it used to leave `oracle` behind in this order)', () => {
    const m = createMiner();
    for (const l of lines) m.add(l);
    expect(m.templates().map((t) => t.template)).toEqual(['invalid user <*> from <*> port <*>']);
  });

  it('every line gets the general template, in this order and others', () => {
    for (const order of [lines, [...lines].reverse(), [lines[3]!, ...lines.slice(0, 3), ...lines.slice(4)]]) {
      const f = new FinalTemplates();
      for (const l of order) f.add(l);
      expect(new Set(f.toArray())).toEqual(new Set(['invalid user <*> from <*> port <*>']));
      expect(new Set([...f.entries()].map((e) => e.templateId)).size).toBe(1);
    }
  });
});

describe('the streaming miner folds instances in as a position becomes a variable', () => {
  it('a value kept apart (closed-set candidate) merges into the template that makes its position <*>', () => {
    const m = createMiner();
    m.add('unit web entered state started on node east');
    const stopped = m.add('unit web entered state stopped on node east');
    // Not a plain word: the position becomes a variable; the kept-apart 'stopped' folds into it.
    const general = m.add('unit web entered state re-init on node east');
    expect(general.template).toBe('unit web entered state <*> on node east');
    expect(m.templates()).toEqual([{ templateId: general.templateId, template: 'unit web entered state <*> on node east', count: 3 }]);
    expect(m.get(stopped.templateId)?.templateId).toBe(general.templateId);
    expect(m.add('unit web entered state stopped on node east').templateId).toBe(general.templateId);
  });

  it('keeps an upper-case enum constant apart, as the batch pass does', () => {
    const m = createMiner();
    m.add('unit web entered state STARTED on node east');
    m.add('unit web entered state STOPPED on node east');
    m.add('unit web entered state re-init on node east');
    expect(m.templates().map((t) => t.template).sort()).toEqual([
      'unit web entered state <*> on node east',
      'unit web entered state STOPPED on node east',
    ]);
  });
});
