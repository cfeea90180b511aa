/**
 * `SLUICE_REGION=eu-west-1 npm start` indexes events with `region: eu-west-1` (issue 21), checked through
 * the same handler and stage `npm start` runs: the real ingest handler (functions/ingest.ts, loaded with
 * SLUICE_REGION=eu-west-1) writes to a run-unique raw topic on the local Kafka; the process stage, with
 * the region from the same setting (config.sluiceRegion(), as shared/process/deps.ts wires it), indexes
 * them into OpenSearch. An envelope written before regions (no `region`) gets the stack's region; the
 * documents are searchable by region (a keyword) and the summaries carry it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@opensearch-project/opensearch';
import { ensureTopics, produce, resetProducer } from '../../shared/adapters/kafka.ts';
import { getOpenSearch } from '../../shared/adapters/opensearch.ts';
import { DynamoTenantStore } from '../../shared/adapters/tenant-store.ts';
import * as config from '../../shared/config.ts';
import { tenantAlias } from '../../shared/index/naming.ts';
import { toMskEvent } from '../../shared/msk.ts';
import { runStage } from '../../shared/process/stage.ts';
import { ensureIndexTemplates, ensureTables } from '../../local/bootstrap.ts';
import { readTopic } from '../support/kafka.ts';
import { docsOf, stageDeps, summariesOf } from '../support/stage.ts';
import { apigwEvent } from '../unit/ingest/helpers.ts';

const RUN = randomUUID().slice(0, 8);
const TOPICS = { raw: `it-${RUN}.logs.raw`, deferred: `it-${RUN}.logs.deferred`, dlq: `it-${RUN}.logs.dlq`, summary: `it-${RUN}.logs.summary` };
const TENANT = `r${RUN}-eu`;
const saved = { region: process.env.SLUICE_REGION, topic: process.env.SLUICE_TOPIC_RAW };
let os: Client;

beforeAll(async () => {
  process.env.SLUICE_REGION = 'eu-west-1';
  process.env.SLUICE_TOPIC_RAW = TOPICS.raw;
  await ensureTopics(Object.values(TOPICS).map((name) => ({ name, partitions: 1 })));
  await ensureTables();
  await ensureIndexTemplates();
  os = await getOpenSearch();
});

afterAll(async () => {
  for (const [k, v] of [['SLUICE_REGION', saved.region], ['SLUICE_TOPIC_RAW', saved.topic]] as const) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  await resetProducer();
  await os?.indices.delete({ index: `sluice-logs-t_${TENANT}-*`, ignore_unavailable: true } as never).catch(() => undefined);
});

describe('SLUICE_REGION=eu-west-1', () => {
  it('ingest stamps eu-west-1, the stage indexes every event with region eu-west-1, also one written before regions', async () => {
    const { token } = await new DynamoTenantStore().addTenant(TENANT, 'pro');
    const { ingest } = await import('../../functions/ingest.ts');
    const body = ['{"level":"info","message":"checkout ok","ms":12}', 'plain line two', 'level=warn msg="slow" ms=900'].join('\n');
    const res = await ingest(apigwEvent({ headers: { authorization: `Bearer ${token}` }, body }), { awsRequestId: `r-${RUN}` });
    expect(res.statusCode).toBe(202);
    // A record of before regions, in the same topic.
    const legacyId = randomUUID();
    const legacy = { v: 1, tenant: TENANT, id: legacyId, receivedAt: new Date().toISOString(), tags: [], raw: 'written before regions', truncated: false, originalBytes: 22, requestId: 'old' };
    await produce([{ topic: TOPICS.raw, key: TENANT, value: Buffer.from(JSON.stringify(legacy)) }], 20_000);

    const records = await readTopic(TOPICS.raw, (r) => r.length >= 4);
    expect(records).toHaveLength(4);
    const regions = records.map((r) => (JSON.parse(r.value.toString()) as { region?: string }).region);
    expect(regions.filter((x) => x === 'eu-west-1')).toHaveLength(3);
    expect(regions.filter((x) => x === undefined)).toHaveLength(1);

    const result = await runStage(toMskEvent(records), { getRemainingTimeInMillis: () => 60_000 }, stageDeps(TOPICS, { region: config.sluiceRegion() }), 'process');
    expect(result).toMatchObject({ records: 4, indexed: 4, dlq: 0 });

    const docs = await docsOf(os, TENANT);
    expect(docs).toHaveLength(4);
    expect(docs.map((d) => d._source.region)).toEqual(['eu-west-1', 'eu-west-1', 'eu-west-1', 'eu-west-1']);
    expect(docs.find((d) => d._id === legacyId)?._source.region).toBe('eu-west-1');
    // A keyword in the index: a query by region finds them, another region finds none.
    const count = async (region: string) =>
      ((await os.count({ index: tenantAlias(TENANT), body: { query: { term: { region } } } })).body as { count: number }).count;
    expect(await count('eu-west-1')).toBe(4);
    expect(await count('us-east-1')).toBe(0);

    const summaries = await summariesOf(os, TENANT);
    expect(summaries.length).toBeGreaterThan(0);
    expect(summaries.every((s) => s.region === 'eu-west-1')).toBe(true);
    expect(summaries.reduce((n, s) => n + s.events, 0)).toBe(4);
  }, 120_000);
});
