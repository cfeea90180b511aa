/**
 * Two local "regions" and an aggregate (issue 21), on real Kafka and Kafka's own MirrorMaker 2:
 *   region local-a: the main broker, its ingest with SLUICE_REGION=local-a;
 *   region local-b: a second KRaft cluster (started here, free ports, own data dir), its ingest with
 *                   SLUICE_REGION=local-b; it is also the aggregation cluster (as a region's own MSK
 *                   cluster is the aggregation target in serverless.yml);
 *   MirrorMaker 2 copies local-a's raw topic into local-b as `local-a.<topic>` (its default replication
 *   policy), as the MSK Replicator does on AWS.
 * Each ingest is the real handler in its own process. The tenant's home region is local-a, so local-b
 * accepts and keeps its events (accept-and-keep, docs/regions.md) and says so in the 202.
 * Asserted by reading the aggregate's topics: every event id exactly once, with its region, and nothing
 * of local-b went to local-a. The main broker is only read by MirrorMaker (its internal topics live on
 * the target) and keeps only this run's topic, deleted at the end.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Admin } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoTenantStore } from '../../shared/adapters/tenant-store.ts';
import type { RawEnvelope } from '../../shared/envelope/types.ts';
import { HOME_REGION_HEADER } from '../../shared/tenants/home.ts';
import { bootstrap } from '../../local/bootstrap.ts';
import { endpoints, stateDir } from '../../local/services/index.ts';
import { startKafkaNode, startMirrorMaker, type LocalProcess } from '../../local/services/mirror.ts';
import { readTopic } from '../support/kafka.ts';
import { tailFile } from '../../local/services/proc.ts';
import { apigwEvent } from '../unit/ingest/helpers.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const RUN = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const TOPIC = `logs.raw.regions-${RUN}`;
const TENANT = `regions-${RUN}`;
const A = 'local-a';
const B = 'local-b';
const COUNTS = { [A]: 60, [B]: 40 };

let dir: string;
let nodeB: LocalProcess | undefined;
let mirror: LocalProcess | undefined;
let token: string;
const mainBroker = endpoints().kafka.bootstrap;

async function withAdmin<T>(bootstrap: string, fn: (a: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin({ clientId: `regions-${RUN}`, bootstrapBrokers: [bootstrap] });
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/** One request of `n` events through the real ingest handler of `region`, whose cluster is `bootstrap`. */
async function ingestIn(region: string, bootstrap: string, n: number): Promise<{ statusCode: number; headers?: Record<string, string>; body: string }> {
  const body = Array.from({ length: n }, (_, i) => JSON.stringify({ msg: `event ${i} sent to ${region}`, i })).join('\n');
  const event = apigwEvent({ headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, body });
  const env = { ...process.env, SLUICE_REGION: region, KAFKA_BROKERS: bootstrap, SLUICE_TOPIC_RAW: TOPIC, LOG_LEVEL: 'ERROR' };
  const { stdout } = await run(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'test', 'support', 'regions-ingest.ts'), JSON.stringify(event)], { cwd: ROOT, env, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as never;
}

/** Waits until MirrorMaker created the mirrored topic on the aggregate (it checks for new topics every 2 s). */
async function waitForTopic(bootstrap: string, topic: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await withAdmin(bootstrap, (a) => a.listTopics())).includes(topic)) {
    if (Date.now() > deadline) throw new Error(`no ${topic} on the aggregate after ${timeoutMs} ms; MirrorMaker's log:\n${tailFile(mirror!.log, 30)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const envelopes = (records: Array<{ value: Buffer }>) => records.map((r) => JSON.parse(r.value.toString('utf8')) as RawEnvelope);

describe('two regions mirrored into an aggregate (MirrorMaker 2)', () => {
  beforeAll(async () => {
    await bootstrap();
    dir = mkdtempSync(join(stateDir(), `regions-${RUN}-`));
    nodeB = await startKafkaNode(join(dir, 'kafka-b'));
    for (const b of [mainBroker, nodeB.bootstrap]) await withAdmin(b, (a) => a.createTopics({ topics: [TOPIC], partitions: 3, replicas: 1 }));
    token = (await new DynamoTenantStore().addTenant(TENANT, 'free', {}, A)).token;
    mirror = await startMirrorMaker(join(dir, 'mirror'), { [A]: mainBroker, [B]: nodeB.bootstrap }, [{ from: A, to: B, topics: TOPIC.replace(/\./g, '\\.') }]);
  }, 300_000);

  afterAll(async () => {
    await mirror?.stop();
    await nodeB?.stop();
    await withAdmin(mainBroker, (a) => a.deleteTopics({ topics: [TOPIC] })).catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('every event reaches the aggregate once, with the region it was accepted in; the away region keeps what it accepted', async () => {
    const [resA, resB] = await Promise.all([ingestIn(A, mainBroker, COUNTS[A]), ingestIn(B, nodeB!.bootstrap, COUNTS[B])]);
    expect(resA.statusCode).toBe(202);
    expect(resB.statusCode).toBe(202);
    expect(JSON.parse(resA.body)).toMatchObject({ accepted: COUNTS[A] });
    expect(JSON.parse(resB.body)).toMatchObject({ accepted: COUNTS[B] });
    // At home in local-a: no notice. Away in local-b: accepted, kept there, and the home region named.
    expect(resA.headers?.[HOME_REGION_HEADER]).toBeUndefined();
    expect(resB.headers?.[HOME_REGION_HEADER]).toBe(A);

    const agg = [nodeB!.bootstrap];
    await waitForTopic(nodeB!.bootstrap, `${A}.${TOPIC}`, 150_000);
    const mirrored = envelopes(await readTopic(`${A}.${TOPIC}`, (r) => r.length >= COUNTS[A], 150_000, agg));
    const own = envelopes(await readTopic(TOPIC, (r) => r.length >= COUNTS[B], 30_000, agg));
    // Give a duplicate time to show up before counting.
    const settled = envelopes(await readTopic(`${A}.${TOPIC}`, (r) => r.length > COUNTS[A], 5_000, agg));

    const all = [...settled, ...own];
    expect(mirrored).toHaveLength(COUNTS[A]);
    expect(all).toHaveLength(COUNTS[A] + COUNTS[B]);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length); // exactly once per event id
    expect(settled.every((e) => e.region === A && e.tenant === TENANT)).toBe(true);
    expect(own.every((e) => e.region === B && e.tenant === TENANT)).toBe(true);
    expect(new Set(settled.map((e) => JSON.parse(e.raw).i as number)).size).toBe(COUNTS[A]);
    expect(settled.every((e) => e.raw.includes(`sent to ${A}`))).toBe(true);
    expect(own.every((e) => e.raw.includes(`sent to ${B}`))).toBe(true);

    // Nothing crossed the other way: local-a holds only its own events, and no mirrored topic of local-b.
    const home = envelopes(await readTopic(TOPIC, (r) => r.length >= COUNTS[A], 30_000, [mainBroker]));
    expect(home).toHaveLength(COUNTS[A]);
    expect(home.every((e) => e.region === A)).toBe(true);
    expect((await withAdmin(mainBroker, (a) => a.listTopics())).filter((t) => t.includes(RUN))).toEqual([TOPIC]);
  }, 300_000);
});
