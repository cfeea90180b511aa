/**
 * Staging on production's traffic, against the real local Kafka, DynamoDB Local, MinIO and OpenSearch.
 * One raw topic; a "production" stage config consumes it (its own consumer group, index prefix and
 * topics), then a "staging" config (SLUICE_SOURCE_STAGE, SLUICE_SAMPLE_FRACTION, its own prefix,
 * topics, budget table and bucket, production's plans) consumes the same topic with its own group, as
 * its MSK event source would. Production's committed offsets, indices and topics are unchanged; staging indexes exactly the
 * events whose id hashes into the sample (about the fraction) under its own prefix.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@opensearch-project/opensearch';
import { ensureTopics, produce } from '../../shared/adapters/kafka.ts';
import { TopicReader } from '../../shared/adapters/kafka-consumer.ts';
import { DynamoTenantStore } from '../../shared/adapters/tenant-store.ts';
import * as config from '../../shared/config.ts';
import type { RawEnvelope } from '../../shared/envelope/types.ts';
import { tenantAlias } from '../../shared/index/naming.ts';
import { toMskEvent } from '../../shared/msk.ts';
import { defaultDeps, processRaw, resetDefaultDeps, type StageResult } from '../../shared/process/index.ts';
import { inSample } from '../../shared/process/sample.ts';
import { ensureBucket, ensureIndexTemplates, ensureTables } from '../../local/bootstrap.ts';

const RUN = randomUUID().slice(0, 8);
const RAW = `stg-${RUN}.logs.raw`;
const FRACTION = 0.25;
const topicsOf = (suffix: string) => ({ deferred: `stg-${RUN}.logs.deferred${suffix}`, dlq: `stg-${RUN}.logs.dlq${suffix}`, summary: `stg-${RUN}.logs.summary${suffix}` });
const PROD_TOPICS = topicsOf('');
const STAGING_TOPICS = topicsOf('.staging');
const PROD = {
  IS_OFFLINE: 'true', SLUICE_STAGE: `p${RUN}`, SLUICE_SOURCE_STAGE: '', SLUICE_SAMPLE_FRACTION: '', SLUICE_INDEX_PREFIX: `sp${RUN}`,
  SLUICE_TOPIC_RAW: RAW, SLUICE_TOPIC_DEFERRED: PROD_TOPICS.deferred, SLUICE_TOPIC_DLQ: PROD_TOPICS.dlq, SLUICE_TOPIC_SUMMARY: PROD_TOPICS.summary,
  TENANTS_TABLE: 'sluice-tenants-local', SLUICE_PLANS_TABLE: '', BUDGET_TABLE: 'sluice-budget-local', ARCHIVE_BUCKET: 'sluice-archive-local',
};
const STAGING = {
  ...PROD, SLUICE_STAGE: `s${RUN}`, SLUICE_SOURCE_STAGE: PROD.SLUICE_STAGE, SLUICE_SAMPLE_FRACTION: String(FRACTION), SLUICE_INDEX_PREFIX: `ss${RUN}`,
  SLUICE_TOPIC_DEFERRED: STAGING_TOPICS.deferred, SLUICE_TOPIC_DLQ: STAGING_TOPICS.dlq, SLUICE_TOPIC_SUMMARY: STAGING_TOPICS.summary,
  // Staging has its own (empty) registry but reads the plans from production's (the `plansTable`
  // parameter), and keeps its own budgets and template states.
  TENANTS_TABLE: `sluice-tenants-s${RUN}`, SLUICE_PLANS_TABLE: PROD.TENANTS_TABLE,
  BUDGET_TABLE: `sluice-budget-s${RUN}`, ARCHIVE_BUCKET: `sluice-archive-s${RUN}`,
};
type StageEnv = typeof PROD;

const A = `g${RUN}-a`; // standard: shared index
const B = `g${RUN}-b`; // pro: own daily index
const TIGHT = `g${RUN}-tight`; // over budget: deferred
let os: Client;

async function withEnv<T>(env: StageEnv, fn: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  resetDefaultDeps();
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetDefaultDeps();
  }
}

/**
 * What the stage's MSK event source does: read the raw topic from the stage's consumer group
 * (`sluice-process-<stage>`), hand Lambda-shaped batches to `processRaw` with the stage's default
 * adapters, commit after each batch succeeded; until caught up.
 */
async function consumeAsStage(env: StageEnv): Promise<StageResult[]> {
  return withEnv(env, async () => {
    const reader = new TopicReader({ topic: config.topics().raw, groupId: config.processGroup() });
    const results: StageResult[] = [];
    try {
      for (;;) {
        const positions = await reader.positions();
        const ranges = positions.filter((p) => p.start < p.latest).map((p) => ({ partition: p.partition, start: p.start, end: p.latest }));
        if (ranges.length === 0) return results;
        const records: Parameters<typeof toMskEvent>[0][number][] = [];
        const reached = await reader.read(ranges, {
          deadlineMs: Date.now() + 20_000,
          onRecord: (r) => {
            records.push({ topic: RAW, partition: r.partition, offset: Number(r.offset), key: r.key, value: r.value ?? Buffer.alloc(0) });
            return records.length < 200;
          },
        });
        results.push(await processRaw(toMskEvent(records), { getRemainingTimeInMillis: () => 60_000 }));
        await reader.commit(reached);
      }
    } finally {
      await reader.close();
    }
  });
}

async function committed(group: string): Promise<Array<bigint | null>> {
  const reader = new TopicReader({ topic: RAW, groupId: group });
  try {
    return (await reader.positions()).map((p) => p.committed);
  } finally {
    await reader.close();
  }
}

async function highWatermarks(topics: readonly string[]): Promise<Record<string, bigint>> {
  const out: Record<string, bigint> = {};
  for (const topic of topics) {
    const reader = new TopicReader({ topic, groupId: `stg-probe-${RUN}` });
    try {
      out[topic] = (await reader.positions()).reduce((n, p) => n + p.latest, 0n);
    } finally {
      await reader.close();
    }
  }
  return out;
}

/** Every document under a prefix: index -> sorted ids. */
async function docsUnder(prefix: string): Promise<Record<string, string[]>> {
  await os.indices.refresh({ index: `${prefix}-*`, allow_no_indices: true, ignore_unavailable: true } as never);
  const res = await os.search({ index: `${prefix}-logs-*`, allow_no_indices: true, ignore_unavailable: true, body: { size: 10_000, query: { match_all: {} } } } as never);
  const out: Record<string, string[]> = {};
  for (const h of res.body.hits.hits as Array<{ _index: string; _id: string }>) (out[h._index] ??= []).push(h._id);
  for (const k of Object.keys(out)) out[k]!.sort();
  return out;
}

async function aliasIds(tenant: string, prefix: string): Promise<string[]> {
  await os.indices.refresh({ index: `${prefix}-logs-*` });
  const res = await os.search({ index: tenantAlias(tenant, prefix), body: { size: 10_000, query: { match_all: {} } } });
  return (res.body.hits.hits as Array<{ _id: string }>).map((h) => h._id).sort();
}

function envelopes(n: number): RawEnvelope[] {
  return Array.from({ length: n }, (_, i) => {
    const tenant = i % 10 === 9 ? TIGHT : i % 2 === 0 ? A : B;
    const raw = JSON.stringify({ level: i % 3 === 0 ? 'error' : 'info', message: `request ${i} served in ${i % 97} ms`, host: `web-${i % 4}` });
    return { v: 1, tenant, id: randomUUID(), receivedAt: new Date().toISOString(), tags: [], raw, truncated: false, originalBytes: raw.length, requestId: `r-${RUN}` };
  });
}

async function produceRaw(envs: RawEnvelope[], junk: string[]): Promise<void> {
  await produce([
    ...envs.map((e) => ({ topic: RAW, key: e.tenant, value: Buffer.from(JSON.stringify(e)) })),
    ...junk.map((j) => ({ topic: RAW, key: A, value: Buffer.from(j) })),
  ], 30_000);
}

beforeAll(async () => {
  await ensureTopics([RAW, ...Object.values(PROD_TOPICS), ...Object.values(STAGING_TOPICS)].map((name) => ({ name, partitions: name === RAW ? 3 : 1 })));
  os = new Client({ node: config.opensearch().url });
  await withEnv(PROD, async () => {
    await ensureTables();
    await ensureIndexTemplates();
    const store = new DynamoTenantStore();
    await store.addTenant(A, 'standard');
    await store.addTenant(B, 'pro');
    await store.addTenant(TIGHT, 'standard', { eventsBurst: 5, eventsPerSecond: 1 });
  });
  await withEnv(STAGING, async () => {
    await ensureTables();
    await ensureBucket();
    await ensureIndexTemplates();
  });
});

afterAll(async () => {
  for (const p of [PROD.SLUICE_INDEX_PREFIX, STAGING.SLUICE_INDEX_PREFIX]) {
    await os?.indices.delete({ index: `${p}-*`, ignore_unavailable: true, expand_wildcards: 'all' } as never).catch(() => undefined);
    await os?.indices.deleteIndexTemplate({ name: `${p}-logs` }).catch(() => undefined);
    await os?.indices.deleteIndexTemplate({ name: `${p}-summaries` }).catch(() => undefined);
  }
  await os?.close();
});

describe('staging on production traffic', () => {
  it('refuses a staging config that would write to the source stage\'s topics or indices', async () => {
    await withEnv({ ...STAGING, SLUICE_TOPIC_DLQ: 'logs.dlq' }, async () => {
      expect(() => defaultDeps()).toThrow(/must not write to the source stage's topics: set SLUICE_TOPIC_DLQ/);
    });
    await withEnv({ ...STAGING, SLUICE_INDEX_PREFIX: 'sluice' }, async () => {
      expect(() => defaultDeps()).toThrow(/needs its own SLUICE_INDEX_PREFIX/);
    });
    await withEnv({ ...PROD, SLUICE_SAMPLE_FRACTION: '0.5' }, async () => {
      expect(() => defaultDeps()).toThrow(/needs SLUICE_SOURCE_STAGE/);
    });
    await withEnv(STAGING, async () => {
      expect(defaultDeps().sampleFraction).toBe(FRACTION);
    });
  });

  it("reads the plans from the source stage's registry when given one, else from its own", async () => {
    // B is on `pro` (own daily index) in production's registry; staging's own registry is empty.
    await withEnv(STAGING, async () => {
      expect(await defaultDeps().plans.planFor(B)).toMatchObject({ name: 'pro', indexTier: 'daily' });
    });
    await withEnv({ ...STAGING, SLUICE_PLANS_TABLE: '' }, async () => {
      expect(await defaultDeps().plans.planFor(B)).toMatchObject({ name: 'standard', indexTier: 'shared' });
    });
  });

  it('consumes a fraction of the source stage\'s raw topic with its own group, prefix and topics; production is untouched', async () => {
    // Production takes the first part of the traffic and commits.
    const first = envelopes(200);
    await produceRaw(first, ['not json 1', 'not json 2']);
    const prodRun = await consumeAsStage(PROD);
    expect(prodRun.reduce((n, r) => n + r.records, 0)).toBe(202);
    expect(prodRun.reduce((n, r) => n + r.sampledOut, 0)).toBe(0);
    // More traffic arrives that production has not consumed yet (it is behind: offsets must stay where they are).
    const second = envelopes(400);
    const junk = Array.from({ length: 20 }, (_, i) => `junk line ${i} ${RUN}`);
    await produceRaw(second, junk);

    const prodGroup = `sluice-process-${PROD.SLUICE_STAGE}`;
    const prodOffsets = await committed(prodGroup);
    expect(prodOffsets.reduce<bigint>((n, c) => n + (c ?? 0n), 0n)).toBe(202n);
    const prodDocs = await docsUnder(PROD.SLUICE_INDEX_PREFIX);
    const prodTopics = await highWatermarks(Object.values(PROD_TOPICS));
    expect(prodTopics[PROD_TOPICS.dlq]).toBe(2n);

    const stagingRun = await consumeAsStage(STAGING);

    // Production: same committed offsets, same documents in the same indices, nothing more in its topics.
    expect(await committed(prodGroup)).toEqual(prodOffsets);
    expect(await docsUnder(PROD.SLUICE_INDEX_PREFIX)).toEqual(prodDocs);
    expect(await highWatermarks(Object.values(PROD_TOPICS))).toEqual(prodTopics);

    // Staging: its own group is at the end of the topic; it handled exactly the sampled events.
    const stagingGroup = `sluice-process-${STAGING.SLUICE_STAGE}`;
    expect((await committed(stagingGroup)).reduce<bigint>((n, c) => n + (c ?? 0n), 0n)).toBe(622n);
    const all = [...first, ...second];
    const sampled = all.filter((e) => inSample(e.id, FRACTION));
    const sampledJunk = ['not json 1', 'not json 2', ...junk].filter((j) => inSample(Buffer.from(j).toString('base64'), FRACTION));
    const total = (k: 'records' | 'sampledOut' | 'indexed' | 'deferred' | 'dlq') => stagingRun.reduce((n, r) => n + r[k], 0);
    expect(total('records')).toBe(622);
    expect(total('sampledOut')).toBe(622 - sampled.length - sampledJunk.length);
    expect(sampled.length / all.length).toBeGreaterThan(FRACTION - 0.08);
    expect(sampled.length / all.length).toBeLessThan(FRACTION + 0.08);
    expect(total('indexed') + total('deferred')).toBe(sampled.length);
    expect(total('deferred')).toBeGreaterThan(0); // the tight tenant, against staging's own budget table

    // Under staging's prefix: exactly the sampled events of each tenant (the tight one: those admitted).
    for (const t of [A, B]) expect(await aliasIds(t, STAGING.SLUICE_INDEX_PREFIX)).toEqual(sampled.filter((e) => e.tenant === t).map((e) => e.id).sort());
    const stagingDocs = await docsUnder(STAGING.SLUICE_INDEX_PREFIX);
    const stagingIds = Object.values(stagingDocs).flat();
    expect(stagingIds.length).toBe(total('indexed'));
    expect(stagingIds.every((id) => sampled.some((e) => e.id === id))).toBe(true);
    expect(Object.keys(stagingDocs).every((i) => i.startsWith(`${STAGING.SLUICE_INDEX_PREFIX}-logs-`))).toBe(true);

    // Staging's DLQ, deferred and summary records went to its own topics.
    const stagingTopics = await highWatermarks(Object.values(STAGING_TOPICS));
    expect(stagingTopics[STAGING_TOPICS.dlq]).toBe(BigInt(sampledJunk.length));
    expect(stagingTopics[STAGING_TOPICS.deferred]).toBe(BigInt(total('deferred')));
    expect(stagingTopics[STAGING_TOPICS.summary]).toBeGreaterThan(0n);

    // Deterministic: the same events are in the sample on every run.
    expect(all.filter((e) => inSample(e.id, FRACTION)).map((e) => e.id)).toEqual(sampled.map((e) => e.id));
  });
});
