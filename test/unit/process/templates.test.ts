import { describe, expect, it } from 'vitest';
import { createMiner, type MinerState } from '../../../shared/templates/miner.ts';
import { boundState, mergeStates } from '../../../shared/templates/merge.ts';
import { TenantMiners } from '../../../shared/process/templates.ts';
import type { TemplateStateStore } from '../../../shared/templates/ports.ts';
import { MemoryTemplateStore } from '../../support/memory.ts';

const state = (clusters: MinerState['clusters'], aliases: MinerState['aliases'] = [], tick = 10): MinerState => ({ v: 1, tick, clusters, aliases });

describe('mergeStates', () => {
  it('unions by id: the more general template, the larger count, the later lastSeen', () => {
    const a = state([['x', 'user alice logged in', 3, 5], ['y', 'disk <*> full', 1, 2]]);
    const b = state([['x', 'user <*> logged in', 2, 9], ['z', 'cache miss', 4, 8]], [], 12);
    const m = mergeStates(a, b);
    expect(m.tick).toBe(12);
    expect(m.clusters).toEqual([['x', 'user <*> logged in', 3, 9], ['y', 'disk <*> full', 1, 2], ['z', 'cache miss', 4, 8]]);
    expect(createMiner({}, m).get('x')!.template).toBe('user <*> logged in');
  });

  it('a cluster retired in the other state gives way to its survivor; dangling aliases go', () => {
    const a = state([['x', 'a <*> b', 3, 5], ['old', 'a c b', 1, 7]]);
    const b = state([['x', 'a <*> b', 4, 6]], [['old', 'x'], ['gone', 'nowhere']]);
    const m = mergeStates(a, b);
    expect(m.clusters.map((r) => r[0])).toEqual(['x']);
    expect(m.clusters[0]![3]).toBe(7);
    expect(m.aliases).toEqual([['old', 'x']]);
  });

  it('is bounded: the most recently seen clusters, aliases to live ones only', () => {
    const a = state(Array.from({ length: 30 }, (_, i) => [`a${i}`, `t a${i}`, 1, i] as [string, string, number, number]));
    const b = state(Array.from({ length: 30 }, (_, i) => [`b${i}`, `t b${i}`, 1, 100 + i] as [string, string, number, number]), [['r', 'a0'], ['s', 'b29']]);
    const m = mergeStates(a, b, 20);
    expect(m.clusters).toHaveLength(20);
    expect(m.clusters.every((r) => r[0].startsWith('b') && r[3] >= 110)).toBe(true);
    expect(m.aliases).toEqual([['s', 'b29']]);
    expect(boundState(m, 20)).toBe(m);
  });
});

describe('TenantMiners', () => {
  it('loads lazily, writes back only when templates changed, and gives another instance the same ids', async () => {
    const store = new MemoryTemplateStore();
    let now = 0;
    const a = new TenantMiners(store, { now: () => now });
    await a.prepare(['acme']);
    expect(store.gets).toBe(1);
    const id1 = a.add('acme', 'Connection from 10.0.0.1 closed after 35 ms');
    expect(a.add('acme', 'Connection from 10.0.0.2 closed after 12 ms')).toBe(id1);
    await a.persist(Infinity);
    expect(store.puts).toBe(1);
    // Same template again: counts only, not written before flushCountsMs.
    await a.prepare(['acme']);
    expect(store.gets).toBe(1); // cached
    a.add('acme', 'Connection from 10.0.0.3 closed after 1 ms');
    await a.persist(Infinity);
    expect(store.puts).toBe(1);
    now += 60_000;
    await a.persist(Infinity);
    expect(store.puts).toBe(2);

    const b = new TenantMiners(store, { now: () => now });
    await b.prepare(['acme']);
    expect(b.add('acme', 'Connection from 10.9.9.9 closed after 7 ms')).toBe(id1);
  });

  it('merges on a conflicting write; ids stay the same on both sides', async () => {
    const store = new MemoryTemplateStore();
    const a = new TenantMiners(store);
    const b = new TenantMiners(store);
    await Promise.all([a.prepare(['t1']), b.prepare(['t1'])]);
    const shared = a.add('t1', 'job 17 finished in 3 s');
    expect(b.add('t1', 'job 99 finished in 8 s')).toBe(shared);
    const onlyA = a.add('t1', 'user logged out');
    const onlyB = b.add('t1', 'disk sda1 is full');
    await a.persist(Infinity);
    await b.persist(Infinity);
    expect(b.conflicts).toBe(1);
    const ids = store.stored('t1')!.clusters.map((r) => r[0]).sort();
    expect(ids).toEqual([shared, onlyA, onlyB].sort());
    // b now knows a's templates too.
    expect(b.minerOf('t1')!.get(onlyA)).toBeDefined();
  });

  it('a store that fails never fails the batch: mining goes on, the write is retried later', async () => {
    const warnings: string[] = [];
    let down = true;
    const mem = new MemoryTemplateStore();
    const flaky: TemplateStateStore = {
      get: (t, e) => (down ? Promise.reject(new Error('S3 down')) : mem.get(t, e)),
      put: (t, s, e) => (down ? Promise.reject(new Error('S3 down')) : mem.put(t, s, e)),
    };
    const m = new TenantMiners(flaky, { warn: (msg) => warnings.push(msg) });
    await m.prepare(['acme']);
    const id = m.add('acme', 'payment 42 failed');
    await m.persist(Infinity);
    expect(warnings).toHaveLength(2);
    down = false;
    await m.persist(Infinity);
    expect(mem.stored('acme')!.clusters.map((r) => r[0])).toEqual([id]);
  });

  it('keeps at most maxTenants miners cached', async () => {
    const m = new TenantMiners(new MemoryTemplateStore(), { maxTenants: 3 });
    for (const t of ['a1', 'a2', 'a3', 'a4', 'a5']) {
      await m.prepare([t]);
      m.add(t, `hello from ${t}`);
      await m.persist(Infinity);
    }
    expect(m.size).toBe(3);
  });
});
