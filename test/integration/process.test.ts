/**
 * The PROCESS and DEFERRED stages against the real local Kafka, DynamoDB Local and OpenSearch:
 * envelopes are produced to a (per-run) raw topic, consumed back, turned into the Lambda MSK event
 * with `toMskEvent`, and run through the stage's core with the real adapters.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@opensearch-project/opensearch';
import { ensureTopics, produce } from '../../shared/adapters/kafka.ts';
import { getOpenSearch } from '../../shared/adapters/opensearch.ts';
import { OpenSearchSink } from '../../shared/adapters/opensearch-bulk.ts';
import { OpenSearchHttp } from '../../shared/adapters/opensearch-http.ts';
import { DynamoBudgetStore } from '../../shared/adapters/budget-store.ts';
import { DynamoTenantStore } from '../../shared/adapters/tenant-store.ts';
import { toDocument } from '../../shared/classify/index.ts';
import type { RawEnvelope } from '../../shared/envelope/types.ts';
import { logIndex, tenantAlias } from '../../shared/index/naming.ts';
import { toMskEvent, type MessageInput } from '../../shared/msk.ts';
import { runStage } from '../../shared/process/stage.ts';
import { readTopic, type ConsumedRecord } from '../support/kafka.ts';
import type { StageDeps } from '../../shared/process/ports.ts';
import { mergeContributions } from '../../shared/summary/summary.ts';
import { ensureIndexTemplates, ensureTables } from '../../local/bootstrap.ts';
import { start, stop } from '../../local/services/index.ts';
import { resolvePlan, type Plan } from '../../shared/tenants/plans.ts';

const budget = async (t: string, plan: Plan, at: number) => (await new DynamoBudgetStore().read(t, plan, at))!;
import { docsOf as readDocs, stageDeps, summariesOf as readSummaries } from '../support/stage.ts';

const RUN = randomUUID().slice(0, 8);
const TOPICS = { raw: `it-${RUN}.logs.raw`, deferred: `it-${RUN}.logs.deferred`, dlq: `it-${RUN}.logs.dlq`, summary: `it-${RUN}.logs.summary` };
const tenant = (name: string) => `p${RUN}-${name}`;

function envelope(t: string, raw: string, receivedAt = new Date()): RawEnvelope {
  return { v: 1, tenant: t, id: randomUUID(), receivedAt: receivedAt.toISOString(), tags: ['it'], raw, truncated: false, originalBytes: Buffer.byteLength(raw), requestId: `req-${RUN}` };
}

const mixed = (t: string, n: number): RawEnvelope[] =>
  Array.from({ length: n }, (_, i) => {
    const now = new Date().toISOString();
    const lines = [
      `{"timestamp":"${now}","level":"error","message":"payment failed ${i}","host":"api-${i % 2}","order":{"id":${i}}}`,
      `<134>1 ${now} web-${i % 3} nginx 123 - - GET /index.html 200`,
      `time=${now} level=warn msg="slow query ${i}" host=db-1 ms=${100 + i}`,
      `plain text line number ${i}`,
    ];
    return envelope(t, lines[i % lines.length]!);
  });

/** Produces the envelopes (and any extra raw values) to the run's raw topic and consumes them back as Kafka records. */
async function throughKafka(envs: RawEnvelope[], extra: Array<{ key: string; value: Buffer }> = []): Promise<ConsumedRecord[]> {
  const ids = new Set(envs.map((e) => e.id));
  const marker = `x-${randomUUID()}`;
  await produce(
    [
      ...envs.map((e) => ({ topic: TOPICS.raw, key: e.tenant, value: Buffer.from(JSON.stringify(e)) })),
      ...extra.map((x) => ({ topic: TOPICS.raw, key: marker, value: x.value })),
    ],
    20_000,
  );
  const mine = (r: ConsumedRecord): boolean => {
    if (r.key && (r.key as Buffer).toString() === marker) return true;
    try {
      return ids.has(JSON.parse(r.value.toString()).id);
    } catch {
      return false;
    }
  };
  const want = envs.length + extra.length;
  const all = await readTopic(TOPICS.raw, (r) => r.filter(mine).length >= want);
  return all.filter(mine);
}

let os: Client;
let T: ReturnType<typeof makeDeps>;
const ctx = (ms = 60_000) => ({ getRemainingTimeInMillis: () => ms });

const makeDeps = (over: Partial<StageDeps> = {}): StageDeps => stageDeps(TOPICS, over);

async function addTenant(name: string, plan: string, overrides: Partial<Plan> = {}): Promise<string> {
  const id = tenant(name);
  await new DynamoTenantStore().addTenant(id, plan, overrides);
  return id;
}

const docsOf = (t: string) => readDocs(os, t);

const summariesOf = (t: string) => readSummaries(os, t);

beforeAll(async () => {
  await ensureTopics(Object.values(TOPICS).map((name) => ({ name, partitions: name === TOPICS.raw ? 3 : 1 })));
  await ensureTables();
  await ensureIndexTemplates();
  os = await getOpenSearch();
  T = makeDeps();
});

afterAll(async () => {
  // Only this run's indices (dedicated ones) and nothing shared.
  await os?.indices.delete({ index: `sluice-logs-t_p${RUN}-*`, ignore_unavailable: true } as never).catch(() => undefined);
});

describe('process stage against Kafka, DynamoDB Local and OpenSearch', () => {
  it('indexes a mixed batch into the right indices with _id = event id; the same batch twice changes nothing', async () => {
    const shared = await addTenant('shared', 'standard');
    const daily = await addTenant('daily', 'pro');
    const hourly = await addTenant('hourly', 'enterprise');
    const envs = [...mixed(shared, 8), ...mixed(daily, 4), ...mixed(hourly, 4)];
    const bad = Buffer.from('{"v":1,"tenant":"Not_A_Tenant"}');
    const records = await throughKafka(envs, [{ key: 'x', value: Buffer.from('not json') }, { key: 'x', value: bad }]);
    expect(records).toHaveLength(18);
    const event = toMskEvent(records);

    const r1 = await runStage(event, ctx(), T, 'process');
    expect(r1).toMatchObject({ records: 18, indexed: 16, dlq: 2, deferred: 0 });

    for (const [t, n] of [[shared, 8], [daily, 4], [hourly, 4]] as const) {
      const docs = await docsOf(t);
      expect(docs).toHaveLength(n);
      for (const d of docs) {
        const e = envs.find((x) => x.id === d._id)!;
        expect(e).toBeDefined();
        expect(d._source.tenant).toBe(t);
        expect(d._source.event_id).toBe(e.id);
        expect(d._source.template_id).toMatch(/^[0-9a-f]{16}(-\d+)?$/);
        const target = logIndex(t, t === shared ? 'shared' : t === daily ? 'daily' : 'hourly', d._source['@timestamp'] as string);
        expect(d._index).toBe(target.index);
        if (t === shared) expect(d._routing).toBe(t);
      }
    }
    // The shared tenant's alias does not see the other shared tenants' documents.
    const sharedDocs = await docsOf(shared);
    expect(sharedDocs.every((d) => d._source.tenant === shared)).toBe(true);
    // fields is a flat_object: the nested JSON key is searchable by dot path.
    await os.indices.refresh({ index: 'sluice-logs-*' });
    const byField = await os.search({ index: tenantAlias(shared), body: { query: { term: { 'fields.order.id': '0' } } } });
    expect((byField.body.hits.total as { value: number }).value).toBeGreaterThanOrEqual(1);

    const before = mergeContributions(await summariesOf(shared));
    expect(before.reduce((s, m) => s + m.events, 0)).toBe(8);
    expect(before.reduce((s, m) => s + m.indexed, 0)).toBe(8);

    // Replay: the same batch again.
    const r2 = await runStage(event, ctx(), T, 'process');
    expect(r2.indexed).toBe(16);
    for (const [t, n] of [[shared, 8], [daily, 4], [hourly, 4]] as const) expect(await docsOf(t)).toHaveLength(n);
    const rawSummaries = await summariesOf(shared);
    expect(mergeContributions(rawSummaries)).toEqual(before);
    // Same ids: the contribution documents were overwritten, not added.
    expect(rawSummaries.length).toBe(new Set(rawSummaries.map((s) => `${s.minute}|${s.origin.partition}`)).size);

    const dlq = await readTopic(TOPICS.dlq, (r) => r.length >= 2);
    expect(dlq.slice(0, 2).map((d) => d.headers['sluice-error']!.toString())).toEqual([
      expect.stringMatching(/invalid JSON|invalid tenant/),
      expect.stringMatching(/invalid JSON|invalid tenant/),
    ]);
    const summaryTopic = await readTopic(TOPICS.summary, (r) => r.length >= 1);
    expect(summaryTopic.length).toBeGreaterThan(0);
  });

  it('fails the invocation while OpenSearch is unreachable; a retry afterwards indexes everything', async () => {
    const t = await addTenant('outage', 'standard');
    const envs = mixed(t, 6);
    const event = toMskEvent(await throughKafka(envs));
    // Stop the local node when this run owns it; a node started by someone else is left running
    // and the stage is pointed at a closed port instead (a real connection failure, not a mock).
    const stopped = await stop('opensearch').catch(() => false);
    const deps = stopped ? makeDeps({ search: new OpenSearchSink() }) : makeDeps({ search: new OpenSearchSink(() => new OpenSearchHttp({ url: 'http://127.0.0.1:9' })) });
    try {
      await expect(runStage(event, ctx(8_000), deps, 'process')).rejects.toThrow();
    } finally {
      if (stopped) await start('opensearch');
    }
    const r = await runStage(event, ctx(), makeDeps(), 'process');
    expect(r.indexed).toBe(6);
    expect((await docsOf(t)).map((d) => d._id).sort()).toEqual(envs.map((e) => e.id).sort());
  });

  it('sends a document that can never be indexed (mapping conflict) to the DLQ with its error', async () => {
    const t = await addTenant('conflict', 'pro'); // daily tier: its own index
    const ok = envelope(t, `{"level":"info","message":"fine","host":"web-1"}`);
    const e = envelope(t, `{"level":"info","message":"conflicting","host":"web-1"}`);
    const index = logIndex(t, 'daily', toDocument(e)['@timestamp']).index;
    // The index exists with `host` as a number: a text host cannot be indexed into it.
    await os.indices.create({ index, body: { mappings: { properties: { host: { type: 'long' } } } } });
    const okNumeric = envelope(t, `{"level":"info","message":"numeric host","host":"42"}`);
    const r = await runStage(toMskEvent(await throughKafka([ok, e, okNumeric])), ctx(), T, 'process');
    expect(r.indexed).toBe(1);
    expect(r.dlq).toBe(2);
    const dlq = await readTopic(TOPICS.dlq, (rs) => rs.filter((x) => x.headers['sluice-error-kind']?.toString() === 'index').length >= 2);
    const mine = dlq.filter((x) => x.headers['sluice-error-kind']?.toString() === 'index');
    const ids = mine.map((x) => JSON.parse(x.value.toString()).id);
    expect(ids).toEqual(expect.arrayContaining([ok.id, e.id]));
    expect(mine[0]!.headers['sluice-error']!.toString()).toMatch(/status 400: .*(mapper_parsing_exception|document_parsing_exception)/);
    const sums = mergeContributions(await summariesOf(t));
    expect(sums.reduce((s, m) => s + m.dlq, 0)).toBe(2);
  });

  it('defers a tenant over budget to logs.deferred, and the deferred stage indexes it later', async () => {
    const t = await addTenant('tight', 'standard', { eventsBurst: 3, eventsPerSecond: 2 });
    const envs = mixed(t, 7);
    const r = await runStage(toMskEvent(await throughKafka(envs)), ctx(), T, 'process');
    expect(r).toMatchObject({ indexed: 3, deferred: 4 });
    expect(await docsOf(t)).toHaveLength(3);

    let done = 0;
    let lastOffset = -1;
    const deadline = Date.now() + 60_000;
    while ((await docsOf(t)).length < 7 && Date.now() < deadline) {
      const recs = (await readTopic(TOPICS.deferred, (rs) => rs.some((x) => x.offset > lastOffset), 5_000)).filter((x) => x.offset > lastOffset);
      if (recs.length === 0) continue;
      lastOffset = Math.max(...recs.map((x) => x.offset));
      const mineOnly = recs.filter((x) => JSON.parse(x.value.toString()).tenant === t);
      expect(mineOnly.every((x) => Number(x.headers['sluice-defer-attempts']!.toString()) >= 1)).toBe(true);
      const d = await runStage(toMskEvent(recs), ctx(), T, 'deferred');
      done += d.indexed;
    }
    expect(done).toBe(4);
    expect((await docsOf(t)).map((d) => d._id).sort()).toEqual(envs.map((e) => e.id).sort());
    const sums = mergeContributions(await summariesOf(t));
    const total = (k: 'events' | 'indexed' | 'deferred' | 'deferred_indexed') => sums.reduce((s, m) => s + m[k], 0);
    expect(total('events')).toBe(7);
    expect(total('indexed')).toBe(3);
    expect(total('deferred')).toBe(4);
    expect(total('deferred_indexed')).toBe(4);
  });

  it('keeps the budget exact under concurrent invocations (one conditional write per tenant per batch)', async () => {
    const burst = 1_000;
    const t = await addTenant('concurrent', 'standard', { eventsBurst: burst, eventsPerSecond: 1 });
    const fixed = Date.now();
    const budget = new DynamoBudgetStore();
    const deps = makeDeps({ now: () => fixed, budget }); // a fixed clock: no refill, so the total is exact
    const invocations = 8;
    const perBatch = 300;
    const events = Array.from({ length: invocations }, () => mixed(t, perBatch));
    const batches = events.map((envs, b) =>
      toMskEvent(envs.map((e, i) => ({ topic: TOPICS.raw, partition: b, offset: 1_000_000 + i, key: t, value: JSON.stringify(e) }))),
    );
    const results = await Promise.all(batches.map((ev) => runStage(ev, ctx(120_000), deps, 'process')));
    const admitted = results.reduce((s, r) => s + r.indexed, 0);
    const deferred = results.reduce((s, r) => s + r.deferred, 0);
    expect(admitted).toBe(burst);
    expect(deferred).toBe(invocations * perBatch - burst);
    const plan = resolvePlan('standard', { eventsBurst: burst, eventsPerSecond: 1 });
    const state = await budget.read(t, plan, fixed);
    expect(state!.events).toBe(0);
    expect(state!.ver).toBe(invocations); // exactly one committed write per batch
    expect(await docsOf(t)).toHaveLength(burst);
    // A replay of one batch consumes nothing more and repeats its decision.
    const again = await runStage(batches[0]!, ctx(), deps, 'process');
    expect(again.indexed).toBe(results[0]!.indexed);
    expect((await budget.read(t, plan, fixed))!.ver).toBe(invocations);
  });

  it('concurrent charges on one tenant: one atomic update each, at most 4 round trips, never past the cap', async () => {
    const t = tenant(`hot-${randomUUID().slice(0, 4)}`);
    const plan = resolvePlan('standard', { eventsBurst: 5_000, eventsPerSecond: 1 });
    const fixed = Date.now();
    const n = 12;
    const perCharge = 600; // 12 x 600 = 7,200 asked of 5,000
    const stores = Array.from({ length: n }, () => new DynamoBudgetStore()); // one per container
    // Three rounds: the first from empty caches (each store guesses), then from what each saw.
    let admitted = 0;
    const trips: number[] = [];
    for (let round = 0; round < 3; round++) {
      const grants = await Promise.all(stores.map((s, i) => s.take(t, plan, Array(perCharge).fill(100), `it|${round}:${i}`, () => fixed)));
      for (const g of grants) {
        admitted += g.admitted;
        trips.push(g.roundTrips!);
      }
    }
    const counted = stores.reduce((s, x) => s + x.roundTrips, 0);
    expect(trips.reduce((a, b) => a + b, 0)).toBe(counted);
    expect(Math.max(...trips)).toBeLessThanOrEqual(4);
    expect(admitted).toBeLessThanOrEqual(5_000); // the cap, with no refill on a fixed clock
    expect(admitted).toBeGreaterThanOrEqual(5_000 - perCharge); // at most one batch's worth left unused under contention
    const state = await budget(t, plan, fixed);
    expect(state.ver).toBe(3 * n); // one committed write per charge, refusals included
    expect(state.events).toBeCloseTo(5_000 - admitted, 9);
    // Within the plan, draining charges commute: a second tenant, bucket far from its cap.
    const u = tenant(`warm-${randomUUID().slice(0, 4)}`);
    const roomy = resolvePlan('standard', { eventsBurst: 1_000_000, eventsPerSecond: 1 });
    await stores[0]!.take(u, roomy, [100], 'it|warm', () => fixed); // draining from here on
    const before = stores.reduce((s, x) => s + x.roundTrips, 0);
    const warm = await Promise.all(stores.map((s, i) => s.take(u, roomy, Array(perCharge).fill(100), `it|w${i}`, () => fixed)));
    expect(warm.every((g) => g.admitted === perCharge)).toBe(true);
    // Stores that never saw u guess a full bucket once (one failed SET), then ADD; the one that did: one trip.
    expect(warm[0]!.roundTrips).toBe(1);
    expect(Math.max(...warm.map((g) => g.roundTrips!))).toBeLessThanOrEqual(2);
    expect(stores.reduce((s, x) => s + x.roundTrips, 0) - before).toBeLessThanOrEqual(2 * n - 1);
    const again = await Promise.all(stores.map((s, i) => s.take(u, roomy, Array(perCharge).fill(100), `it|v${i}`, () => fixed)));
    expect(again.map((g) => g.roundTrips)).toEqual(Array(n).fill(1)); // now every store knows the bucket is draining
    expect((await budget(u, roomy, fixed)).events).toBe(1_000_000 - 1 - 2 * n * perCharge);
  });

  it('concurrent first charges on a roomy bucket, round trips slower than the charges: none refused', async () => {
    // A high-rate plan refills a small charge before a slow round trip is back. Retries that read the
    // clock again found the bucket full again and raced each other's SETs until they gave up (whole
    // batches deferred at a pipeline's start); charged at their first attempt's time, they ADD.
    const t = tenant(`roomy-${randomUUID().slice(0, 4)}`);
    const plan = resolvePlan('enterprise');
    const t0 = Date.now();
    // Each invocation's clock: its first reading at t0 (they start together), every later one 300 ms on.
    const slowClock = () => {
      let c = t0 - 300;
      return () => (c += 300);
    };
    const stores = Array.from({ length: 8 }, () => new DynamoBudgetStore());
    const grants = await Promise.all(stores.map((s, i) => s.take(t, plan, Array(7_500).fill(450), `it|roomy:${i}`, slowClock())));
    expect(grants.map((g) => g.admitted)).toEqual(Array(8).fill(7_500));
    expect(Math.max(...grants.map((g) => g.roundTrips!))).toBeLessThanOrEqual(3);
    expect((await budget(t, plan, t0)).ver).toBe(8);
  });

  it('a budget grant is remembered by batch key across stores: a replay pays nothing', async () => {
    const t = tenant(`replay-${randomUUID().slice(0, 4)}`);
    const plan = resolvePlan('standard', { eventsBurst: 10, eventsPerSecond: 1 });
    const fixed = Date.now();
    const first = await new DynamoBudgetStore().take(t, plan, Array(15).fill(1), 'it|k', () => fixed);
    expect(first).toMatchObject({ admitted: 10, limitedBy: 'events', replayed: false });
    const again = await new DynamoBudgetStore().take(t, plan, Array(15).fill(1), 'it|k', () => fixed + 5_000);
    expect(again).toMatchObject({ admitted: 10, limitedBy: 'events', replayed: true, retryAt: first.retryAt });
    expect((await budget(t, plan, fixed + 5_000)).events).toBeCloseTo(5, 9); // refilled, not charged again
  });
});

describe('fault isolation against the real OpenSearch (issue 15)', () => {
  const DAY = 86_400_000;
  const batch = (envs: RawEnvelope[], offset = 0) =>
    toMskEvent(envs.map((e, i) => ({ topic: TOPICS.raw, partition: 0, offset: offset + i, key: e.tenant, value: JSON.stringify(e) })));

  it('an index that cannot be created fails only its tenant: its events go to the DLQ with the error, the others are indexed', async () => {
    const bad = await addTenant('badindex', 'pro');
    const good = await addTenant('goodindex', 'pro');
    const index = logIndex(bad, 'daily', new Date().toISOString()).index;
    // An alias with the index's name over two other indices: the index cannot be created, and a
    // write to the name has no write index.
    const holders = [`${index}-holder-a`, `${index}-holder-b`];
    for (const h of holders) await os.indices.create({ index: h });
    await os.indices.updateAliases({ body: { actions: holders.map((h) => ({ add: { index: h, alias: index } })) } });
    try {
      const envs = [envelope(bad, 'bad one'), envelope(good, 'good one'), envelope(bad, 'bad two'), envelope(good, 'good two')];
      const r = await runStage(batch(envs, 2_000_000), ctx(), makeDeps({ search: new OpenSearchSink() }), 'process');
      expect(r.byTenant[good]).toMatchObject({ indexed: 2, dlq: 0 });
      expect(r.byTenant[bad]).toMatchObject({ indexed: 0, dlq: 2 });
      expect((await docsOf(good)).map((d) => d._source['message']).sort()).toEqual(['good one', 'good two']);
      const dlq = await readTopic(TOPICS.dlq, (rs) => rs.filter((x) => x.key?.toString() === bad).length >= 2);
      const mine = dlq.filter((x) => x.key?.toString() === bad);
      expect(mine.map((x) => x.headers['sluice-error-kind']?.toString())).toEqual(['index', 'index']);
      expect(mine[0]!.headers['sluice-error']!.toString()).toMatch(/status 400/);
    } finally {
      await os.indices.delete({ index: holders.join(',') }).catch(() => undefined);
    }
  });

  it('one event a day for ten years makes a handful of indices, and every event is searchable in the tenant alias', async () => {
    const t = await addTenant('tenyears', 'pro', { eventsBurst: 1e9, bytesBurst: 1e12, dailyBytes: 1e12 });
    const now = Date.now();
    const envs = Array.from({ length: 3650 }, (_, i) => envelope(t, `${new Date(now - i * DAY).toISOString()} INFO day ${i}`));
    const r = await runStage(batch(envs, 3_000_000), ctx(120_000), makeDeps(), 'process');
    expect(r.indexed).toBe(3650);
    const indices = (await os.cat.indices({ index: `sluice-logs-t_${t}_*`, format: 'json' })).body as Array<{ index: string }>;
    expect(indices.length).toBeGreaterThan(0);
    expect(indices.length).toBeLessThanOrEqual(9);
    const docs = await docsOf(t);
    expect(docs).toHaveLength(3650);
    const old = docs.find((d) => d._source['message'] === 'day 3000')!;
    expect(old._source['@timestamp']).toBe(new Date(now - 3000 * DAY).toISOString());
    expect(old._source['flags']).toContain('index_resliced');
  });

  it('a 100 KB value and a 33 KB key are indexed (cut in the indexed copy, flagged)', async () => {
    const t = await addTenant('largevalues', 'pro');
    const raw = JSON.stringify({ msg: 'large', blob: 'v'.repeat(100_000), ['k'.repeat(33_000)]: 'x', small: 'kept' });
    const e = envelope(t, raw);
    const r = await runStage(batch([e], 4_000_000), ctx(), makeDeps(), 'process');
    expect(r).toMatchObject({ indexed: 1, dlq: 0 });
    const [doc] = await docsOf(t);
    expect(doc!._source['flags']).toContain('value_cut');
    const fields = doc!._source['fields'] as Record<string, string>;
    expect(fields['small']).toBe('kept');
    expect(fields['blob']!.length).toBe(8_192);
    // Searchable by the cut value's field.
    await os.indices.refresh({ index: tenantAlias(t) });
    const hit = await os.search({ index: tenantAlias(t), body: { query: { term: { 'fields.small': 'kept' } } } });
    expect((hit.body.hits.total as { value: number }).value).toBe(1);
  });

  it('an index deleted mid-run (ensure cache warm) is made again with its alias: a late event is searchable in the alias', async () => {
    const t = await addTenant('deleted', 'pro');
    const deps = makeDeps({ search: new OpenSearchSink() });
    const first = envelope(t, 'first');
    await runStage(batch([first], 5_000_000), ctx(), deps, 'process');
    const index = logIndex(t, 'daily', new Date().toISOString()).index;
    await os.indices.delete({ index });
    const late = envelope(t, 'late');
    const r = await runStage(batch([late], 5_000_010), ctx(), deps, 'process');
    expect(r.indexed).toBe(1);
    expect((await docsOf(t)).map((d) => d._source['message'])).toEqual(['late']);
    const aliases = (await os.indices.getAlias({ index })).body as Record<string, { aliases: Record<string, unknown> }>;
    expect(Object.keys(aliases[index]!.aliases)).toEqual([tenantAlias(t)]);
  });
});
