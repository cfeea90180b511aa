/**
 * Trend summaries (issue 20) against the real local Kafka, DynamoDB Local and OpenSearch: events go
 * through a (per-run) raw topic, the process stage with the real adapters writes the summary
 * contributions, and `sluice trends`' reader (`trend`) merges them back from OpenSearch.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@opensearch-project/opensearch';
import { ensureTopics, produce } from '../../shared/adapters/kafka.ts';
import { getOpenSearch } from '../../shared/adapters/opensearch.ts';
import { DynamoTenantStore } from '../../shared/adapters/tenant-store.ts';
import type { RawEnvelope } from '../../shared/envelope/types.ts';
import { toMskEvent } from '../../shared/msk.ts';
import { REPLAY_HEADERS } from '../../shared/process/records.ts';
import { runStage } from '../../shared/process/stage.ts';
import { mergeContributions } from '../../shared/summary/summary.ts';
import { ensureIndexTemplates, ensureTables } from '../../local/bootstrap.ts';
import { trend } from '../../cli/trends.ts';
import { readTopic, type ConsumedRecord } from '../support/kafka.ts';
import { stageDeps, summariesOf } from '../support/stage.ts';

const RUN = randomUUID().slice(0, 8);
const TOPICS = { raw: `it-${RUN}.trends.raw`, deferred: `it-${RUN}.trends.deferred`, dlq: `it-${RUN}.trends.dlq`, summary: `it-${RUN}.trends.summary` };
const PREFIX = 'sluice';

/** A whole minute a few minutes ago (event time), and its range for the reader. */
const MINUTE_MS = Math.floor((Date.now() - 5 * 60_000) / 60_000) * 60_000;
const MINUTE = new Date(MINUTE_MS).toISOString();
const RANGE = { fromMs: MINUTE_MS - 60_000, toMs: MINUTE_MS + 2 * 60_000 };
const at = (i: number) => new Date(MINUTE_MS + (i % 60) * 1000 + (i % 1000)).toISOString();

function envelope(tenant: string, raw: string): RawEnvelope {
  return { v: 1, tenant, id: randomUUID(), receivedAt: new Date().toISOString(), tags: ['it'], raw, truncated: false, originalBytes: Buffer.byteLength(raw), requestId: `req-${RUN}` };
}

const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function clf(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MON[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** Status codes of the 1,000 access-log lines: 10 x 101, 500 x 2xx, 100 x 3xx, 250 x 4xx, 140 x 5xx. */
const STATUS = [
  ...Array<number>(10).fill(101), ...Array<number>(450).fill(200), ...Array<number>(50).fill(204), ...Array<number>(100).fill(304),
  ...Array<number>(200).fill(404), ...Array<number>(50).fill(429), ...Array<number>(100).fill(500), ...Array<number>(40).fill(503),
];

async function throughKafka(envs: RawEnvelope[]): Promise<ConsumedRecord[]> {
  const ids = new Set(envs.map((e) => e.id));
  await produce(envs.map((e) => ({ topic: TOPICS.raw, key: e.tenant, value: Buffer.from(JSON.stringify(e)) })), 30_000);
  const mine = (r: ConsumedRecord) => ids.has((JSON.parse(r.value.toString()) as RawEnvelope).id);
  const all = await readTopic(TOPICS.raw, (r) => r.filter(mine).length >= envs.length, 60_000);
  return all.filter(mine);
}

let os: Client;
const ctx = { getRemainingTimeInMillis: () => 120_000 };

beforeAll(async () => {
  await ensureTopics(Object.values(TOPICS).map((name) => ({ name, partitions: name === TOPICS.raw ? 2 : 1 })));
  await ensureTables();
  await ensureIndexTemplates();
  os = await getOpenSearch();
});

afterAll(async () => {
  await os?.indices.delete({ index: `sluice-logs-t_r${RUN}-*`, ignore_unavailable: true } as never).catch(() => undefined);
});

describe('trend summaries against Kafka, DynamoDB Local and OpenSearch', () => {
  it('per-minute percentiles and exact status classes, unchanged by the same batch twice and by a replay', async () => {
    const json = `r${RUN}-json`;
    const web = `r${RUN}-web`;
    const store = new DynamoTenantStore();
    await store.addTenant(json, 'standard');
    await store.addTenant(web, 'standard');
    const envs = [
      ...Array.from({ length: 1000 }, (_, i) => envelope(json, `{"timestamp":"${at(i)}","level":"info","message":"served","latency_ms":${i + 1}}`)),
      ...STATUS.map((s, i) => envelope(web, `10.0.0.${i % 250} - - [${clf(at(i))}] "GET /p/${i} HTTP/1.1" ${s} ${i} "-" "curl/8"`)),
    ];
    const records = await throughKafka(envs);
    expect(records).toHaveLength(2000);
    const deps = stageDeps(TOPICS);
    const event = toMskEvent(records);

    const r1 = await runStage(event, ctx, deps, 'process');
    expect(r1).toMatchObject({ records: 2000, indexed: 2000, dlq: 0 });

    const read = async () => ({
      latency: await trend({ tenant: json, field: 'latency_ms', ...RANGE, prefix: PREFIX, client: os }),
      bytes: await trend({ tenant: web, field: 'bytes', ...RANGE, prefix: PREFIX, client: os }),
      classes: mergeContributions(await summariesOf(os, web)).map((m) => [m.minute, m.status_classes]),
    });
    await os.indices.refresh({ index: 'sluice-summaries-*' });
    const first = await read();
    expect(first.latency).toHaveLength(1);
    const p = first.latency[0]!;
    expect(p).toMatchObject({ minute: MINUTE, count: 1000, min: 1, max: 1000 });
    for (const [got, want] of [[p.p50, 500], [p.p95, 950], [p.p99, 990]] as const) expect(Math.abs(got - want) / want).toBeLessThanOrEqual(0.01);
    expect(first.bytes).toMatchObject([{ minute: MINUTE, count: 1000, min: 0, max: 999 }]);
    expect(first.classes).toEqual([[MINUTE, { '1xx': 10, '2xx': 500, '3xx': 100, '4xx': 250, '5xx': 140 }]]);

    // The same batch again (a Lambda retry): same contribution ids, every figure unchanged.
    await runStage(event, ctx, deps, 'process');
    await os.indices.refresh({ index: 'sluice-summaries-*' });
    expect(await read()).toEqual(first);

    // A replay of the same events from the archive (replay header): indexed again, not counted again.
    const replayed = toMskEvent(records.map((r) => ({ ...r, headers: { ...r.headers, ...REPLAY_HEADERS } })));
    const r3 = await runStage(replayed, ctx, deps, 'process');
    expect(r3.indexed).toBe(2000);
    await os.indices.refresh({ index: 'sluice-summaries-*' });
    expect(await read()).toEqual(first);
  });
});
