/**
 * The local demo tenant. Its fixed token is for the local services only: the sample events in
 * events/ carry it, so `serverless invoke local` works after `npm start` or `npx sluice setup`.
 * Never register it on a deployed stage.
 */
import { DynamoTenantStore } from '../shared/adapters/tenant-store.ts';
import * as config from '../shared/config.ts';

export const DEMO_TENANT = process.env.SLUICE_DEMO_TENANT ?? 'demo';
export const DEMO_TOKEN = 'slc_local-demo-token-for-invoke-local-only';
/** Its fixed read token (the query function's sample events carry it). */
export const DEMO_READ_TOKEN = 'slc_local-demo-read-token-for-invoke-local-only';

/** Creates the demo tenant if needed and registers the fixed token; returns a fresh token as well. */
export async function seedDemoTenant(): Promise<{ tenant: string; token: string; fixedToken: string }> {
  if (!config.isLocal()) throw new Error('The demo tenant is for the local stage only (SLUICE_STAGE=local).');
  const store = new DynamoTenantStore();
  const token = (await store.getTenant(DEMO_TENANT))
    ? await store.issueToken(DEMO_TENANT)
    : (await store.addTenant(DEMO_TENANT, 'standard')).token;
  await store.registerToken(DEMO_TENANT, DEMO_TOKEN);
  await store.registerToken(DEMO_TENANT, DEMO_READ_TOKEN, 'read');
  return { tenant: DEMO_TENANT, token, fixedToken: DEMO_TOKEN };
}
