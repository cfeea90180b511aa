/**
 * The tenant registry in DynamoDB. One table, two kinds of item under the partition key `pk`:
 *   TENANT#<id>   { id, planName, overrides, createdAt }
 *   TOKEN#<sha256 of the token>   { tenant, createdAt, revokedAt?, scope? }   (scope `read` or absent: ingest)
 * Tokens themselves are never stored.
 * Over the small signed-fetch client (./dynamodb-http.ts), not the AWS SDK: ingest's cold start
 * reads through this store.
 */
import { getItem, isConditionFailed, putItem, scanPage, updateItem, type Item } from './dynamodb-http.ts';
import * as config from '../config.ts';
import { assertTenantId } from '../tenants/ids.ts';
import { assertRegionName } from '../tenants/home.ts';
import { resolvePlan, type Plan } from '../tenants/plans.ts';
import { generateToken, hashToken } from '../tenants/tokens.ts';
import type { Tenant, TenantLookup, TenantRecord, TokenRecord, TokenScope } from '../tenants/registry.ts';

const tenantKey = (id: string) => `TENANT#${id}`;
const tokenKey = (hash: string) => `TOKEN#${hash}`;

export class DynamoTenantStore implements TenantLookup {
  constructor(private readonly table = config.dynamodb().tenantsTable) {}

  async byTokenHash(tokenHash: string): Promise<Tenant | undefined> {
    const token = await this.getToken(tokenHash);
    if (!token || token.revokedAt) return undefined;
    const record = await this.getTenant(token.tenant);
    return record ? { ...toTenant(record), scope: token.scope ?? 'ingest' } : undefined;
  }

  async getTenant(id: string): Promise<TenantRecord | undefined> {
    return (await getItem(this.table, { pk: tenantKey(id) })) as TenantRecord | undefined;
  }

  private async getToken(hash: string): Promise<TokenRecord | undefined> {
    return (await getItem(this.table, { pk: tokenKey(hash) }, { consistent: false })) as TokenRecord | undefined;
  }

  /** Creates a tenant and its first token; the token is returned once and never stored. `homeRegion`: see shared/tenants/home.ts. */
  async addTenant(id: string, planName: string, overrides: Partial<Plan> = {}, homeRegion?: string): Promise<{ tenant: TenantRecord; token: string }> {
    assertTenantId(id);
    resolvePlan(planName, overrides); // validates the plan name before anything is written
    if (homeRegion !== undefined) assertRegionName(homeRegion);
    const tenant: TenantRecord = { id, planName, overrides, createdAt: new Date().toISOString(), ...(homeRegion !== undefined ? { homeRegion } : {}) };
    try {
      await putItem(this.table, { pk: tenantKey(id), ...tenant }, { condition: 'attribute_not_exists(pk)' });
    } catch (err) {
      if (isConditionFailed(err)) {
        throw new Error(`Tenant "${id}" already exists; use \`sluice tenants token ${id}\` to issue another token.`);
      }
      throw err;
    }
    return { tenant, token: await this.issueToken(id) };
  }

  /** Sets (or, with undefined, removes) a tenant's home region. */
  async setHomeRegion(id: string, homeRegion: string | undefined): Promise<void> {
    assertTenantId(id);
    if (homeRegion !== undefined) assertRegionName(homeRegion);
    try {
      await updateItem(this.table, { pk: tenantKey(id) }, homeRegion === undefined ? 'REMOVE homeRegion' : 'SET homeRegion = :r', {
        condition: 'attribute_exists(pk)',
        ...(homeRegion === undefined ? {} : { values: { ':r': homeRegion } }),
      });
    } catch (err) {
      if (isConditionFailed(err)) throw new Error(`No tenant "${id}"; create it with \`sluice tenants add ${id}\`.`);
      throw err;
    }
  }

  /** Issues another token for an existing tenant: an ingest token, or a read token (`scope` read). */
  async issueToken(id: string, scope: TokenScope = 'ingest'): Promise<string> {
    assertTenantId(id);
    if (!(await this.getTenant(id))) throw new Error(`No tenant "${id}"; create it with \`sluice tenants add ${id}\`.`);
    const token = generateToken();
    const record: TokenRecord = { tokenHash: hashToken(token), tenant: id, createdAt: new Date().toISOString(), ...(scope === 'read' ? { scope } : {}) };
    await putItem(this.table, { pk: tokenKey(record.tokenHash), ...record });
    return token;
  }

  /**
   * Registers a token the caller already has (a migration, or the fixed local demo token that the
   * sample events in events/ carry). Only its hash is stored.
   */
  async registerToken(id: string, token: string, scope: TokenScope = 'ingest'): Promise<void> {
    assertTenantId(id);
    const record: TokenRecord = { tokenHash: hashToken(token), tenant: id, createdAt: new Date().toISOString(), ...(scope === 'read' ? { scope } : {}) };
    await putItem(this.table, { pk: tokenKey(record.tokenHash), ...record });
  }

  /** Revokes a token. Warm ingest instances stop accepting it within the tenant cache TTL. */
  async revoke(token: string): Promise<string> {
    const hash = hashToken(token);
    try {
      const out = await updateItem(this.table, { pk: tokenKey(hash) }, 'SET revokedAt = :now', {
        condition: 'attribute_exists(pk)',
        values: { ':now': new Date().toISOString() },
        returnValues: 'ALL_NEW',
      });
      return (out as unknown as TokenRecord).tenant;
    } catch (err) {
      if (isConditionFailed(err)) throw new Error('No such token: nothing was revoked.');
      throw err;
    }
  }

  async list(): Promise<Array<TenantRecord & { tokens: number }>> {
    const tenants: TenantRecord[] = [];
    const tokens = new Map<string, number>();
    let start: Item | undefined;
    do {
      const out = await scanPage(this.table, start);
      for (const item of out.items) {
        const pk = String(item.pk);
        if (pk.startsWith('TENANT#')) tenants.push(item as unknown as TenantRecord);
        else if (pk.startsWith('TOKEN#') && !item.revokedAt) tokens.set(String(item.tenant), (tokens.get(String(item.tenant)) ?? 0) + 1);
      }
      start = out.next;
    } while (start);
    return tenants.sort((a, b) => a.id.localeCompare(b.id)).map((t) => ({ ...t, tokens: tokens.get(t.id) ?? 0 }));
  }
}

export function toTenant(record: TenantRecord): Tenant {
  const t: Tenant = { id: record.id, plan: resolvePlan(record.planName, record.overrides ?? {}), createdAt: record.createdAt };
  if (typeof record.homeRegion === 'string' && record.homeRegion !== '') t.homeRegion = record.homeRegion;
  return t;
}
