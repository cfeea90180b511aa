/**
 * Tenant isolation through the local ingest URL: a tenant's token decides where its events go, and
 * nothing in the request (body fields, headers, tags, source, host, query, path, Idempotency-Key)
 * can move them into another tenant's indices, alias or archive prefix, or make up an index name or
 * object key. Asserted by looking where the events actually landed.
 */
import './env.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../../local/pipeline.ts';
import { logIndex, tenantAlias } from '../../shared/index/naming.ts';
import { reconcile } from './reconcile.ts';
import { addTenant, archived, archiveKeys, indexedDocs, markerOf, os, post, runTag, tenantArchivePrefix } from './support.ts';

let p: Pipeline;
const tag = runTag();
const log = (m: string) => process.stderr.write(`${m}\n`);

beforeAll(async () => {
  p = await startPipeline({ httpPort: 0, archiveEveryMs: 0, processWindowMs: 250, retryMaxMs: 2_000, demoTenant: false, log });
});
afterAll(async () => {
  await p?.stop({ finalArchive: false });
});

/** Archive keys and index names Sluice may produce: anything else means a crafted value got through. */
const KEY = /^raw\/tenant=(?:[a-z][a-z0-9-]{1,39}|_invalid)\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/[A-Za-z0-9._-]+-\d+-\d{20}-\d{20}\.ndjson\.gz$/;
// Index names as the naming module makes them, for any valid tenant id (derived, not copied, so a
// renamed scheme does not break the check): the shared daily index or a tenant's daily/hourly ones.
const TS = '2024-01-02T03:04:05.000Z';
const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const sharedPrefix = logIndex('ab', 'shared', TS).index.slice(0, -'2024.01.02'.length);
const [tenantPre, tenantPost] = logIndex('ab', 'daily', TS).index.slice(0, -'2024.01.02'.length).split('ab') as [string, string];
const INDEX = new RegExp(`^(?:${esc(sharedPrefix)}|${esc(tenantPre)}[a-z][a-z0-9-]{1,39}${esc(tenantPost)})\\d{4}\\.\\d{2}\\.\\d{2}(?:\\.\\d{2})?$`);
const ownIndexPrefix = (tenant: string) => `${tenantPre}${tenant}${tenantPost}`;

describe('tenant isolation', () => {
  it('no body field, header, tag, source, host, query, path or idempotency key moves events to another tenant', async () => {
    const victim = `${tag}-victim`;
    const evil = `${tag}-evil`; // on its own daily indices (pro)...
    const evil2 = `${tag}-evil-two`; // ...and on the shared index as the victim (standard)
    const victimToken = await addTenant(victim, 'standard');
    const evilToken = await addTenant(evil, 'pro');
    const evil2Token = await addTenant(evil2, 'standard');
    const url = p.url;
    let n = 0;
    const mk = (t: string) => `mk-${tag}-${t}-${n++}`;
    const sent = new Map<string, string[]>([[victim, []], [evil, []], [evil2, []]]);
    const send = async (tenant: string, token: string, path: string, body: (m: string) => string, headers: Record<string, string> = {}, expectStatus = 202) => {
      const m = mk(tenant);
      const a = await post(`${url}${path}`, body(m), { authorization: `Bearer ${token}`, ...headers });
      expect(a.status, `${path.slice(0, 120)} ${JSON.stringify(headers).slice(0, 120)}: ${a.text.slice(0, 200)}`).toBe(expectStatus);
      if (expectStatus === 202) sent.get(tenant)!.push(m);
      return m;
    };

    // The victim's own events, with an Idempotency-Key the attackers will reuse.
    for (let i = 0; i < 5; i++) await send(victim, victimToken, '/v1/logs', (m) => `{"msg":"victim event","mk":"${m}"}`, { 'idempotency-key': `shared-key-${i}` });

    const long = 'A'.repeat(1_000); // many headers carry it: Node and API Gateway cap the header block (431 above)
    const crafted = [`../${victim}`, victim.toUpperCase(), `${victim},*`, '*', `sluice-logs-${victim}-2024.01.01`, `tenant=${victim}/../..`, `..%2F${victim}`, long, `${victim}\u0000x`, `_all`];
    for (const [tenant, token] of [[evil, evilToken], [evil2, evil2Token]] as const) {
      // Body fields that name a tenant, an index, an id or a routing.
      await send(tenant, token, '/v1/logs', (m) => JSON.stringify({ tenant: victim, tenant_id: victim, _index: `sluice-logs-${victim}-2024.01.01`, _routing: victim, _id: 'x', event_id: 'x', index: tenantAlias(victim), mk: m }), { 'content-type': 'application/json' });
      // Two events each: a bulk-API action line is just another event of the sender.
      let second = '';
      const two = (body: (m: string, m2: string) => string) => (m: string) => body(m, (second = mk(tenant)));
      await send(tenant, token, '/v1/bulk', two((m, m2) => `{"index":{"_index":"sluice-tenant-${victim}","_id":"1","_routing":"${victim}"},"mk":"${m2}"}\n{"tenant":"${victim}","mk":"${m}"}`), { 'content-type': 'application/x-ndjson' });
      sent.get(tenant)!.push(second);
      await send(tenant, token, '/v1/logs', two((m, m2) => JSON.stringify([{ tenant: victim, mk: m }, { tenant: victim.toUpperCase(), mk: m2 }])), { 'content-type': 'application/json' });
      sent.get(tenant)!.push(second);
      // Headers and query parameters with crafted values.
      for (const v of crafted) {
        const hv = v.replace(/\u0000/g, ''); // a header cannot carry NUL; the query can
        await send(tenant, token, `/v1/logs?tenant=${encodeURIComponent(v)}&source=${encodeURIComponent(v)}&host=${encodeURIComponent(v)}&tags=${encodeURIComponent(`${v},tenant:${victim}`)}`, (m) => `plain line ${m}`, {
          'x-tenant': hv, 'x-tenant-id': hv, 'x-sluice-tenant': hv, 'x-log-source': hv, 'x-log-host': hv, 'x-log-tags': `${hv},${victim},TENANT=${victim}`,
          'x-forwarded-for': hv, 'x-amzn-tenant': hv, 'content-type': 'text/plain',
        });
      }
      // The victim's idempotency keys: ids are derived from (tenant, key), so nothing of the victim is overwritten.
      for (let i = 0; i < 5; i++) await send(tenant, token, '/v1/logs', (m) => `{"msg":"overwrite attempt","mk":"${m}"}`, { 'idempotency-key': `shared-key-${i}` });
      // The path token route with crafted paths: refused, nothing written.
      for (const path of [`/v1/inputs/${token}/../${victim}`, `/v1/inputs/${token}%2F..%2F${victim}`, `/v1/inputs/${victim}`, `/v1/logs/../inputs/${victim}`, `/v1/inputs/*`]) {
        const a = await post(`${url}${path}`, `should not be stored ${mk(tenant)}`, { 'content-type': 'text/plain' });
        expect([400, 401, 404], `${path}: ${a.status} ${a.text.slice(0, 200)}`).toContain(a.status);
      }
      // A second, different token in the same request: refused (400 conflicting tokens).
      const both = await post(`${url}/v1/logs`, `two tokens ${mk(tenant)}`, { authorization: `Bearer ${token}`, 'x-api-key': victimToken });
      expect(both.status).toBe(400);
      // The path route with the tenant's own token works, and the tenant is still the token's.
      await send(tenant, 'ignored', `/v1/inputs/${token}`, (m) => `{"tenant":"${victim}","mk":"${m}"}`, { authorization: '' });
    }

    const expects = [...sent].map(([tenant, markers]) => ({ tenant, markers }));
    await reconcile(() => p.archiveNow(), expects, { timeoutMs: 180_000, log });

    // Where everything landed, looked up by the events' own ids across every index.
    for (const [tenant, markers] of sent) {
      const lines = await archived(tenantArchivePrefix(tenant));
      expect(lines.map((l) => markerOf(l.env.raw)).sort()).toEqual([...markers].sort());
      for (const l of lines) {
        expect(l.env.tenant).toBe(tenant);
        for (const f of [l.env.source, l.env.host, ...l.env.tags]) if (f !== undefined) expect(f.length).toBeLessThanOrEqual(256);
      }
      const ids = lines.map((l) => l.env.id);
      const found = await os('/sluice-logs-*/_search', { body: { size: 1000, _source: ['tenant', 'event_id'], query: { terms: { event_id: ids } } } });
      const hits = (found.body['hits'] as { hits: { _index: string; _id: string; _routing?: string; _source: { tenant: string } }[] }).hits;
      expect(hits.map((h) => h._id).sort()).toEqual([...ids].sort());
      for (const h of hits) {
        expect(h._source.tenant).toBe(tenant);
        if (tenant === evil) expect(h._index.startsWith(ownIndexPrefix(evil)), h._index).toBe(true);
        else expect(h._index.startsWith(sharedPrefix), h._index).toBe(true);
      }
      // Each tenant's alias shows its own events and nothing else.
      const viaAlias = await indexedDocs(tenantAlias(tenant));
      expect(viaAlias.map((d) => d.id).sort()).toEqual([...ids].sort());
    }
    // The victim's events are untouched by the attackers' reuse of its idempotency keys.
    const victimDocs = await indexedDocs(tenantAlias(victim), ['message', 'tenant']);
    expect(victimDocs).toHaveLength(5);
    for (const d of victimDocs) expect(JSON.stringify(d.source)).not.toContain('overwrite attempt');
    // Nothing was stored for the refused requests.
    for (const tenant of [evil, evil2]) {
      const lines = await archived(tenantArchivePrefix(tenant));
      expect(lines.some((l) => /should not be stored|two tokens/.test(l.env.raw))).toBe(false);
    }

    // No crafted value became an archive key, an index name or an alias.
    const keys = await archiveKeys();
    for (const k of keys) expect(k, k).toMatch(KEY);
    const indices = await os('/_cat/indices/sluice-logs-*?format=json&h=index');
    for (const { index } of indices.body as unknown as { index: string }[]) expect(index, index).toMatch(INDEX);
    const aliases = await os('/_cat/aliases?format=json&h=alias');
    const [aliasPre, aliasPost] = tenantAlias('ab').split('ab') as [string, string];
    const ALIAS = new RegExp(`^${esc(aliasPre)}[a-z](?:[a-z0-9]|-(?=[a-z0-9])){1,39}${esc(aliasPost)}$`);
    for (const { alias } of aliases.body as unknown as { alias: string }[]) if (alias.startsWith(aliasPre)) expect(alias, alias).toMatch(ALIAS);
  });
});
