import { describe, expect, it } from 'vitest';
import { ES_VERSION } from '../../../shared/ingest/protocols/es.ts';
import { bodyOf, headersOf, memoryServices, request, serve, TENANT, TOKEN } from './helpers.ts';

const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` });
const auth = basic('elastic', TOKEN);
const ND = { ...auth, 'content-type': 'application/x-ndjson' };
const answer = (r: { body?: string }) => JSON.parse(r.body ?? '') as Record<string, unknown>;

describe('Elasticsearch-compatible /es: what shippers probe', () => {
  it('GET /es/ answers like a cluster (version, tagline, X-Elastic-Product); HEAD has no body; no token needed', async () => {
    for (const path of ['/es', '/es/']) {
      const s = await serve(request({ method: 'GET', path }), memoryServices());
      expect(s.response.statusCode).toBe(200);
      expect(headersOf(s.response)['x-elastic-product']).toBe('Elasticsearch');
      expect(answer(s.response)).toMatchObject({ version: { number: ES_VERSION, build_flavor: 'default' }, tagline: 'You Know, for Search' });
    }
    const h = await serve(request({ method: 'HEAD', path: '/es/' }), memoryServices());
    expect(h.response.statusCode).toBe(200);
    expect(h.response.body).toBe('');
  });

  it('health, nodes, license, templates and ILM stubs answer harmlessly; setup PUTs are acknowledged', async () => {
    const svc = memoryServices();
    const get = async (path: string, method = 'GET') => (await serve(request({ method, path, headers: auth, body: method === 'GET' ? undefined : '{}' }), svc)).response;
    expect(answer(await get('/es/_cluster/health'))).toMatchObject({ status: 'green' });
    expect(answer(await get('/es/_nodes/http'))).toMatchObject({ nodes: {} });
    expect(answer(await get('/es/_license'))).toMatchObject({ license: { status: 'active' } });
    expect(answer(await get('/es/_index_template/filebeat-8.17.0'))).toMatchObject({ index_templates: [{ name: 'filebeat-8.17.0' }] });
    expect((await get('/es/_ilm/policy/filebeat', 'HEAD')).statusCode).toBe(200);
    expect(answer(await get('/es/_index_template/filebeat-8.17.0', 'PUT'))).toEqual({ acknowledged: true });
    expect(svc.delivered).toHaveLength(0);
  });
});

describe('Elasticsearch-compatible /es: _bulk', () => {
  it('index and create actions: one event per document, index as source, items in order with the ids', async () => {
    const svc = memoryServices();
    const body = [
      '{"index":{"_index":"app-logs"}}',
      '{"@timestamp":"2026-12-01T09:00:00Z","message":"first","log":{"level":"warn"}}',
      '{"create":{"_index":"web","_id":"client-id-1"}}',
      '{"message":"second"}',
      '{"index":{}}',
      'not json at all',
      '',
    ].join('\n');
    const s = await serve(request({ path: '/es/default-idx/_bulk', headers: ND, body }), svc);
    expect(s.response.statusCode).toBe(200);
    const a = answer(s.response) as { took: number; errors: boolean; items: Array<Record<string, { _index: string; _id: string; status: number; result: string }>> };
    expect(a.errors).toBe(false);
    expect(typeof a.took).toBe('number');
    expect(a.items.map((i) => Object.keys(i)[0])).toEqual(['index', 'create', 'index']);
    expect(a.items.map((i) => Object.values(i)[0]!.status)).toEqual([201, 201, 201]);
    expect(a.items[1]!.create).toMatchObject({ _index: 'web', _id: 'client-id-1', result: 'created' });
    const envs = svc.envelopes();
    expect(envs.map((e) => [e.source, e.raw])).toEqual([
      ['app-logs', '{"@timestamp":"2026-12-01T09:00:00Z","message":"first","log":{"level":"warn"}}'],
      ['web', '{"message":"second"}'],
      ['default-idx', 'not json at all'],
    ]);
    expect(a.items[0]!.index!._id).toBe(envs[0]!.id);
    expect(envs.every((e) => e.tenant === TENANT)).toBe(true);
  });

  it('delete and update are refused item by item and counted in errors; the rest is stored', async () => {
    const svc = memoryServices();
    const body = '{"delete":{"_index":"a","_id":"1"}}\n{"update":{"_index":"a","_id":"2"}}\n{"doc":{"x":1}}\n{"index":{"_index":"a"}}\n{"message":"kept"}\n';
    const s = await serve(request({ path: '/es/_bulk', headers: ND, body }), svc);
    const a = answer(s.response) as { errors: boolean; items: Array<Record<string, { status: number; error?: { type: string } }>> };
    expect(a.errors).toBe(true);
    expect(a.items.map((i) => Object.values(i)[0]!.status)).toEqual([405, 405, 201]);
    expect(a.items[0]!.delete!.error!.type).toBe('illegal_argument_exception');
    expect(svc.envelopes().map((e) => e.raw)).toEqual(['{"message":"kept"}']);
  });

  it('an action without its document, a broken action line, or an empty body: 400 in ES words, nothing stored', async () => {
    const svc = memoryServices();
    for (const body of ['{"index":{"_index":"a"}}\n{"message":"ok"}\n{"index":{"_index":"a"}}\n', '{"index":\n{"m":1}\n', '{"frobnicate":{}}\n{}\n', '\n']) {
      const s = await serve(request({ path: '/es/_bulk', headers: ND, body }), svc);
      expect(s.response.statusCode).toBe(400);
      const e = answer(s.response) as { status: number; error: { type: string; reason: string; root_cause: unknown[] } };
      expect(e.status).toBe(400);
      expect(e.error.root_cause).toHaveLength(1);
      expect(e.error.reason.length).toBeGreaterThan(10);
    }
    expect(svc.delivered).toHaveLength(0);
  });

  it('tokens: Basic password, ApiKey base64(id:key), Bearer; a bad one is a 401 security_exception', async () => {
    const body = '{"index":{"_index":"a"}}\n{"m":1}\n';
    const apiKey = { authorization: `ApiKey ${Buffer.from(`key-id:${TOKEN}`).toString('base64')}` };
    for (const headers of [auth, basic(TOKEN, ''), apiKey, { authorization: `ApiKey ${TOKEN}` }, { authorization: `Bearer ${TOKEN}` }]) {
      const s = await serve(request({ path: '/es/_bulk', headers, body }), memoryServices());
      expect(s.response.statusCode).toBe(200);
    }
    const bad = await serve(request({ path: '/es/_bulk', headers: basic('elastic', 'wrong'), body }), memoryServices());
    expect(bad.response.statusCode).toBe(401);
    expect(answer(bad.response)).toMatchObject({ status: 401, error: { type: 'security_exception' } });
    expect(headersOf(bad.response)['www-authenticate']).toMatch(/Basic/);
  });

  it('503 with Retry-After when the events could not be stored', async () => {
    const s = await serve(request({ path: '/es/_bulk', headers: ND, body: '{"index":{"_index":"a"}}\n{"m":1}\n' }), memoryServices({ fail: 'kafka-and-spill' }));
    expect(s.response.statusCode).toBe(503);
    expect(headersOf(s.response)['retry-after']).toBe('5');
  });

  it('single documents: POST /es/{index}/_doc and PUT /es/{index}/_doc/{id}', async () => {
    const svc = memoryServices();
    const a = await serve(request({ path: '/es/syslog/_doc', headers: auth, body: '{"message":"one"}' }), svc);
    expect(a.response.statusCode).toBe(201);
    expect(answer(a.response)).toMatchObject({ _index: 'syslog', result: 'created' });
    const b = await serve(request({ method: 'PUT', path: '/es/syslog/_doc/abc', headers: auth, body: '{"message":"two"}' }), svc);
    expect(answer(b.response)).toMatchObject({ _id: 'abc' });
    expect(svc.envelopes().map((e) => [e.source, e.raw])).toEqual([['syslog', '{"message":"one"}'], ['syslog', '{"message":"two"}']]);
  });

  it('bulk cost grows linearly with the action count (ratio within one run)', async () => {
    const make = (n: number) => '{"index":{"_index":"a"}}\n{"message":"a log line of ordinary length","n":1}\n'.repeat(n);
    const small = make(1_000);
    const large = make(64_000);
    let bs = Infinity;
    let bl = Infinity;
    for (let k = 0; k < 5; k++) {
      for (const [b, isLarge] of [[small, false], [large, true]] as const) {
        const t0 = process.hrtime.bigint();
        await serve(request({ path: '/es/_bulk', headers: ND, body: b }), memoryServices());
        const dt = Number(process.hrtime.bigint() - t0);
        if (isLarge) bl = Math.min(bl, dt);
        else bs = Math.min(bs, dt);
      }
    }
    expect(bl / bs).toBeLessThan(1600); // 64x the actions: linear is 64 (x GC, up to ~7 seen); quadratic would be ~4096
  }, 60_000);
});
