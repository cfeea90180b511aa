/**
 * The small OpenSearch client (shared/adapters/opensearch-http.ts): the wire requests (paths, query
 * parameters, JSON and NDJSON bodies, SigV4 for service `es`), OpenSearch's errors mapped to type and
 * reason, timeouts, and which calls are retried. The server is a loopback double; the real node is in
 * test/integration/{process,ops-retention,deploy}.test.ts.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as config from '../../../shared/config.ts';
import { resetSigners } from '../../../shared/adapters/signed-fetch.ts';
import { OpenSearchError, OpenSearchHttp } from '../../../shared/adapters/opensearch-http.ts';

type Answer = { status: number; body?: unknown; delayMs?: number };
let answers: Answer[] = [];
const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders; body: string }> = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: data });
      const a = answers.shift() ?? { status: 200, body: { acknowledged: true } };
      const send = () => res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body === undefined ? '' : JSON.stringify(a.body));
      if (a.delayMs) setTimeout(send, a.delayMs);
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => {
  answers = [];
  seen.length = 0;
});
afterAll(async () => {
  config.overrideSettings({ SLUICE_STAGE: undefined, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, AWS_REGION: undefined });
  resetSigners();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('requests', () => {
  it('sends a _bulk body unchanged as NDJSON, with filter_path and refresh in the query', async () => {
    const body = Buffer.from('{"index":{"_index":"a b","_id":"1"}}\n{"message":"h\\u00e9"}\n');
    answers.push({ status: 200, body: { errors: false, items: [{ index: { status: 201 } }] } });
    const out = await new OpenSearchHttp({ url: url + '/' }).bulk(body, { filterPath: 'errors,items.*.status', refresh: false });
    expect(out).toEqual({ errors: false, items: [{ index: { status: 201 } }] });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/_bulk?filter_path=errors%2Citems.*.status&refresh=false', body: body.toString() });
    expect(seen[0]!.headers['content-type']).toBe('application/x-ndjson');
    expect(seen[0]!.headers['accept-encoding']).toBe('identity');
    expect(seen[0]!.headers.authorization).toBeUndefined();
  });

  it('encodes index names and lists in the path, and JSON bodies as application/json', async () => {
    const c = new OpenSearchHttp({ url });
    await c.createIndex('sluice-logs-t_a_2026.12.01', { aliases: { 'sluice-tenant-a': {} } });
    await c.putMapping('sluice-summaries-*,other', { properties: { n: { type: 'long' } } }, { allowNoIndices: true });
    await c.deleteIndex('sluice-logs-x', { ignoreUnavailable: true });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'PUT /sluice-logs-t_a_2026.12.01',
      'PUT /sluice-summaries-*%2Cother/_mapping?allow_no_indices=true',
      'DELETE /sluice-logs-x?ignore_unavailable=true&expand_wildcards=none',
    ]);
    expect(JSON.parse(seen[0]!.body)).toEqual({ aliases: { 'sluice-tenant-a': {} } });
    expect(seen[1]!.headers['content-type']).toBe('application/json');
  });

  it('lists indices by name from _cat/indices', async () => {
    answers.push({ status: 200, body: [{ index: 'sluice-logs-a' }, { index: 'sluice-logs-b' }] });
    expect(await new OpenSearchHttp({ url }).listIndices('sluice-logs-*')).toEqual(['sluice-logs-a', 'sluice-logs-b']);
    expect(seen[0]!.url).toBe('/_cat/indices/sluice-logs-*?format=json&h=index&expand_wildcards=open');
  });

  it('signs with SigV4 for service es in the configured region when auth is sigv4', async () => {
    config.overrideSettings({ SLUICE_STAGE: 'prod', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'token-1', AWS_REGION: 'eu-west-1' });
    resetSigners();
    try {
      await new OpenSearchHttp({ url, auth: 'sigv4' }).search('sluice-tenant-a', { size: 0 }, { routing: 'a' });
    } finally {
      config.overrideSettings({ SLUICE_STAGE: undefined, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, AWS_REGION: undefined });
      resetSigners();
    }
    const h = seen[0]!.headers;
    expect(h.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/es\/aws4_request, SignedHeaders=accept-encoding;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/);
    expect(h['x-amz-security-token']).toBe('token-1');
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/sluice-tenant-a/_search?routing=a', body: '{"size":0}' });
  });
});

describe('errors and retries', () => {
  it("throws OpenSearch's error type and reason with the status", async () => {
    answers.push({ status: 400, body: { error: { type: 'resource_already_exists_exception', reason: 'index [x/abc] already exists' }, status: 400 } });
    const err = (await new OpenSearchHttp({ url }).createIndex('x').catch((e: unknown) => e)) as OpenSearchError;
    expect(err).toBeInstanceOf(OpenSearchError);
    expect(err).toMatchObject({ status: 400, type: 'resource_already_exists_exception', reason: 'index [x/abc] already exists' });
    expect(err.message).toBe('OpenSearch PUT /x: resource_already_exists_exception: index [x/abc] already exists (400)');
  });

  it('retries a 503 for idempotent calls (three attempts in all), never for _bulk or index creation', async () => {
    const c = new OpenSearchHttp({ url });
    answers.push({ status: 503 }, { status: 503 }, { status: 200, body: { persistent: {} } });
    expect(await c.clusterSettings()).toEqual({ persistent: {} });
    expect(seen).toHaveLength(3);
    seen.length = 0;
    answers.push({ status: 503 }, { status: 503 }, { status: 503 });
    await expect(c.putIndexTemplate('t', {})).rejects.toMatchObject({ status: 503 });
    expect(seen).toHaveLength(3);
    seen.length = 0;
    answers.push({ status: 503, body: { error: 'overloaded' } });
    await expect(c.bulk('{}\n')).rejects.toThrow('OpenSearch POST /_bulk: overloaded (503)');
    answers.push({ status: 503 });
    await expect(c.createIndex('x')).rejects.toMatchObject({ status: 503 });
    expect(seen).toHaveLength(2);
  });

  it('does not retry a client error', async () => {
    answers.push({ status: 404, body: { error: { type: 'index_not_found_exception', reason: 'no such index [x]' } } });
    await expect(new OpenSearchHttp({ url }).refresh('x')).rejects.toMatchObject({ status: 404, type: 'index_not_found_exception' });
    expect(seen).toHaveLength(1);
  });

  it('gives up on a request after its timeout (type timeout), and a _bulk only once', async () => {
    answers.push({ status: 200, body: {}, delayMs: 500 });
    const err = (await new OpenSearchHttp({ url }).bulk('{}\n', { timeoutMs: 50 }).catch((e: unknown) => e)) as OpenSearchError;
    expect(err).toMatchObject({ status: 0, type: 'timeout', message: 'OpenSearch POST /_bulk: no answer within 50 ms' });
    expect(seen).toHaveLength(1);
  });

  it('names a refused connection, after retrying an idempotent call', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const err = (await new OpenSearchHttp({ url: `http://127.0.0.1:${port}` }).listIndices('x').catch((e: unknown) => e)) as OpenSearchError;
    expect(err).toMatchObject({ status: 0, type: 'connection' });
    expect(err.message).toMatch(/^OpenSearch GET \/_cat\/indices\/x: no connection \(ECONNREFUSED\)$/);
  });
});
