/**
 * The per-tenant query rate is shared by every query instance (shared/query/rate.ts over the ingest
 * ceiling's DynamoDB counter): two query instances (two sets of the function's ports, each with its
 * own limiter) against the real DynamoDB Local and OpenSearch together never pass the plan's rate,
 * and the 429 carries Retry-After.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureIndexTemplates, ensureTables } from '../../local/bootstrap.ts';
import { apiGatewayV2Event } from '../../local/http-events.ts';
import { getItem } from '../../shared/adapters/dynamodb-http.ts';
import { DynamoTenantStore } from '../../shared/adapters/tenant-store.ts';
import * as config from '../../shared/config.ts';
import { handleQuery } from '../../shared/query/handle.ts';
import { queryLimits } from '../../shared/query/limits.ts';
import { rateWindow } from '../../shared/query/rate.ts';
import { PLANS } from '../../shared/tenants/plans.ts';

process.env.LOG_LEVEL ??= 'WARN';
const { queryPorts } = await import('../../functions/query.ts');

const TENANT = `qr-${randomUUID().slice(0, 8)}`;
let token = '';

beforeAll(async () => {
  await ensureTables();
  await ensureIndexTemplates();
  const store = new DynamoTenantStore();
  await store.addTenant(TENANT, 'free');
  token = await store.issueToken(TENANT, 'read');
});

describe('query rate shared across instances', () => {
  it('two instances together admit no more than the plan\'s rate; each refuses with 429 and Retry-After', async () => {
    const instances = [queryPorts(), queryPorts()];
    const { queriesPerSecond: rate, queriesBurst: burst } = queryLimits(PLANS.free!);
    const win = rateWindow(rate, burst);
    const results: Array<{ instance: number; status: number; retryAfter?: string; body: Record<string, unknown> }> = [];
    const started = Date.now();
    // 15 rounds of one query on each instance at the same time.
    for (let round = 0; round < 15; round++) {
      await Promise.all(
        instances.map(async (p, instance) => {
          const ev = apiGatewayV2Event({ method: 'GET', url: '/v1/search?q=x', headers: { authorization: `Bearer ${token}` } });
          const r = (await handleQuery(p, ev, `rate-${round}-${instance}`)) as APIGatewayProxyStructuredResultV2;
          results.push({ instance, status: r.statusCode!, retryAfter: r.headers?.['retry-after'] as string | undefined, body: JSON.parse(r.body ?? '{}') as Record<string, unknown> });
        }),
      );
    }
    const ended = Date.now();
    const admitted = results.filter((r) => r.status === 200).length;
    expect(results.every((r) => r.status === 200 || r.status === 429), JSON.stringify(results.filter((r) => r.status !== 200 && r.status !== 429))).toBe(true);
    // The plan's bucket over the run (burst + rate x elapsed): per-instance buckets would have admitted twice the burst.
    expect(admitted).toBeLessThanOrEqual(burst + (rate * (ended - started)) / 1000);
    const windows = Math.floor(ended / win.windowMs) - Math.floor(started / win.windowMs) + 1;
    expect(admitted).toBeLessThanOrEqual(win.events * windows);
    expect(admitted).toBeGreaterThanOrEqual(win.events);
    for (const instance of [0, 1]) {
      const refused = results.filter((r) => r.instance === instance && r.status === 429);
      expect(refused.length, `instance ${instance} refused`).toBeGreaterThan(0);
      for (const r of refused) {
        expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
        expect(Number(r.retryAfter)).toBeLessThanOrEqual(win.windowMs / 1000);
        expect(r.body).toMatchObject({ error: 'rate_limited' });
        expect(String(r.body.message)).toMatch(/Retry after \d+ s/);
      }
    }
    // The shared counter of the first window (its first queries were admitted), in the budget table: never past the window's allowance.
    const item = await getItem(config.dynamodb().budgetTable, { pk: `QUERYRATE#${TENANT}#${Math.floor(started / win.windowMs)}` }, { consistent: true });
    expect(Number(item?.ev)).toBeGreaterThanOrEqual(1);
    expect(Number(item?.ev)).toBeLessThanOrEqual(win.events);
  }, 60_000);

  it('a refused tenant is admitted again once Retry-After has passed', async () => {
    const p = queryPorts();
    const ev = () => apiGatewayV2Event({ method: 'GET', url: '/v1/search?q=x', headers: { authorization: `Bearer ${token}` } });
    let refused: APIGatewayProxyStructuredResultV2 | undefined;
    for (let i = 0; i < 12 && !refused; i++) {
      const r = (await handleQuery(p, ev(), `again-${i}`)) as APIGatewayProxyStructuredResultV2;
      if (r.statusCode === 429) refused = r;
    }
    expect(refused).toBeDefined();
    await new Promise((r) => setTimeout(r, Number(refused!.headers!['retry-after']) * 1000));
    expect(((await handleQuery(queryPorts(), ev(), 'after')) as APIGatewayProxyStructuredResultV2).statusCode).toBe(200);
  }, 60_000);
});
