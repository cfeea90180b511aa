import { describe, expect, it } from 'vitest';
import { CachedTenantResolver, type Tenant, type TenantLookup } from '../../../shared/tenants/registry.ts';
import { hashToken } from '../../../shared/tenants/tokens.ts';
import { TtlLru } from '../../../shared/tenants/lru.ts';
import { PLANS } from '../../../shared/tenants/plans.ts';

/** An in-memory registry that counts the look-ups it answers and can be made to fail. */
class CountingStore implements TenantLookup {
  readonly tenants = new Map<string, Tenant>();
  lookups = 0;
  failing = false;
  add(token: string, id: string): void {
    this.tenants.set(hashToken(token), { id, plan: PLANS.standard!, createdAt: '' });
  }
  async byTokenHash(hash: string): Promise<Tenant | undefined> {
    this.lookups++;
    await Promise.resolve();
    if (this.failing) throw new Error('ProvisionedThroughputExceededException');
    return this.tenants.get(hash);
  }
}

describe('TtlLru', () => {
  it('evicts the least recently used entry, not the most recently read', () => {
    const c = new TtlLru<number>(2);
    c.set('a', 1, 1000);
    c.set('b', 2, 1000);
    expect(c.get('a')).toBe(1); // a is now the most recent
    c.set('c', 3, 1000);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(c.size).toBe(2);
  });

  it('expires entries, and keeps an expired one for `stale` only within the given age', () => {
    let now = 0;
    const c = new TtlLru<number>(10, () => now);
    c.set('a', 1, 100);
    now = 150;
    expect(c.get('a')).toBeUndefined();
    expect(c.stale('a', 100)).toBe(1);
    now = 250;
    expect(c.stale('a', 100)).toBeUndefined();
  });
});

describe('CachedTenantResolver', () => {
  it('a flood of unknown tokens never evicts a known one: the known tenant costs no further look-up', async () => {
    const store = new CountingStore();
    store.add('slc_known', 'acme');
    const r = new CachedTenantResolver(store, 60_000, { maxEntries: 100, maxNegativeEntries: 50 });
    expect((await r.resolve('slc_known'))?.id).toBe('acme');
    expect(store.lookups).toBe(1);
    for (let i = 0; i < 20_000; i++) expect(await r.resolve(`slc_random_${i}`)).toBeUndefined();
    const before = store.lookups;
    for (let i = 0; i < 100; i++) expect((await r.resolve('slc_known'))?.id).toBe('acme');
    expect(store.lookups).toBe(before);
  });

  it('repeated unknown tokens are answered from the negative cache, for its short TTL only', async () => {
    let now = 1_000;
    const store = new CountingStore();
    const r = new CachedTenantResolver(store, 60_000, { negativeTtlMs: 10_000, now: () => now });
    for (let i = 0; i < 50; i++) expect(await r.resolve('slc_wrong')).toBeUndefined();
    expect(store.lookups).toBe(1);
    // The token is registered meanwhile: it works once the negative entry expired (10 s), not 60 s later.
    store.add('slc_wrong', 'late');
    now += 10_001;
    expect((await r.resolve('slc_wrong'))?.id).toBe('late');
    expect(store.lookups).toBe(2);
  });

  it('concurrent misses of one token share one look-up', async () => {
    const store = new CountingStore();
    store.add('slc_a', 'a');
    const r = new CachedTenantResolver(store, 60_000);
    const out = await Promise.all(Array.from({ length: 25 }, () => r.resolve('slc_a')));
    expect(out.every((t) => t?.id === 'a')).toBe(true);
    expect(store.lookups).toBe(1);
  });

  it('the known cache is an LRU of its own bound: the least recently used known token is the one looked up again', async () => {
    const store = new CountingStore();
    for (const t of ['t1', 't2', 't3']) store.add(`slc_${t}`, t);
    const r = new CachedTenantResolver(store, 60_000, { maxEntries: 2 });
    await r.resolve('slc_t1');
    await r.resolve('slc_t2');
    await r.resolve('slc_t1');
    await r.resolve('slc_t3'); // evicts t2
    const n = store.lookups;
    await r.resolve('slc_t1');
    expect(store.lookups).toBe(n);
    await r.resolve('slc_t2');
    expect(store.lookups).toBe(n + 1);
  });

  it('when the store fails, a known token whose entry just expired is still served; an unknown one gets the error', async () => {
    let now = 0;
    const store = new CountingStore();
    store.add('slc_k', 'k');
    const r = new CachedTenantResolver(store, 60_000, { maxStaleMs: 15 * 60_000, now: () => now });
    await r.resolve('slc_k');
    now = 120_000;
    store.failing = true;
    expect((await r.resolve('slc_k'))?.id).toBe('k');
    await expect(r.resolve('slc_other')).rejects.toThrow(/Throughput/);
    now = 60_000 + 15 * 60_000 + 1;
    await expect(r.resolve('slc_k')).rejects.toThrow(/Throughput/);
  });

  it('a revoked token (the store answers undefined) leaves the known cache', async () => {
    let now = 0;
    const store = new CountingStore();
    store.add('slc_r', 'r');
    const r = new CachedTenantResolver(store, 1_000, { now: () => now });
    expect((await r.resolve('slc_r'))?.id).toBe('r');
    store.tenants.clear();
    now = 1_001;
    expect(await r.resolve('slc_r')).toBeUndefined();
    store.failing = true; // not even a stale answer for it now
    now = 20_000;
    await expect(r.resolve('slc_r')).rejects.toThrow();
  });
});
