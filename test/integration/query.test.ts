/**
 * The read path (issue 22) against the real local DynamoDB Local (tokens), OpenSearch (events,
 * summaries) and MinIO (template states), over real HTTP through the local gateway: tenant A's read
 * token never sees tenant B's events whatever the query, and every refusal has its status and a
 * message that says what to do.
 */
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { tenantsCommand } from '../../cli/tenants.ts';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getOpenSearch } from '../../shared/adapters/opensearch.ts';
import { S3TemplateStore } from '../../shared/adapters/template-store.ts';
import { DynamoTenantStore } from '../../shared/adapters/tenant-store.ts';
import { summaryIndex } from '../../shared/index/naming.ts';
import type { SummaryDoc } from '../../shared/summary/summary.ts';
import { createMiner } from '../../shared/templates/miner.ts';
import { observe, StatsAcc, toFieldStats } from '../../shared/summary/stats.ts';
import { ensureBucket, ensureIndexTemplates, ensureTables } from '../../local/bootstrap.ts';
import { startGateway } from '../../local/gateway.ts';
import { apiGatewayV2Event } from '../../local/http-events.ts';
import { indexDocs } from '../support/query-data.ts';

process.env.LOG_LEVEL ??= 'WARN';
process.env.SLUICE_TAIL_WAIT_MS = '4000';
process.env.SLUICE_TAIL_POLL_MS = '200';
const { query } = await import('../../functions/query.ts');

const RUN = randomUUID().slice(0, 8);
const A = `qa-${RUN}`;
const B = `qb-${RUN}`;
const FREE = `qf-${RUN}`;
const NOW = Date.now();
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const MINUTE_MS = Math.floor((NOW - 5 * 60_000) / 60_000) * 60_000;

let url = '';
let server: Server;
const tokens = { aRead: '', aIngest: '', bRead: '', freeRead: '' };
const ids = { a: [] as string[], b: [] as string[] };

async function get(path: string, token?: string): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}
const search = (q: string, token = tokens.aRead, extra = '') => get(`/v1/search?q=${encodeURIComponent(q)}&from=1h${extra}`, token);
const eventIds = (body: Record<string, unknown>) => (body.events as Array<{ id: string }>).map((e) => e.id);

/** latency_ms 1..100 of the minute's events, as the stage keeps them (issue 20). */
function latencyStats(): SummaryDoc['stats'] {
  const acc = new StatsAcc();
  for (let i = 1; i <= 100; i++) observe(acc, 'json', { latency_ms: i }, []);
  return toFieldStats(acc);
}

function summary(tenant: string, templateId: string): SummaryDoc {
  return {
    stats: latencyStats(),
    tenant, minute: new Date(MINUTE_MS).toISOString(), stage: 'process', origin: { topic: `it-${RUN}`, partition: 0, first_offset: 0, last_offset: 9 },
    events: 10, bytes: 1000, indexed: 10, deferred: 0, archive_only: 0, dlq: 0, deferred_indexed: 0, redeferred: 0,
    levels: [{ key: 'error', count: 3 }, { key: 'info', count: 7 }], formats: [{ key: 'json', count: 10 }], sources: [], hosts: [], templates: [{ key: templateId, count: 10 }],
  };
}

beforeAll(async () => {
  await ensureTables();
  await ensureIndexTemplates();
  await ensureBucket();
  const store = new DynamoTenantStore();
  // Enterprise: its query rate (100 per 2 s, shared/query/rate.ts) leaves room for the many queries of this suite; FREE's is tested below.
  tokens.aIngest = (await store.addTenant(A, 'enterprise')).token;
  await store.addTenant(B, 'enterprise');
  await store.addTenant(FREE, 'free');
  tokens.aRead = await store.issueToken(A, 'read');
  tokens.bRead = await store.issueToken(B, 'read');
  tokens.freeRead = await store.issueToken(FREE, 'read');
  const doc = (i: number, who: string) => ({ '@timestamp': ago(60_000 + i * 1000), message: `payment ${i} failed for ${who} secret-${who}`, level: i % 2 ? 'error' : 'info', host: `web-${who}`, fields: { tenant: B, n: i } });
  ids.a = await indexDocs(A, Array.from({ length: 20 }, (_, i) => doc(i, A)));
  ids.b = await indexDocs(B, Array.from({ length: 20 }, (_, i) => doc(i, B)));
  // A tenant whose id starts with A's, on its own daily indices (sluice-logs-t_<id>_...): no prefix of A's alias reaches it.
  await store.addTenant(`${A}-pro`, 'pro');
  await indexDocs(`${A}-pro`, Array.from({ length: 5 }, (_, i) => doc(i, `${A}-pro`)), { tier: 'daily' });
  const miner = createMiner();
  const t = miner.add(`user ${RUN} logged in from 10.0.0.1`);
  await new S3TemplateStore().put(A, miner.snapshot(), undefined);
  const os = await getOpenSearch();
  for (const s of [summary(A, t.templateId), summary(B, 'b-template')]) await os.index({ index: summaryIndex(s.minute), id: `${s.tenant}-${RUN}`, body: s as never, refresh: true } as never);
  server = await startGateway(0, undefined, query as never);
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await (await getOpenSearch()).indices.delete({ index: `sluice-logs-t_${A}-pro_*`, ignore_unavailable: true } as never).catch(() => undefined);
});

describe('read path isolation', () => {
  it('finds the tenant\'s own events, newest first, and pages through them with the cursor', async () => {
    const first = await search('payment', tokens.aRead, '&size=8');
    expect(first.status).toBe(200);
    const times = (first.body.events as Array<{ time: string }>).map((e) => e.time);
    expect(times).toEqual([...times].sort().reverse());
    const seen = eventIds(first.body);
    let next = first.body.next as string | undefined;
    while (next) {
      const page = await search('payment', tokens.aRead, `&size=8&cursor=${next}`);
      seen.push(...eventIds(page.body));
      next = page.body.next as string | undefined;
    }
    expect(new Set(seen)).toEqual(new Set(ids.a));
    expect(seen).toHaveLength(20);
  });

  it.each(['*', '', 'payment', `secret-${B}`, `"secret-${B}"`, `host:web-${B}`, `fields.tenant:${B}`, 'level:error', `NOT secret-${A}`, `payment OR secret-${B}`, `(a OR (b OR NOT c))`, 'tenant:x OR *'])(
    'A\'s token with %j sees none of B\'s events (200 with A\'s only, or a 400)',
    async (q) => {
      const r = await search(q, tokens.aRead, '&size=500');
      expect([200, 400]).toContain(r.status);
      if (r.status === 200) for (const id of eventIds(r.body)) expect(ids.a).toContain(id);
      if (r.status === 400) expect(r.body.message).toMatch(/at character \d+/);
    },
  );

  it.each([`tenant:${B}`, '_index:*', '_index:sluice-logs-*', '_source:x', '_id:1', '@timestamp:1', '(payment', 'payment)', '/secret.*/', '*ret', 'se*ret', 'script:x'])(
    'refuses %j with 400 saying where and what to do',
    async (q) => {
      const r = await search(q);
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('bad_query');
      expect(typeof r.body.position).toBe('number');
      expect(r.body.message).toMatch(/at character \d+: .+; /);
    },
  );

  it('refuses a 100 KB query with 400 (through the handler: no HTTP server takes such a URL)', async () => {
    const event = apiGatewayV2Event({ method: 'GET', url: `/v1/search?q=${'x'.repeat(100 * 1024)}`, headers: { authorization: `Bearer ${tokens.aRead}` } });
    const r = (await query(event, { awsRequestId: 'r1' })) as { statusCode: number; body: string };
    expect(r.statusCode).toBe(400);
    expect(JSON.parse(r.body).message).toContain('at most 2048 are allowed');
  });

  it('answers 401 without a token or with an unknown one, 403 for an ingest token, and a read token cannot send logs', async () => {
    const none = await search('payment', '');
    expect(none.status).toBe(401);
    expect(none.body.message).toContain('--scope read');
    expect(none.headers.get('www-authenticate')).toContain('Bearer');
    const unknown = await search('payment', 'slc_not-a-token');
    expect(unknown.status).toBe(401);
    expect(unknown.body.error).toBe('invalid_token');
    const ingest = await search('payment', tokens.aIngest);
    expect(ingest.status).toBe(403);
    expect(ingest.body.message).toContain('ingest token');
    const post = await fetch(`${url}/v1/logs`, { method: 'POST', headers: { authorization: `Bearer ${tokens.aRead}`, 'content-type': 'text/plain' }, body: 'x' });
    expect(post.status).toBe(401);
  });

  it('`sluice tenants token <id> --scope read` prints a read token that reads and cannot send logs', async () => {
    const out = new PassThrough();
    const err = new PassThrough();
    const io = { stdin: new PassThrough(), stdout: out, stderr: err };
    expect(await tenantsCommand(['token', A, '--scope', 'read'], io)).toBe(0);
    const lines = String(out.read()).trim().split('\n');
    expect(lines[0]).toContain('read token');
    const token = lines[lines.length - 1]!;
    expect((await search('payment', token)).status).toBe(200);
    const post = await fetch(`${url}/v1/logs`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' }, body: 'x' });
    expect(post.status).toBe(401);
    expect(await tenantsCommand(['token', A, '--scope', 'admin'], io)).toBe(2);
    expect(String(err.read())).toContain('--scope is ingest or read');
  });

  it('caps the range by plan (400) and the size (cut)', async () => {
    const long = await get('/v1/search?from=3d', tokens.freeRead);
    expect(long.status).toBe(400);
    expect(long.body.error).toBe('range_too_long');
    const big = await get('/v1/search?size=100000', tokens.freeRead);
    expect(big.status).toBe(200);
    expect(big.body.size).toBe(100);
  });

  it('answers 429 with Retry-After past the tenant\'s query rate, and only for that tenant', async () => {
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof get>> | undefined;
    for (let i = 0; i < 15 && !limited; i++) {
      const r = await get('/v1/search?q=x', tokens.freeRead);
      statuses.push(r.status);
      if (r.status === 429) limited = r;
    }
    expect(limited).toBeDefined();
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited!.body.message).toMatch(/Retry after \d+ s/);
    expect((await search('payment')).status).toBe(200);
  });

  it('tails new events of the tenant only, long-polling until one arrives, and one indexed after a later one too (within the delay)', async () => {
    const start = await get('/v1/tail?wait=0&delay=2', tokens.aRead);
    expect(start.status).toBe(200);
    expect(start.body.events).toEqual([]);
    const pending = get(`/v1/tail?delay=2&since=${start.body.cursor as string}`, tokens.aRead);
    await new Promise((r) => setTimeout(r, 500));
    const later = new Date().toISOString();
    const [bId] = await indexDocs(B, [{ '@timestamp': later, received_at: later, message: `tail-${RUN} of B` }]);
    const [laterId] = await indexDocs(A, [{ '@timestamp': later, received_at: later, message: `tail-${RUN} of A, later` }]);
    // Received before `later` but indexed half a second after it (another partition, a slower batch):
    // a tail without the delay would have moved its cursor past it already.
    await new Promise((r) => setTimeout(r, 500));
    const earlier = new Date(Date.parse(later) - 100).toISOString(); // still after the tail's start cursor
    const [aId] = await indexDocs(A, [{ '@timestamp': earlier, received_at: earlier, message: `tail-${RUN} of A` }]);
    // Follow the cursor until both of A's came (each poll reads up to 2 s ago: the earlier one first).
    const tailed: string[] = [];
    let got = await pending;
    for (let i = 0; got.status === 200 && i < 5; i++) {
      tailed.push(...eventIds(got.body));
      if (tailed.includes(laterId!)) break;
      got = await get(`/v1/tail?delay=2&since=${got.body.cursor as string}`, tokens.aRead);
    }
    expect(got.status).toBe(200);
    expect(tailed).toEqual([aId, laterId]);
    expect(tailed).not.toContain(bId);
    const after = await get(`/v1/tail?wait=0&delay=2&since=${got.body.cursor as string}`, tokens.aRead);
    expect(eventIds(after.body)).toEqual([]);
  });

  it('gives the tenant\'s per-minute counts by level, a field\'s trend and its top templates with their texts, never B\'s', async () => {
    const s = await get('/v1/summaries?from=1h', tokens.aRead);
    expect(s.status).toBe(200);
    expect(s.body.minutes).toEqual([{ minute: new Date(MINUTE_MS).toISOString(), events: 10, levels: { error: 3, info: 7 } }]);
    const trend = await get('/v1/summaries?from=1h&field=latency_ms', tokens.aRead);
    expect(trend.status).toBe(200);
    expect(trend.body.fields).toEqual([{ field: 'latency_ms', count: 100 }]);
    const [point] = trend.body.trend as Array<{ minute: string; count: number; max: number; p50: number }>;
    expect(point).toMatchObject({ minute: new Date(MINUTE_MS).toISOString(), count: 100, max: 100 });
    expect(Math.abs(point!.p50 - 50)).toBeLessThanOrEqual(1);
    expect((await get('/v1/summaries?field=a%20b', tokens.aRead)).status).toBe(400);
    const t = await get('/v1/templates/top?from=1h', tokens.aRead);
    expect(t.status).toBe(200);
    const top = t.body.templates as Array<{ templateId: string; count: number; template?: string }>;
    expect(top).toHaveLength(1);
    expect(top[0]!.count).toBe(10);
    expect(top[0]!.template).toContain('logged in from');
    expect(JSON.stringify(t.body)).not.toContain('b-template');
  });

  it('serves the console page without a token, and 404/405 for what is not a read route', async () => {
    const page = await fetch(`${url}/console`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('id="token"');
    const e = apiGatewayV2Event({ method: 'GET', url: '/v1/searches', headers: { authorization: `Bearer ${tokens.aRead}` } });
    expect(((await query(e, { awsRequestId: 'r2' })) as { statusCode: number }).statusCode).toBe(404);
    const p = apiGatewayV2Event({ method: 'POST', url: '/v1/search', headers: { authorization: `Bearer ${tokens.aRead}` } });
    expect(((await query(p, { awsRequestId: 'r3' })) as { statusCode: number }).statusCode).toBe(405);
  });
});
