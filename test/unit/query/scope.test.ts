import { describe, expect, it } from 'vitest';
import { CachedTenantResolver, onlyScope, scopeOf, type Tenant, type TenantLookup } from '../../../shared/tenants/registry.ts';
import { hashToken } from '../../../shared/tenants/tokens.ts';
import { resolvePlan } from '../../../shared/tenants/plans.ts';

const plan = resolvePlan('standard');
const tenants: Record<string, Tenant> = {
  [hashToken('ingest-tok')]: { id: 'acme', plan, createdAt: 'x', scope: 'ingest' },
  [hashToken('old-tok')]: { id: 'acme', plan, createdAt: 'x' },
  [hashToken('read-tok')]: { id: 'acme', plan, createdAt: 'x', scope: 'read' },
};
const store: TenantLookup = { byTokenHash: async (h) => tenants[h] };

describe('token scopes', () => {
  it('takes a token without a scope for an ingest token', () => {
    expect(scopeOf({})).toBe('ingest');
    expect(scopeOf({ scope: 'read' })).toBe('read');
  });

  it('ingest resolves only ingest tokens: a read token cannot send logs', async () => {
    const ingest = new CachedTenantResolver(onlyScope(store, 'ingest'), 60_000);
    expect((await ingest.resolve('ingest-tok'))?.id).toBe('acme');
    expect((await ingest.resolve('old-tok'))?.id).toBe('acme');
    expect(await ingest.resolve('read-tok')).toBeUndefined();
  });

  it('the read path sees every scope, so it can tell an ingest token (403) from an unknown one (401)', async () => {
    const read = new CachedTenantResolver(store, 60_000);
    expect(scopeOf((await read.resolve('read-tok'))!)).toBe('read');
    expect(scopeOf((await read.resolve('ingest-tok'))!)).toBe('ingest');
    expect(await read.resolve('nope')).toBeUndefined();
  });
});
