import { describe, expect, it } from 'vitest';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { apiGatewayV2Event } from '../../../local/http-events.ts';
import { handleQuery, type QueryPorts } from '../../../shared/query/handle.ts';
import { QueryRateLimiter } from '../../../shared/query/rate.ts';
import { MemoryCounter } from '../../support/memory.ts';
import type { OpenSearchRequest } from '../../../shared/query/request.ts';
import { resolvePlan } from '../../../shared/tenants/plans.ts';
import type { Tenant } from '../../../shared/tenants/registry.ts';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const plan = resolvePlan('free');
const TOKENS: Record<string, Tenant> = {
  read: { id: 'acme', plan, createdAt: 'x', scope: 'read' },
  ingest: { id: 'acme', plan, createdAt: 'x', scope: 'ingest' },
};

/** In-memory ports: searches are recorded and answered from `hits`. */
function ports(o: { hits?: number; timedOut?: boolean; registryDown?: boolean; counter?: MemoryCounter } = {}) {
  const searches: OpenSearchRequest[] = [];
  let now = NOW;
  const p: QueryPorts = {
    tenants: { resolve: async (t) => { if (o.registryDown) throw new Error('down'); return TOKENS[t]; } },
    rate: new QueryRateLimiter(o.counter ?? new MemoryCounter(), { now: () => now }),
    search: async (req) => {
      searches.push(req);
      return { timedOut: o.timedOut ?? false, hits: Array.from({ length: o.hits ?? 0 }, (_, i) => ({ source: { '@timestamp': new Date(NOW - i).toISOString(), message: `m${i}`, event_id: `e${i}` }, sort: [NOW - i, `e${i}`] as [number, string] })) };
    },
    summaries: async () => [],
    templates: async () => () => undefined,
    settings: { prefix: 'sluice', timeoutMs: 1000, tailWaitMs: 3000, tailPollMs: 1000 },
    now: () => now,
    sleep: async (ms) => { now += ms; },
    consolePage: () => '<html>console</html>',
    log: { info: () => undefined, error: () => undefined },
  };
  return { p, searches };
}

async function call(p: QueryPorts, url: string, token?: string, method = 'GET') {
  const r = (await handleQuery(p, apiGatewayV2Event({ method, url, headers: token ? { authorization: `Bearer ${token}` } : {} }), 'req-1')) as APIGatewayProxyStructuredResultV2;
  return { status: r.statusCode, headers: r.headers ?? {}, body: String(r.headers?.['content-type'] ?? '').includes('json') ? (JSON.parse(r.body ?? '{}') as Record<string, unknown>) : r.body };
}

describe('handleQuery', () => {
  it('refuses without a token (401), with an unknown one (401), an ingest token (403), a down registry (503)', async () => {
    const { p, searches } = ports();
    expect((await call(p, '/v1/search')).status).toBe(401);
    expect((await call(p, '/v1/search', 'nope')).body).toMatchObject({ error: 'invalid_token' });
    expect((await call(p, '/v1/search', 'ingest')).body).toMatchObject({ error: 'wrong_scope' });
    const down = await call(ports({ registryDown: true }).p, '/v1/search', 'read');
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    expect(searches).toHaveLength(0);
  });

  it('answers a page with the next cursor when the page is full, and 504 when the search timed out', async () => {
    const { p, searches } = ports({ hits: 3 });
    const r = await call(p, '/v1/search?q=level:error&size=3', 'read');
    expect(r.status).toBe(200);
    expect((r.body as { events: unknown[] }).events).toHaveLength(3);
    expect((r.body as { next?: string }).next).toBeTypeOf('string');
    expect(searches[0]!.index).toBe('sluice-tenant-acme');
    expect((await call(ports({ timedOut: true }).p, '/v1/search', 'read')).body).toMatchObject({ error: 'timeout' });
  });

  it('answers 429 with Retry-After past the plan\'s rate, without searching; 503 when the shared counter is down', async () => {
    const { p, searches } = ports();
    // free: 5 queries per 5 s window (shared/query/rate.ts); NOW is at a window's start.
    for (let i = 0; i < 5; i++) expect((await call(p, '/v1/search', 'read')).status).toBe(200);
    const r = await call(p, '/v1/search', 'read');
    expect(r.status).toBe(429);
    expect(r.headers['retry-after']).toBe('5');
    expect(searches).toHaveLength(5);
    const counter = new MemoryCounter();
    counter.down = true;
    const down = await call(ports({ counter }).p, '/v1/search', 'read');
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('5');
    expect(down.body).toMatchObject({ error: 'unavailable' });
  });

  it('starts a search beside the shared counter\'s answer; a refused one is answered 429 and abandoned, once per instance and window', async () => {
    // A slow counter: its answer waits until released, so a search that starts meanwhile ran beside it.
    const counter = new MemoryCounter();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const take = counter.take.bind(counter);
    counter.take = async (...a) => { await gate; return take(...a); };
    const { p, searches } = ports({ counter });
    const pending = call(p, '/v1/search', 'read');
    await new Promise((r) => setTimeout(r, 10));
    expect(searches).toHaveLength(1); // already searching while the counter has not answered
    release();
    expect((await pending).status).toBe(200);
    // Another instance on the same (now full) counter: its first query is refused after its search
    // started; from then on it knows the window is full and refuses without searching.
    for (let i = 0; i < 4; i++) expect((await call(p, '/v1/search', 'read')).status).toBe(200);
    const other = ports({ counter });
    const first = await call(other.p, '/v1/search', 'read');
    expect(first.status).toBe(429);
    expect(other.searches).toHaveLength(1);
    expect((await call(other.p, '/v1/search', 'read')).status).toBe(429);
    expect(other.searches).toHaveLength(1);
    // A tail waits for the counter first (it may long-poll): refused, it never searches.
    const third = ports({ counter });
    expect((await call(third.p, '/v1/tail', 'read')).status).toBe(429);
    expect(third.searches).toHaveLength(0);
  });

  it('long-polls a tail until the wait is over, then answers the same cursor', async () => {
    const { p, searches } = ports();
    const r = await call(p, '/v1/tail', 'read');
    expect(r.status).toBe(200);
    expect((r.body as { events: unknown[] }).events).toEqual([]);
    expect(searches.length).toBe(4); // at 0, 1, 2 and 3 s of the 3 s wait
    // It starts now and each poll reads up to 5 s (the default delay) before its own time.
    const ranges = searches.map((s) => (s.body.query as { bool: { filter: Array<{ range?: { received_at: { gte: number; lte: number } } }> } }).bool.filter[1]!.range!.received_at);
    expect(ranges.map((x) => [x.gte - NOW, x.lte - NOW])).toEqual([[0, -5000], [0, -4000], [0, -3000], [0, -2000]]);
  });

  it('tails up to `delay` s ago (0 to 30), and refuses another delay with 400', async () => {
    const { p, searches } = ports();
    expect((await call(p, '/v1/tail?wait=0&delay=0', 'read')).status).toBe(200);
    expect((searches[0]!.body.query as { bool: { filter: Array<{ range?: { received_at: { lte: number } } }> } }).bool.filter[1]!.range!.received_at.lte).toBe(NOW);
    const bad = await call(p, '/v1/tail?delay=31', 'read');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'bad_parameter' });
    expect(String((bad.body as { message: string }).message)).toMatch(/0 to 30/);
  });

  it('serves the console without a token; 404 and 405 elsewhere', async () => {
    const { p } = ports();
    const page = await call(p, '/console');
    expect(page.status).toBe(200);
    expect(page.body).toContain('console');
    expect((await call(p, '/v1/nope', 'read')).status).toBe(404);
    const post = await call(p, '/v1/search', 'read', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET');
  });
});
