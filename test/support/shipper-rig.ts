/**
 * The set-up the shipper and protocol integration tests share: a run-unique raw topic and tenant, the
 * local ingest gateway (functions/ingest.ts behind local/gateway.ts) on a free port, and a reader for
 * the envelopes that reach the topic. Everything talks to the real local services.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTables } from '../../local/bootstrap.ts';
import { startGateway } from '../../local/gateway.ts';
import { ingest } from '../../functions/ingest.ts';
import { ensureTopics, resetProducer } from '../../shared/adapters/kafka.ts';
import { DynamoTenantStore } from '../../shared/adapters/tenant-store.ts';
import type { RawEnvelope } from '../../shared/envelope/types.ts';
import { TOPIC_CONFIGS } from '../../shared/setup.ts';
import { readTopic } from './kafka.ts';

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

export function shipperRig(name: string) {
  const run = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const topic = `test.${name}.${run}`;
  let gateway: Server | undefined;
  const rig = {
    run,
    topic,
    tenantId: `${name}-${run}`,
    tmp: mkdtempSync(join(tmpdir(), `sluice-${name}-`)),
    token: '',
    url: '',
    /** Topic, tables, tenant and gateway; ingest writes to the run's topic. */
    async start(): Promise<void> {
      process.env.SLUICE_TOPIC_RAW = topic;
      await Promise.all([ensureTables(), ensureTopics([{ name: topic, partitions: 3, configs: TOPIC_CONFIGS }])]);
      ({ token: rig.token } = await new DynamoTenantStore().addTenant(rig.tenantId, 'standard'));
      gateway = await startGateway(0, ingest);
      rig.url = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    },
    async stop(): Promise<void> {
      await new Promise<void>((resolve) => (gateway ? gateway.close(() => resolve()) : resolve()));
      await resetProducer();
      rmSync(rig.tmp, { recursive: true, force: true });
    },
    /** Envelopes on the run's topic whose raw text contains one of the markers, until each has `count`. */
    async envelopesWith(markers: string[], count = 1, timeoutMs = 30_000): Promise<Map<string, RawEnvelope[]>> {
      const found = new Map<string, RawEnvelope[]>(markers.map((m) => [m, []]));
      await readTopic(
        topic,
        (records) => {
          for (const r of records.splice(0)) {
            const env = JSON.parse(r.value.toString('utf8')) as RawEnvelope;
            for (const m of markers) if (env.raw.includes(m)) found.get(m)!.push(env);
          }
          return [...found.values()].every((l) => l.length >= count);
        },
        timeoutMs,
      );
      return found;
    },
  };
  return rig;
}

/** Stops a shipper the test started: SIGTERM, then SIGKILL after 5 s. */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}
