import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { templatesCommand } from '../../../cli/templates.ts';
import { groupingAccuracy } from '../../../shared/templates/accuracy.ts';
import { createMiner, hashId } from '../../../shared/templates/miner.ts';
import type { MinerState } from '../../../shared/templates/miner.ts';
import { sepOf, tokenize } from '../../../shared/templates/tokenize.ts';
import { rng } from '../../support/random.ts';

function masked(s: string): string {
  const t = tokenize(s);
  let out = '';
  for (let i = 0; i < t.tokens.length; i++) out += sepOf(t, i) + t.tokens[i]!;
  return out + sepOf(t, t.tokens.length);
}

/** Deterministic pseudo-random generator (mulberry32). */

function randomWord(r: () => number): string {
  const n = 3 + Math.floor(r() * 8);
  let w = '';
  for (let i = 0; i < n; i++) w += String.fromCharCode(97 + Math.floor(r() * 26));
  return w;
}

const STREAM = [
  'Connection from 10.0.0.1:5432 closed after 35 ms',
  'login of user alice from 192.168.1.20',
  'Connection from 10.0.0.2:5432 closed after 12 ms',
  'login of user bob from 192.168.1.21',
  'Disk /dev/sda1 at 91% capacity',
  'Connection from 10.0.0.3:80 closed after 1 ms',
  'Disk /dev/sdb2 at 45% capacity',
  'login of user carol from 192.168.1.22',
  'job 7f3a9c2e-1b4d-4c8e-9f00-123456789abc finished state=OK',
  'job 0a1b2c3d-0000-4000-8000-abcdefabcdef finished state=FAILED',
];

describe('tokenize (generic masking)', () => {
  it('masks numbers, hex, IPs, host:port, paths, UUIDs, URLs and key=value values', () => {
    expect(masked('took 35 ms')).toBe('took <*> ms');
    expect(masked('addr 0xdeadbeef and cafebabe01')).toBe('addr <*> and <*>');
    expect(masked('from 10.1.2.3:8080 to [fe80::1:2]')).toBe('from <*> to [<*>]');
    expect(masked('open /var/log/messages failed')).toBe('open <*> failed');
    expect(masked('id 123e4567-e89b-12d3-a456-426614174000 ok')).toBe('id <*> ok');
    expect(masked('GET https://example.com/a?b=c done')).toBe('GET <*> done');
    expect(masked('retries=3 user=alice')).toBe('retries=<*> user=alice');
    expect(masked('blocks blk_1 blk_2 blk_3 deleted')).toBe('blocks <*> deleted');
    expect(masked('at Fri Jun 17 07:07:00 2005 done')).toBe('at <*> done');
    expect(masked('logname= uid=0')).toBe('logname= uid=<*>');
    expect(masked('empty () here')).toBe('empty (<*>) here');
    expect(masked('called init() here')).toBe('called init() here');
  });

  it('folds an optional quantity in parentheses into the token before it', () => {
    expect(masked('sent 1190 bytes (1.16 KB) ok')).toBe('sent <*> bytes ok');
    expect(masked('sent 0 bytes ok')).toBe('sent <*> bytes ok');
    expect(masked('took 12 (11.5 ms) total')).toBe('took <*> total');
    // Not a quantity: kept.
    expect(masked('from 10.0.0.1 (gw.example) ok')).toBe('from <*> (gw.example) ok');
    expect(masked('from 10.0.0.1 (gw-7.example) ok')).toBe('from <*> (<*>) ok');
  });

  it('reads units after bounds, in groups and for byte sizes as part of the value', () => {
    expect(masked('lifetime <1 sec')).toBe('lifetime <*>');
    expect(masked('lifetime 00:01')).toBe('lifetime <*>');
    expect(masked('size 384.0 B, free 1.5 GB')).toBe('size <*>, free <*>');
    expect(masked('took 35 ms')).toBe('took <*> ms');
    expect(masked('a <b> c')).toBe('a <b> c');
  });

  it('reads a dotted host name with its port as one address', () => {
    expect(masked('www.example.org:443 open through relay')).toBe('<*> open through relay');
    expect(masked('status:200 sent')).toBe('status:<*> sent');
  });

  it('reads a quoted value with spaces after = as one variable', () => {
    expect(masked('acquire tag="Screen Lock", uid=7')).toBe('acquire tag="<*>", uid=<*>');
    expect(masked('acquire tag="ONE_WORD", uid=7')).toBe('acquire tag="ONE_WORD", uid=<*>');
    expect(masked('say "hello there" now')).toBe('say "hello there" now');
  });

  it('reads a rendered template back as the same tokens', () => {
    const t = tokenize('a <*> b=<*> (<*>) <*>:<*>', { collapse: false });
    expect(t.tokens).toEqual(['a', '<*>', 'b', '=', '<*>', '(', '<*>', ')', '<*>', ':', '<*>']);
  });
});

describe('createMiner', () => {
  it('groups messages of one template and generalises it', () => {
    const m = createMiner();
    const a = m.add('login of user alice from host-a accepted');
    const b = m.add('login of user bob from host-b accepted');
    expect(b.template).toBe('login of user <*> from <*> accepted');
    expect(m.get(a.templateId)?.templateId).toBe(b.templateId);
    expect(m.add('disk full on sda').templateId).not.toBe(a.templateId);
  });

  it('returns params when asked', () => {
    const m = createMiner({ params: true });
    m.add('Connection from 10.0.0.1:5432 closed after 35 ms');
    const r = m.add('Connection from 10.0.0.2:80 closed after 7 ms');
    expect(r.template).toBe('Connection from <*> closed after <*> ms');
    expect(r.params).toEqual(['10.0.0.2:80', '7']);
  });

  it('does not let a leading dotted name (host, package) select the candidates', () => {
    const m = createMiner();
    const a = m.add('org.example.alpha: job queued; the start time is in 30 seconds. Ignoring.');
    const b = m.add('net.sample.beta.daily: job queued; the start time is in 12 seconds. Ignoring.');
    expect(m.get(a.templateId)?.templateId).toBe(b.templateId);
    expect(b.template).toBe('<*>: job queued; the start time is in <*> seconds. Ignoring.');
  });

  it('match() does not learn', () => {
    const m = createMiner();
    expect(m.match('hello world 1')).toBeNull();
    const a = m.add('hello world 1');
    expect(m.match('hello world 2')?.templateId).toBe(a.templateId);
    expect(m.size).toBe(1);
    expect(m.templates()[0]!.count).toBe(1);
  });

  it('gives the same ids to the same stream in two fresh miners', () => {
    const a = createMiner();
    const b = createMiner();
    const ia = STREAM.map((s) => a.add(s).templateId);
    const ib = STREAM.map((s) => b.add(s).templateId);
    expect(ib).toEqual(ia);
    // alice|bob|carol and OK|FAILED are few values of a plain word: kept apart (closed-set rule).
    expect(new Set(ia).size).toBe(7);
  });

  it('keeps ids across snapshot and restore (through JSON)', () => {
    const a = createMiner();
    const first = STREAM.map((s) => a.add(s));
    const state = JSON.parse(JSON.stringify(a.snapshot())) as MinerState;
    const b = createMiner({}, state);
    for (const [i, s] of STREAM.entries()) {
      const r = b.add(s);
      expect(r.templateId).toBe(first[i]!.templateId);
    }
    expect(b.templates().map((t) => t.template).sort()).toEqual(a.templates().map((t) => t.template).sort());
    // The restored miner keeps counting.
    expect(b.templates().reduce((n, t) => n + t.count, 0)).toBe(2 * STREAM.length);
  });

  it('the id follows the template: a generalised template has its own id, the old id resolves to it', () => {
    const m = createMiner();
    const a = m.add('task 1 started on worker host-a');
    const b = m.add('task 2 started on worker host-b');
    expect(b.template).toBe('task <*> started on worker <*>');
    expect(b.templateId).toBe(hashId('task <*> started on worker <*>'));
    expect(m.get(a.templateId)).toEqual({ templateId: b.templateId, template: 'task <*> started on worker <*>', count: 2 });
    // The other order: the same final template, the same id.
    const o = createMiner();
    o.add('task 9 started on worker host-z');
    expect(o.add('task 7 started on worker host-y').templateId).toBe(b.templateId);
  });

  it('keeps templates that differ in one plain word apart, up to maxValues values (closed sets)', () => {
    const m = createMiner();
    const started = m.add('unit 0a12 entered state Started after resync');
    const stopped = m.add('unit 0b34 entered state Stopped after resync');
    expect(stopped.templateId).not.toBe(started.templateId);
    expect(stopped.template).toBe('unit <*> entered state Stopped after resync');
    expect(m.add('unit 0c56 entered state Started after resync').templateId).toBe(started.templateId);
    const t = m.add('flag check down true canceled false');
    const f = m.add('flag check down false canceled false');
    expect(f.templateId).not.toBe(t.templateId);
  });

  it('turns a plain-word position into a variable at the (maxValues + 1)th value; every earlier id resolves to it', () => {
    const m = createMiner({ maxValues: 4 });
    const names = ['alpha', 'beta', 'gamma', 'delta', 'epsilon'];
    const ids = names.map((w) => m.add(`task started on worker ${w}`).templateId);
    expect(new Set(ids.slice(0, 4)).size).toBe(4);
    expect(ids[4]).toBe(hashId('task started on worker <*>'));
    for (const id of ids) expect(m.get(id)).toEqual({ templateId: ids[4], template: 'task started on worker <*>', count: 5 });
    expect(m.size).toBe(1);
    expect(m.add('task started on worker zeta').templateId).toBe(ids[4]);
  });

  it('stays bounded: 100k distinct random messages keep the state under the cap', () => {
    const maxClusters = 500;
    const m = createMiner({ maxClusters, maxTokens: 32 });
    const r = rng(42);
    for (let i = 0; i < 100_000; i++) {
      const n = 1 + Math.floor(r() * 60);
      const words: string[] = [];
      for (let j = 0; j < n; j++) words.push(randomWord(r));
      m.add(words.join(' '));
      if (i % 1000 === 0) expect(m.size).toBeLessThanOrEqual(maxClusters);
    }
    expect(m.size).toBeLessThanOrEqual(maxClusters);
    const state = m.snapshot();
    expect(state.clusters.length).toBeLessThanOrEqual(maxClusters);
    expect(state.aliases.length).toBeLessThanOrEqual(maxClusters);
    for (const c of state.clusters) expect(tokenize(c[1], { collapse: false }).tokens.length).toBeLessThanOrEqual(32);
    // Compact: well under 200 bytes per cluster for these (up to 32-token) templates.
    expect(JSON.stringify(state).length).toBeLessThan(maxClusters * 400);
  }, 60_000);

  it('the accuracy metric counts whole groups', () => {
    expect(groupingAccuracy(['a', 'a', 'b'], ['x', 'x', 'y'])).toBe(1);
    expect(groupingAccuracy(['a', 'a', 'a'], ['x', 'x', 'y'])).toBe(0);
    expect(groupingAccuracy(['a', 'b', 'c'], ['x', 'x', 'y'])).toBeCloseTo(1 / 3);
  });
});

describe('sluice templates', () => {
  async function run(argv: string[], input: string): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const sink = (f: (s: string) => void) =>
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          f(chunk.toString('utf8'));
          cb();
        },
      });
    const code = await templatesCommand(argv, {
      stdin: Readable.from([input]),
      stdout: sink((s) => (out += s)),
      stderr: sink((s) => (err += s)),
    });
    return { code, out, err };
  }

  it('prints exactly one line per input line, with final templates', async () => {
    const input = STREAM.join('\n') + '\n\n' + 'a lone line\n';
    const { code, out } = await run([], input);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.length).toBe(STREAM.length + 2);
    // The first line gets its cluster's final (generalised) template.
    expect(lines[0]).toBe(lines[2]);
    expect(lines[0]).toContain('<*>');
  });

  it('prints ids with --with-id and usage with --help', async () => {
    const r = await run(['--with-id'], 'x 1\nx 2\n');
    const [a, b] = r.out.trim().split('\n');
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{16}(-\d+)?\t/);
    const h = await run(['--help'], '');
    expect(h.code).toBe(0);
    expect(h.out).toContain('Usage: sluice templates');
    expect((await run(['--bogus'], '')).code).toBe(2);
  });
});
