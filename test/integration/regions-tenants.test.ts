/**
 * A tenant's home region in the real registry (DynamoDB Local): set when the tenant is added, changed
 * or removed later, and what a token resolves to carries it (shared/tenants/home.ts).
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoTenantStore } from '../../shared/adapters/tenant-store.ts';
import { hashToken } from '../../shared/tenants/tokens.ts';
import { ensureTables } from '../../local/bootstrap.ts';

const RUN = randomUUID().slice(0, 8);
const store = new DynamoTenantStore();

beforeAll(async () => {
  await ensureTables();
});

describe('home region in the tenant registry', () => {
  it('added with one, changed, removed: the resolved tenant follows; a bad region or an unknown tenant is refused', async () => {
    const id = `h${RUN}`;
    const { tenant, token } = await store.addTenant(id, 'free', {}, 'eu-west-1');
    expect(tenant.homeRegion).toBe('eu-west-1');
    expect((await store.byTokenHash(hashToken(token)))?.homeRegion).toBe('eu-west-1');

    await store.setHomeRegion(id, 'us-east-1');
    expect((await store.byTokenHash(hashToken(token)))?.homeRegion).toBe('us-east-1');
    await store.setHomeRegion(id, undefined);
    const none = await store.byTokenHash(hashToken(token));
    expect(none?.id).toBe(id);
    expect(none && 'homeRegion' in none).toBe(false);

    await expect(store.setHomeRegion(id, 'Europe West')).rejects.toThrow(/not a region name/);
    await expect(store.addTenant(`h${RUN}-x`, 'free', {}, 'EU')).rejects.toThrow(/not a region name/);
    expect(await store.getTenant(`h${RUN}-x`)).toBeUndefined(); // nothing written
    await expect(store.setHomeRegion(`h${RUN}-nobody`, 'eu-west-1')).rejects.toThrow(/No tenant/);
  });
});
