/**
 * `sluice dlq ls` and `sluice dlq redrive` against the real local Kafka, DynamoDB Local and
 * OpenSearch: a document that can never be indexed (a mapping conflict) lands in the DLQ through the
 * real process stage; `dlq ls` shows it with its error; after the cause is fixed (the conflicting
 * index deleted), `dlq redrive` indexes it; a second redrive does nothing. Another tenant's DLQ record
 * in the same topic is neither listed nor redriven.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@opensearch-project/opensearch';
import { ensureTopics, produce } from '../../shared/adapters/kafka.ts';
import { TopicReader } from '../../shared/adapters/kafka-consumer.ts';
import { DynamoTenantStore } from '../../shared/adapters/tenant-store.ts';
import { toDocument } from '../../shared/classify/index.ts';
import * as config from '../../shared/config.ts';
import type { RawEnvelope } from '../../shared/envelope/types.ts';
import { logIndex, tenantAlias } from '../../shared/index/naming.ts';
import { toMskEvent } from '../../shared/msk.ts';
import { processRaw, resetDefaultDeps } from '../../shared/process/index.ts';
import { ensureIndexTemplates, ensureTables } from '../../local/bootstrap.ts';
import { main } from '../../cli/main.ts';
import { redriveGroup } from '../../cli/dlq.ts';
import { readTopic } from '../support/kafka.ts';

const RUN = randomUUID().slice(0, 8);
const TOPICS = { raw: `dlq-${RUN}.logs.raw`, deferred: `dlq-${RUN}.logs.deferred`, dlq: `dlq-${RUN}.logs.dlq`, summary: `dlq-${RUN}.logs.summary` };
const T = `d${RUN}-conflict`;
const OTHER = `d${RUN}-other`;
const saved: Record<string, string | undefined> = {};
let os: Client;

function envelope(t: string, raw: string): RawEnvelope {
  return { v: 1, tenant: t, id: randomUUID(), receivedAt: new Date().toISOString(), tags: ['it'], raw, truncated: false, originalBytes: Buffer.byteLength(raw), requestId: `req-${RUN}` };
}

async function sluice(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (add: (s: string) => void) => new Writable({ write(chunk, _e, cb) { add(String(chunk)); cb(); } });
  const code = await main(argv, { stdin: process.stdin, stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)) });
  return { code, out, err };
}

async function idsOf(t: string): Promise<string[]> {
  await os.indices.refresh({ index: 'sluice-logs-*' });
  const res = await os.search({ index: tenantAlias(t), body: { size: 100, query: { match_all: {} } } }).catch(() => undefined);
  return ((res?.body.hits.hits ?? []) as Array<{ _id: string }>).map((h) => h._id).sort();
}

async function dlqEnd(): Promise<bigint> {
  const reader = new TopicReader({ topic: TOPICS.dlq, groupId: `dlq-probe-${RUN}` });
  try {
    return (await reader.positions()).reduce((n, p) => n + p.latest, 0n);
  } finally {
    await reader.close();
  }
}

beforeAll(async () => {
  for (const k of ['SLUICE_TOPIC_RAW', 'SLUICE_TOPIC_DEFERRED', 'SLUICE_TOPIC_DLQ', 'SLUICE_TOPIC_SUMMARY']) saved[k] = process.env[k];
  process.env.SLUICE_TOPIC_RAW = TOPICS.raw;
  process.env.SLUICE_TOPIC_DEFERRED = TOPICS.deferred;
  process.env.SLUICE_TOPIC_DLQ = TOPICS.dlq;
  process.env.SLUICE_TOPIC_SUMMARY = TOPICS.summary;
  resetDefaultDeps();
  await ensureTopics(Object.values(TOPICS).map((name) => ({ name, partitions: name === TOPICS.dlq ? 2 : 1 })));
  await ensureTables();
  await ensureIndexTemplates();
  os = new Client({ node: config.opensearch().url });
  await new DynamoTenantStore().addTenant(T, 'pro'); // daily tier: its own index
  await new DynamoTenantStore().addTenant(OTHER, 'pro');
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetDefaultDeps();
  await os?.indices.delete({ index: `sluice-logs-t_d${RUN}-*`, ignore_unavailable: true } as never).catch(() => undefined);
  await os?.close();
});

describe('sluice dlq', () => {
  it('lists a mapping-conflict DLQ record with its error, redrives it once the cause is fixed, and never twice', async () => {
    const fine = envelope(T, '{"level":"info","message":"fine","host":"42"}');
    const bad = envelope(T, '{"level":"error","message":"conflicting","host":"web-1"}');
    const otherBad = envelope(OTHER, '{"level":"error","message":"other conflicting","host":"web-2"}');
    const index = logIndex(T, 'daily', toDocument(bad)['@timestamp']).index;
    const otherIndex = logIndex(OTHER, 'daily', toDocument(otherBad)['@timestamp']).index;
    // The indices exist with `host` as a number: a text host cannot be indexed into them.
    for (const i of [index, otherIndex]) await os.indices.create({ index: i, body: { mappings: { properties: { host: { type: 'long' } } } } });

    await produce([fine, bad, otherBad].map((e) => ({ topic: TOPICS.raw, key: e.tenant, value: Buffer.from(JSON.stringify(e)) })), 20_000);
    const raw = await readTopic(TOPICS.raw, (rs) => rs.length >= 3);
    const r = await processRaw(toMskEvent(raw), { getRemainingTimeInMillis: () => 60_000 });
    expect(r).toMatchObject({ records: 3, indexed: 1, dlq: 2 });
    // The real process stage wrote both to the DLQ topic the CLI reads.
    await readTopic(TOPICS.dlq, (rs) => rs.length >= 2);
    const badRaw = raw.find((x) => JSON.parse(x.value.toString()).id === bad.id)!;

    // ls: the tenant's record with its error, kind, stage and origin; not the other tenant's.
    const ls = await sluice('dlq', 'ls', '--tenant', T);
    expect(ls.code, ls.err).toBe(0);
    expect(ls.out).toContain(bad.id);
    expect(ls.out).not.toContain(otherBad.id);
    expect(ls.out).toMatch(/mapper_parsing_exception|document_parsing_exception/);
    expect(ls.out).toMatch(/1 DLQ record\(s\) of .* 1 not redriven yet/);
    const json = await sluice('dlq', 'ls', '--tenant', T, '--json');
    const entries = json.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      tenant: T, eventId: bad.id, stage: 'process', kind: 'index', redriven: false,
      origin: `${TOPICS.raw}/${badRaw.partition}/${badRaw.offset}`,
    });
    expect(String(entries[0]!.error)).toMatch(/status 400: .*(mapper_parsing_exception|document_parsing_exception)/);

    // Fix the cause: the conflicting index goes (with the tenant's one document that did fit it).
    await os.indices.delete({ index });
    expect(await idsOf(T)).toEqual([]);

    // Dry run: names the record, processes and commits nothing.
    const dry = await sluice('dlq', 'redrive', '--tenant', T, '--dry-run');
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain(bad.id);
    expect(dry.out).toMatch(/would redrive 1 record/);
    expect(await idsOf(T)).toEqual([]);

    const dlqBefore = await dlqEnd();
    const first = await sluice('dlq', 'redrive', '--tenant', T);
    expect(first.code, first.err + first.out).toBe(0);
    expect(first.out).toMatch(/Redrove 1 record\(s\).*1 indexed/);
    expect(await idsOf(T)).toEqual([bad.id]);
    const doc = await os.get({ index, id: bad.id });
    expect((doc.body._source as Record<string, unknown>).tenant).toBe(T);
    expect((doc.body._source as Record<string, unknown>).host).toBe('web-1');
    expect(await dlqEnd()).toBe(dlqBefore); // nothing went back to the DLQ

    // A second redrive finds nothing new: the record is not processed again.
    const second = await sluice('dlq', 'redrive', '--tenant', T);
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/Nothing to redrive/);
    const afterLs = JSON.parse((await sluice('dlq', 'ls', '--tenant', T, '--json')).out.trim()) as { redriven: boolean };
    expect(afterLs.redriven).toBe(true);
    expect(await dlqEnd()).toBe(dlqBefore);

    // The other tenant's record is still waiting (its own group has committed nothing), and its index is untouched.
    const other = JSON.parse((await sluice('dlq', 'ls', '--tenant', OTHER, '--json')).out.trim()) as { eventId: string; redriven: boolean };
    expect(other).toMatchObject({ eventId: otherBad.id, redriven: false });
    expect(await idsOf(OTHER)).toEqual([]);
    const reader = new TopicReader({ topic: TOPICS.dlq, groupId: redriveGroup(OTHER) });
    try {
      expect((await reader.positions()).every((p) => p.committed === null)).toBe(true);
    } finally {
      await reader.close();
    }
  });

  it('refuses a bad tenant id and an unknown subcommand with usage', async () => {
    expect((await sluice('dlq', 'ls')).code).toBe(2);
    expect((await sluice('dlq', 'nope', '--tenant', T)).code).toBe(2);
    const bad = await sluice('dlq', 'ls', '--tenant', 'Not_A_Tenant');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/Invalid tenant id/);
  });
});
