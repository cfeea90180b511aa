/**
 * The retention pass against the real OpenSearch and DynamoDB Local: documents of tenants on every
 * plan are indexed through the real process stage at several ages under a per-run index prefix, then
 * `retentionOnce` deletes exactly what is past each tenant's retention: dedicated indices whole,
 * expired tenants' documents inside shared indices, and shared indices whole once every tenant in them
 * is expired. A dry run changes nothing; a second pass has nothing to do; another prefix is untouched.
 * Summary indices are deleted by month once past the summary retention.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@opensearch-project/opensearch';
import { ensureTopics } from '../../shared/adapters/kafka.ts';
import { DynamoTenantStore } from '../../shared/adapters/tenant-store.ts';
import { toDocument } from '../../shared/classify/index.ts';
import * as config from '../../shared/config.ts';
import type { RawEnvelope } from '../../shared/envelope/types.ts';
import { logIndex, summaryIndex } from '../../shared/index/naming.ts';
import { toMskEvent } from '../../shared/msk.ts';
import { runStage } from '../../shared/process/stage.ts';
import type { StageDeps } from '../../shared/process/ports.ts';
import type { IndexTier, Plan } from '../../shared/tenants/plans.ts';
import { ensureIndexTemplates, ensureTables } from '../../local/bootstrap.ts';
import { retention, retentionOnce } from '../../functions/retention.ts';
import { stageDeps } from '../support/stage.ts';

const RUN = randomUUID().slice(0, 8);
const PREFIX = `rt${RUN}`;
const OTHER_PREFIX = `rx${RUN}`;
const TOPICS = { deferred: `ret-${RUN}.logs.deferred`, dlq: `ret-${RUN}.logs.dlq`, summary: `ret-${RUN}.logs.summary` };
const DAY = 86_400_000;
const t = (name: string) => `r${RUN}-${name}`;
const FREE = t('free'); // shared, 7 days
const STD = t('std'); // shared, 15 days
const LONG = t('long'); // shared, 60 days (override)
const PRO = t('pro'); // daily, 30 days
const ENT = t('ent'); // hourly, 90 days
let os: Client;
let savedPrefix: string | undefined;

const deps = (): StageDeps => stageDeps(TOPICS, { maxParkMs: 1_000 });

/**
 * An event of `tenant` that happened `days` ago (noon UTC of that day, so the slice is unambiguous),
 * received a minute later: the index an event goes to is bounded around its receive time, so aged
 * indices come from events received back then.
 */
function event(tenant: string, days: number): RawEnvelope {
  const at = new Date(Date.now() - days * DAY);
  at.setUTCHours(12, 0, 0, 0);
  const raw = JSON.stringify({ timestamp: at.toISOString(), level: 'info', message: `event of ${days} days ago`, n: Math.random() });
  const receivedAt = new Date(at.getTime() + 60_000).toISOString();
  return { v: 1, tenant, id: randomUUID(), receivedAt, tags: [], raw, truncated: false, originalBytes: raw.length, requestId: 'ret' };
}

const AGES: Record<string, number[]> = { [FREE]: [3, 10, 20], [STD]: [3, 10, 20], [LONG]: [20, 70], [PRO]: [20, 40], [ENT]: [80, 100] };
const TIER: Record<string, IndexTier> = { [FREE]: 'shared', [STD]: 'shared', [LONG]: 'shared', [PRO]: 'daily', [ENT]: 'hourly' };
const envs: RawEnvelope[] = [];
const indexOf = (e: RawEnvelope, prefix = PREFIX) => logIndex(e.tenant, TIER[e.tenant]!, toDocument(e)['@timestamp'], prefix).index;
const agedOf = (tenant: string, days: number) => envs.filter((e) => e.tenant === tenant && e.raw.includes(` ${days} days ago`));

async function indices(prefix = PREFIX): Promise<string[]> {
  const res = await os.cat.indices({ index: `${prefix}-logs-*`, format: 'json', h: 'index' } as never);
  return ((res.body as unknown as Array<{ index: string }>) ?? []).map((r) => r.index).sort();
}

async function idsIn(index: string, tenant: string): Promise<string[]> {
  await os.indices.refresh({ index: `${PREFIX}-logs-*` });
  const res = await os.search({ index, body: { size: 1000, query: { term: { tenant } } } });
  return (res.body.hits.hits as Array<{ _id: string }>).map((h) => h._id).sort();
}

beforeAll(async () => {
  savedPrefix = process.env.SLUICE_INDEX_PREFIX;
  os = new Client({ node: config.opensearch().url });
  await ensureTopics(Object.values(TOPICS).map((name) => ({ name, partitions: 1 })));
  await ensureTables();
  const store = new DynamoTenantStore();
  const plans: Array<[string, string, Partial<Plan>]> = [[FREE, 'free', {}], [STD, 'standard', {}], [LONG, 'standard', { retentionDays: 60 }], [PRO, 'pro', {}], [ENT, 'enterprise', {}]];
  for (const [id, plan, over] of plans) await store.addTenant(id, plan, over);
  for (const [tenant, ages] of Object.entries(AGES)) for (const d of ages) envs.push(event(tenant, d), event(tenant, d));

  // Index everything through the real stage under the run's prefix (and one old shared index under another prefix).
  process.env.SLUICE_INDEX_PREFIX = PREFIX;
  await ensureIndexTemplates();
  const r = await runStage(toMskEvent(envs.map((e, i) => ({ topic: `ret-${RUN}.raw`, partition: 0, offset: i, key: e.tenant, value: JSON.stringify(e) }))), { getRemainingTimeInMillis: () => 60_000 }, deps(), 'process');
  expect(r).toMatchObject({ records: envs.length, indexed: envs.length, dlq: 0 });
  process.env.SLUICE_INDEX_PREFIX = OTHER_PREFIX;
  await ensureIndexTemplates();
  const r2 = await runStage(toMskEvent(agedOf(FREE, 20).map((e, i) => ({ topic: `ret-${RUN}.raw`, partition: 1, offset: i, key: e.tenant, value: JSON.stringify(e) }))), { getRemainingTimeInMillis: () => 60_000 }, deps(), 'process');
  expect(r2.indexed).toBe(2);
  process.env.SLUICE_INDEX_PREFIX = PREFIX;
});

afterAll(async () => {
  if (savedPrefix === undefined) delete process.env.SLUICE_INDEX_PREFIX;
  else process.env.SLUICE_INDEX_PREFIX = savedPrefix;
  for (const p of [PREFIX, OTHER_PREFIX]) {
    await os?.indices.delete({ index: `${p}-*`, ignore_unavailable: true, expand_wildcards: 'all' } as never).catch(() => undefined);
    await os?.indices.deleteIndexTemplate({ name: `${p}-logs` }).catch(() => undefined);
    await os?.indices.deleteIndexTemplate({ name: `${p}-summaries` }).catch(() => undefined);
  }
  await os?.close();
});

describe('retention', () => {
  it('deletes exactly what is past each tenant\'s retention, in dedicated and shared indices', async () => {
    const before = await indices();
    const shared = (d: number) => indexOf(agedOf(FREE, d)[0]!);
    const s3 = shared(3), s10 = shared(10), s20 = shared(20), s70 = indexOf(agedOf(LONG, 70)[0]!);
    const pro20 = indexOf(agedOf(PRO, 20)[0]!), pro40 = indexOf(agedOf(PRO, 40)[0]!);
    const ent80 = indexOf(agedOf(ENT, 80)[0]!), ent100 = indexOf(agedOf(ENT, 100)[0]!);
    expect(before).toEqual([s3, s10, s20, s70, pro20, pro40, ent80, ent100].sort());
    const otherBefore = await indices(OTHER_PREFIX);
    expect(otherBefore).toHaveLength(1);

    // A dry run (what `{ "dryRun": true }` to the handler does) plans and changes nothing.
    const dry = await retention({ dryRun: true }, { getRemainingTimeInMillis: () => 120_000 });
    expect(dry).toMatchObject({ dryRun: true, actions: 5, deletedIndices: 0, deletedDocuments: 0 });
    expect(await indices()).toEqual(before);

    const r = await retentionOnce({ prefix: PREFIX });
    const byIndex = Object.fromEntries(r.actions.map((a) => [a.index, a]));
    expect(byIndex[s10]).toMatchObject({ kind: 'delete-docs', tenants: [FREE] });
    expect(byIndex[s20]).toMatchObject({ kind: 'delete-docs', tenants: [FREE, STD].sort() });
    expect(byIndex[s70]).toMatchObject({ kind: 'delete-index', tenants: [LONG] });
    expect(byIndex[pro40]).toMatchObject({ kind: 'delete-index', tenants: [PRO] });
    expect(byIndex[ent100]).toMatchObject({ kind: 'delete-index', tenants: [ENT] });
    expect(r.actions).toHaveLength(5);
    expect(r).toMatchObject({ deletedIndices: 3, deletedDocuments: 2 + 4, left: 0, unknown: [] });

    expect(await indices()).toEqual([s3, s10, s20, pro20, ent80].sort());
    // Shared, 3 days: everyone kept.
    expect(await idsIn(s3, FREE)).toEqual(agedOf(FREE, 3).map((e) => e.id).sort());
    expect(await idsIn(s3, STD)).toEqual(agedOf(STD, 3).map((e) => e.id).sort());
    // Shared, 10 days: free (7) gone, standard (15) kept.
    expect(await idsIn(s10, FREE)).toEqual([]);
    expect(await idsIn(s10, STD)).toEqual(agedOf(STD, 10).map((e) => e.id).sort());
    // Shared, 20 days: free and standard gone; the 60-day tenant keeps the index alive with its documents.
    expect(await idsIn(s20, FREE)).toEqual([]);
    expect(await idsIn(s20, STD)).toEqual([]);
    expect(await idsIn(s20, LONG)).toEqual(agedOf(LONG, 20).map((e) => e.id).sort());
    // Dedicated: within retention kept whole.
    expect(await idsIn(pro20, PRO)).toEqual(agedOf(PRO, 20).map((e) => e.id).sort());
    expect(await idsIn(ent80, ENT)).toEqual(agedOf(ENT, 80).map((e) => e.id).sort());
    // Another prefix (another stage's indices) is not touched, though its documents are as old.
    expect(await indices(OTHER_PREFIX)).toEqual(otherBefore);

    // A second pass has nothing left to do.
    const again = await retentionOnce({ prefix: PREFIX });
    expect(again.actions).toEqual([]);
    expect(await indices()).toEqual([s3, s10, s20, pro20, ent80].sort());
  });

  it('deletes the summary months older than the summary retention, whole, and keeps the rest', async () => {
    const summaries = async (prefix = PREFIX) =>
      ((await os.cat.indices({ index: `${prefix}-summaries-*`, format: 'json', h: 'index' } as never)).body as unknown as Array<{ index: string }>).map((r) => r.index).sort();
    // The stage wrote a summary index for every month with events (up to 100 days ago).
    const months = [...new Set(envs.map((e) => summaryIndex(toDocument(e)['@timestamp'], PREFIX)))].sort();
    expect(months.length).toBeGreaterThanOrEqual(3);
    expect(await summaries()).toEqual(months);
    const otherBefore = await summaries(OTHER_PREFIX);
    expect(otherBefore.length).toBeGreaterThan(0);
    // A retention under which the oldest month has expired and the current one has not.
    const monthEnd = (i: string) => { const [y, m] = i.slice(-7).split('.').map(Number); return Date.UTC(y!, m!, 1); };
    const days = Math.floor((Date.now() - monthEnd(months[0]!)) / DAY);
    const expired = months.filter((i) => monthEnd(i) + days * DAY <= Date.now());
    expect(expired.length).toBeGreaterThan(0);
    expect(expired.length).toBeLessThan(months.length);

    // The default (400 days) keeps them all.
    expect((await retentionOnce({ prefix: PREFIX })).actions).toEqual([]);
    const r = await retentionOnce({ prefix: PREFIX, summaryRetentionDays: days });
    expect(r.actions.map((a) => [a.kind, a.index])).toEqual(expired.map((i) => ['delete-index', i]));
    expect(r.deletedIndices).toBe(expired.length);
    expect(await summaries()).toEqual(months.filter((i) => !expired.includes(i)));
    // Another prefix's summaries are not touched.
    expect(await summaries(OTHER_PREFIX)).toEqual(otherBefore);
  });
});
