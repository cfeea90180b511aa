/**
 * Reconciliation under faults, on the same pipeline and workload as reconciliation.test.ts, while
 * clients keep sending:
 *   (a) the Kafka broker is killed (SIGKILL) and restarted: ingest spills to Kinesis and still answers
 *       202; drain puts the spilled records back on logs.raw with their ids;
 *   (b) OpenSearch is stopped for 30 s: process keeps retrying its bulk requests, nothing is lost;
 *   (c) an archive run is killed after uploading and before committing: the next run completes it.
 * Afterwards every accepted event is in the archive under one id and accounted for downstream.
 *
 * Duplicates in the archive: a produce request in flight when the broker dies may have been written
 * although its answer never came; ingest then spills the same records, and drain writes them again.
 * logs.raw then holds two copies (same id, same bytes), and the archive, which copies logs.raw record
 * for record, holds both. Indexing is unaffected (_id = event id), and the archive's readers dedupe
 * by id. The suite therefore checks "at least once, one id per event, identical copies" here and
 * "exactly once" in the fault-free run.
 */
import './env.ts';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import { startPipeline, type Pipeline } from '../../local/pipeline.ts';
import * as services from '../../local/services/index.ts';
import { pidFile } from '../../local/services/config.ts';
import { getKinesis } from '../../shared/adapters/kinesis.ts';
import { TopicReader } from '../../shared/adapters/kafka-consumer.ts';
import * as config from '../../shared/config.ts';
import { archiveConfig } from '../../functions/archive.ts';
import { reconcile } from './reconcile.ts';
import { addTenant, archiveKeys, envelopeOf, runTag, sendAll, sleep, workload, type Request } from './support.ts';

let p: Pipeline;
const tag = runTag();
const log = (m: string) => process.stderr.write(`${m}\n`);
const t0 = Date.now();
const at = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

beforeAll(async () => {
  // Ingest gives up on Kafka sooner than the default 5 s (the Lambda's own budget is what bounds it on AWS).
  process.env['KAFKA_PRODUCE_TIMEOUT_MS'] = '2000';
  p = await startPipeline({ httpPort: 0, archiveEveryMs: 0, processWindowMs: 250, deferredWindowMs: 500, retryMaxMs: 2_000, demoTenant: false, log });
});
afterAll(async () => {
  // Whatever happened, leave the services running for the next file.
  await services.ensureUp(['kafka', 'opensearch']);
  await p?.stop({ finalArchive: false });
});

/** SIGKILL to the Kafka broker this run started (its process group): no clean shutdown. */
async function killKafka(): Promise<void> {
  const status = await services.statusOf('kafka');
  expect(status.owner, 'the e2e suite must own the Kafka broker it kills (run it on its own services)').toBe('ours');
  const rec = JSON.parse(readFileSync(pidFile('kafka'), 'utf8')) as { pid: number };
  process.kill(-rec.pid, 'SIGKILL');
  for (let i = 0; i < 100 && (await services.isUp('kafka')); i++) await sleep(100);
  expect(await services.isUp('kafka')).toBe(false);
}

/** Ids of the tenants' events in the Kinesis spill stream. */
async function spilledIds(tenants: Set<string>): Promise<Set<string>> {
  const k = getKinesis();
  const stream = config.kinesis().spillStream;
  const ids = new Set<string>();
  const { StreamDescription } = await k.send(new DescribeStreamCommand({ StreamName: stream }));
  for (const shard of StreamDescription?.Shards ?? []) {
    let it = (await k.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    for (let i = 0; i < 1000 && it; i++) {
      const out = await k.send(new GetRecordsCommand({ ShardIterator: it, Limit: 1000 }));
      for (const r of out.Records ?? []) {
        const data = Buffer.from(r.Data ?? new Uint8Array());
        const env = envelopeOf(data.subarray(data.indexOf(0x0a) + 1));
        if (env && tenants.has(env.tenant)) ids.add(env.id);
      }
      if ((out.Records ?? []).length === 0) break;
      it = out.NextShardIterator;
    }
  }
  return ids;
}

describe('faults', () => {
  it('Kafka killed and restarted, OpenSearch down 30 s, an archive run killed part-way: every event archived and accounted for', async () => {
    const tenants = [
      { tenant: `${tag}-big`, plan: 'pro', overrides: {} },
      { tenant: `${tag}-small`, plan: 'standard', overrides: { eventsPerSecond: 400, eventsBurst: 500 } },
      { tenant: `${tag}-arch`, plan: 'free', overrides: { eventsPerSecond: 50, eventsBurst: 300 } },
    ];
    const requests: Request[] = [];
    for (const t of tenants) requests.push(...workload(tag, { tenant: t.tenant, token: await addTenant(t.tenant, t.plan, t.overrides) }, 40, 50));
    requests.sort((a, b) => a.markers[0]!.localeCompare(b.markers[0]!) || a.tenant.localeCompare(b.tenant));

    // About a minute of sending (3 clients, a request every ~1.5 s each), while the faults happen.
    const sending = sendAll(p.url, requests, 3, { paceMs: 1_400 });
    let sendError: unknown;
    sending.catch((err: unknown) => { sendError = err; });

    // (a) Kafka killed mid-run, restarted 12 s later.
    await sleep(4_000);
    log(`[faults ${at()}] killing Kafka`);
    await killKafka();
    await sleep(12_000);
    log(`[faults ${at()}] restarting Kafka`);
    await services.start('kafka');
    log(`[faults ${at()}] Kafka is back`);
    expect(sendError).toBeUndefined();

    // (c) An archive run killed after its uploads, before its commit; the next run completes it.
    const cfg = archiveConfig();
    const reader = new TopicReader({ topic: cfg.topic, groupId: cfg.group });
    const before = await reader.positions();
    let crashedKeys: string[] = [];
    await expect(
      p.archiveNow({
        afterUpload: (round) => {
          crashedKeys = round.keys;
          throw new Error('archive run killed after upload, before commit');
        },
      }),
    ).rejects.toThrow(/killed after upload/);
    expect(crashedKeys.length).toBeGreaterThan(0);
    const present = new Set(await archiveKeys());
    for (const k of crashedKeys) expect(present.has(k), `${k} uploaded`).toBe(true);
    const afterCrash = await reader.positions();
    expect(afterCrash.map((x) => x.committed)).toEqual(before.map((x) => x.committed)); // nothing committed
    await reader.close();
    log(`[faults ${at()}] archive run killed after uploading ${crashedKeys.length} objects`);

    // (b) OpenSearch stopped for 30 s.
    const os = await services.statusOf('opensearch');
    expect(os.owner, 'the e2e suite must own the OpenSearch node it stops').toBe('ours');
    log(`[faults ${at()}] stopping OpenSearch`);
    expect(await services.stop('opensearch')).toBe(true);
    await sleep(30_000);
    log(`[faults ${at()}] starting OpenSearch`);
    await services.start('opensearch');
    log(`[faults ${at()}] OpenSearch is back`);

    const accepted = await sending;
    log(`[faults ${at()}] all ${requests.length} requests accepted`);
    const expects = tenants.map((t) => ({
      tenant: t.tenant,
      markers: requests.filter((r) => r.tenant === t.tenant).flatMap((r) => r.markers),
      archiveOnly: t.plan === 'free',
    }));
    for (const e of expects) expect(accepted.get(e.tenant)).toBe(e.markers.length);

    const reports = await reconcile(() => p.archiveNow(), expects, { timeoutMs: 300_000, allowArchiveDuplicates: true, log });
    log(`[faults ${at()}] ${JSON.stringify(reports)}`);

    // The next runs re-created the crashed run's objects under the same keys (its recorded ranges).
    const finalKeys = new Set(await archiveKeys());
    for (const k of crashedKeys) expect(finalKeys.has(k)).toBe(true);

    // Ingest did spill while Kafka was down, and those events made it through drain.
    const spilled = await spilledIds(new Set(tenants.map((t) => t.tenant)));
    log(`[faults ${at()}] ${spilled.size} events went through the Kinesis spill`);
    expect(spilled.size).toBeGreaterThan(0);
    expect(reports.find((r) => r.tenant === tenants[1]!.tenant)!.deferred).toBeGreaterThan(0);
    expect(reports.find((r) => r.tenant === tenants[2]!.tenant)!.archiveOnly).toBeGreaterThan(0);
    for (const r of reports.filter((x) => x.tenant !== tenants[2]!.tenant)) expect(r.indexed).toBe(r.accepted);
  });
});
