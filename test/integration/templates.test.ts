/**
 * Templates in the pipeline, against the real local OpenSearch, MinIO (S3), DynamoDB Local and
 * Kafka: every indexed document carries its `template_id`; the miner state persists per tenant in
 * S3 and gives the same ids to another (fresh) instance; the summaries count events per template;
 * `sluice templates top` lists them; the state stays bounded.
 */
import { randomUUID } from 'node:crypto';
import { Writable, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@opensearch-project/opensearch';
import { ensureTopics } from '../../shared/adapters/kafka.ts';
import { getOpenSearch } from '../../shared/adapters/opensearch.ts';
import { DynamoTenantStore } from '../../shared/adapters/tenant-store.ts';
import { S3TemplateStore } from '../../shared/adapters/template-store.ts';
import type { RawEnvelope } from '../../shared/envelope/types.ts';
import { tenantAlias } from '../../shared/index/naming.ts';
import { toMskEvent } from '../../shared/msk.ts';
import { runStage } from '../../shared/process/stage.ts';
import { TenantMiners } from '../../shared/process/templates.ts';
import type { StageDeps } from '../../shared/process/ports.ts';
import { mergeContributions } from '../../shared/summary/summary.ts';
import { templatesCommand } from '../../cli/templates.ts';
import { ensureBucket, ensureIndexTemplates, ensureTables } from '../../local/bootstrap.ts';
import { docsOf as readDocs, stageDeps, summariesOf as readSummaries } from '../support/stage.ts';

const RUN = randomUUID().slice(0, 8);
const TOPICS = { deferred: `it-${RUN}.logs.deferred`, dlq: `it-${RUN}.logs.dlq`, summary: `it-${RUN}.logs.summary` };
const ctx = { getRemainingTimeInMillis: () => 60_000 };
let os: Client;

function envelope(t: string, raw: string): RawEnvelope {
  return { v: 1, tenant: t, id: randomUUID(), receivedAt: new Date().toISOString(), tags: ['it'], raw, truncated: false, originalBytes: Buffer.byteLength(raw), requestId: `req-${RUN}` };
}

const LOGIN = (i: number) => `{"level":"info","message":"user login ok for session ${1000 + i}"}`;
const PAY = (i: number) => `{"level":"error","message":"payment failed for order ${i} after ${20 + i} ms"}`;
const CACHE = (i: number) => `level=debug msg="cache miss key=${i}"`;
const DISK = (i: number) => `disk /dev/sd${i} at ${50 + i}% capacity`;

const deps = (miners: TenantMiners): StageDeps => stageDeps(TOPICS, { templates: miners });

async function addTenant(name: string): Promise<string> {
  const id = `t${RUN}-${name}`;
  await new DynamoTenantStore().addTenant(id, 'pro'); // daily tier: the tenant's own indices
  return id;
}

let offset = 0;
function batch(envs: RawEnvelope[], partition: number) {
  return toMskEvent(envs.map((e) => ({ topic: `it-${RUN}.logs.raw`, partition, offset: offset++, key: e.tenant, value: JSON.stringify(e) })));
}

const docsOf = (t: string) => readDocs(os, t);

const summariesOf = (t: string) => readSummaries(os, t);

function capture(): { io: { stdin: Readable; stdout: Writable; stderr: Writable }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: {
      stdin: Readable.from([]),
      stdout: new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) }),
      stderr: new Writable({ write: (c, _e, cb) => ((err += String(c)), cb()) }),
    },
    out: () => out,
    err: () => err,
  };
}

beforeAll(async () => {
  await ensureTopics(Object.values(TOPICS).map((name) => ({ name, partitions: 1 })));
  await ensureTables();
  await ensureBucket();
  await ensureIndexTemplates();
  os = await getOpenSearch();
});

afterAll(async () => {
  await os?.indices.delete({ index: `sluice-logs-t_t${RUN}-*`, ignore_unavailable: true } as never).catch(() => undefined);
});

describe('templates in the process stage (OpenSearch, S3, DynamoDB Local, Kafka)', () => {
  it('documents carry a stable template_id; summaries count per template; templates top lists them', async () => {
    const t = await addTenant('top');
    const envs = [
      ...Array.from({ length: 5 }, (_, i) => envelope(t, LOGIN(i))),
      ...Array.from({ length: 3 }, (_, i) => envelope(t, PAY(i))),
      ...Array.from({ length: 2 }, (_, i) => envelope(t, CACHE(i))),
    ];
    const r = await runStage(batch(envs, 0), ctx, deps(new TenantMiners(new S3TemplateStore())), 'process');
    expect(r).toMatchObject({ indexed: 10, dlq: 0 });

    const docs = await docsOf(t);
    expect(docs).toHaveLength(10);
    const idOf = (raw: (i: number) => string) => {
      const ids = new Set(docs.filter((d) => envs.find((e) => e.id === d._id)!.raw.startsWith(raw(0).slice(0, 30))).map((d) => d._source.template_id));
      expect(ids.size).toBe(1);
      const [id] = ids;
      expect(id).toMatch(/^[0-9a-f]{16}/);
      return id as string;
    };
    const login = idOf(LOGIN);
    const pay = idOf(PAY);
    const cache = idOf(CACHE);
    expect(new Set([login, pay, cache]).size).toBe(3);

    // template_id is a keyword: searchable.
    const hits = await os.search({ index: tenantAlias(t), body: { query: { term: { template_id: pay } } } });
    expect((hits.body.hits.total as { value: number }).value).toBe(3);

    const merged = mergeContributions(await summariesOf(t));
    const counts: Record<string, number> = {};
    for (const m of merged) for (const [k, n] of Object.entries(m.templates)) counts[k] = (counts[k] ?? 0) + n;
    expect(counts).toEqual({ [login]: 5, [pay]: 3, [cache]: 2 });

    // The same events again in a new batch (new offsets: a replay from the archive) count again.
    await runStage(batch(envs, 0), ctx, deps(new TenantMiners(new S3TemplateStore())), 'process');

    await os.indices.refresh({ index: 'sluice-summaries-*' });
    const c = capture();
    expect(await templatesCommand(['top', '--tenant', t, '--since', '1h'], c.io)).toBe(0);
    const lines = c.out().trim().split('\n');
    expect(lines[0]).toMatch(/^COUNT\s+TEMPLATE_ID\s+TEMPLATE$/);
    const rows = lines.slice(1).map((l) => l.trim().split(/\s{2,}/));
    expect(rows).toEqual([
      ['10', login, 'user login ok for session <*>'],
      ['6', pay, 'payment failed for order <*> after <*> ms'],
      ['4', cache, 'cache miss key=<*>'],
    ]);
    const j = capture();
    expect(await templatesCommand(['top', '--tenant', t, '--limit', '1', '--json'], j.io)).toBe(0);
    expect(JSON.parse(j.out().trim())).toEqual({ count: 10, templateId: login, template: 'user login ok for session <*>' });
  });

  it('a retried batch (same offsets) counts once', async () => {
    const t = await addTenant('replay');
    const envs = Array.from({ length: 4 }, (_, i) => envelope(t, PAY(i)));
    const ev = batch(envs, 0);
    await runStage(ev, ctx, deps(new TenantMiners(new S3TemplateStore())), 'process');
    await runStage(ev, ctx, deps(new TenantMiners(new S3TemplateStore())), 'process');
    const merged = mergeContributions(await summariesOf(t));
    expect(merged.reduce((s, m) => s + Object.values(m.templates).reduce((a, b) => a + b, 0), 0)).toBe(4);
  });

  it('two instances: the same template gets the same id, loaded or learnt independently; concurrent writes merge', async () => {
    const t = await addTenant('two');
    const store = () => new S3TemplateStore();
    // Instance A learns two templates and writes its state.
    const a = new TenantMiners(store());
    await runStage(batch([envelope(t, LOGIN(1)), envelope(t, PAY(1))], 0), ctx, deps(a), 'process');
    // Instance B starts fresh, loads A's state: the same ids for the same templates, a new one for DISK.
    const b = new TenantMiners(store());
    const bEnvs = [envelope(t, LOGIN(2)), envelope(t, PAY(2)), envelope(t, DISK(1))];
    await runStage(batch(bEnvs, 1), ctx, deps(b), 'process');
    const docs = await docsOf(t);
    const idByText = new Map<string, Set<unknown>>();
    for (const d of docs) {
      const key = String(d._source.message).split(' ')[0]!;
      if (!idByText.has(key)) idByText.set(key, new Set());
      idByText.get(key)!.add(d._source.template_id);
    }
    expect([...idByText.keys()].sort()).toEqual(['disk', 'payment', 'user']);
    for (const ids of idByText.values()) expect(ids.size).toBe(1);

    // Two instances with no state at all learn the same new template concurrently, plus one each:
    // the same id for the shared one; both writes land (one merges after a conflict).
    const t2 = await addTenant('race');
    const c = new TenantMiners(store());
    const d = new TenantMiners(store());
    await Promise.all([
      runStage(batch([envelope(t2, CACHE(1)), envelope(t2, LOGIN(1))], 0), ctx, deps(c), 'process'),
      runStage(batch([envelope(t2, CACHE(2)), envelope(t2, PAY(1))], 1), ctx, deps(d), 'process'),
    ]);
    // Both started with no stored state and wrote with If-None-Match: *; the second merged and wrote again.
    expect(c.conflicts + d.conflicts).toBe(1);
    expect(c.writes + d.writes).toBe(2);
    const docs2 = await docsOf(t2);
    const cacheIds = new Set(docs2.filter((x) => String(x._source.message).startsWith('cache')).map((x) => x._source.template_id));
    expect(cacheIds.size).toBe(1);
    const stored = await store().get(t2);
    expect(stored && stored !== 'unchanged').toBeTruthy();
    const ids = (stored as { state: { clusters: Array<[string, string, number, number]> } }).state.clusters.map((r) => r[0]);
    expect(new Set(ids)).toEqual(new Set(docs2.map((x) => x._source.template_id)));
    expect(ids).toHaveLength(3);
  });

  it('the persisted state stays bounded', async () => {
    const t = await addTenant('bounded');
    const miners = new TenantMiners(new S3TemplateStore(), { maxClusters: 40 });
    // 300 distinct digit-free templates (distinct first words: no two share a cluster).
    const word = (i: number) => Array.from({ length: 4 }, (_, k) => String.fromCharCode(97 + ((i * 7 + k * 3) % 26)) + String.fromCharCode(97 + ((i >> (k + 1)) % 26))).join('');
    const envs = Array.from({ length: 300 }, (_, i) => envelope(t, `${word(i)} ${word(i + 1000)} happened to ${word(i + 2000)}`));
    const r = await runStage(batch(envs, 0), ctx, deps(miners), 'process');
    expect(r.indexed).toBe(300);
    const stored = await new S3TemplateStore().get(t);
    const state = (stored as { state: { clusters: unknown[]; aliases: unknown[] } }).state;
    expect(state.clusters.length).toBeGreaterThan(0);
    expect(state.clusters.length).toBeLessThanOrEqual(40);
    expect(state.aliases.length).toBeLessThanOrEqual(40);
    expect((await docsOf(t)).every((d) => typeof d._source.template_id === 'string')).toBe(true);
  });
});
