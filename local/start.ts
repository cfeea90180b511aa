/**
 * `npm start`: the whole pipeline on this machine.
 *   1. starts the local services (installing them on first run) and creates topics, tables, bucket,
 *      spill stream and index templates;
 *   2. seeds a demo tenant and prints a fresh token for it;
 *   3. serves the ingest URL (http://localhost:3000 by default, SLUICE_HTTP_PORT) with API Gateway v2 events;
 *   4. runs the event sources: logs.raw -> process, logs.deferred -> deferred, the spill stream -> drain,
 *      with the batch sizes and windows of serverless.yml;
 *   5. runs the archive schedule (every SLUICE_ARCHIVE_EVERY_S seconds, 300 by default, as on AWS).
 * Ctrl-C stops everything it started.
 */
import { join } from 'node:path';
import * as services from './services/index.ts';
import { bootstrap } from './bootstrap.ts';
import { startGateway } from './gateway.ts';
import { lambdaContext } from './context.ts';
import { DEMO_TENANT, seedDemoTenant } from './demo.ts';
import { startKafkaPoller, startKinesisPoller, type Poller } from './pollers.ts';
import * as config from '../shared/config.ts';

const HTTP_PORT = Number(process.env.SLUICE_HTTP_PORT ?? 3000);
const ARCHIVE_EVERY_S = Number(process.env.SLUICE_ARCHIVE_EVERY_S ?? 300);
// As in serverless.yml.
const PROCESS = { batchSize: 10_000, windowMs: 1_000, timeoutMs: 300_000 };
const DEFERRED = { batchSize: 1_000, windowMs: 5_000, timeoutMs: 300_000 };
const DRAIN = { batchSize: 500 };
const ARCHIVE_TIMEOUT_MS = 300_000;

const say = (msg: string) => process.stdout.write(msg + '\n');

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'WARN';
  say('Starting the local services (the first run downloads and builds them; later runs take seconds)...');
  const { started } = await services.ensureUp();
  say('Creating topics, tables, bucket, spill stream and index templates...');
  await bootstrap();
  // Tokens are stored only as hashes, so each start issues the demo tenant a fresh one to print.
  const { token } = await seedDemoTenant();

  const [{ ingest }, { processBatch }, { deferred }, { drain }, { archive }] = await Promise.all([
    import('../functions/ingest.ts'),
    import('../functions/process.ts'),
    import('../functions/deferred.ts'),
    import('../functions/drain.ts'),
    import('../functions/archive.ts'),
  ]);
  const server = await startGateway(HTTP_PORT, ingest as never);
  const topics = config.topics();
  const stage = config.stage();
  const pollers: Poller[] = [
    startKafkaPoller({
      name: 'process', topic: topics.raw, groupId: `sluice-process-${stage}`, ...PROCESS,
      handler: (event) => processBatch(event, lambdaContext('process', PROCESS.timeoutMs, 1769)),
    }),
    startKafkaPoller({
      name: 'deferred', topic: topics.deferred, groupId: `sluice-deferred-${stage}`, ...DEFERRED,
      handler: (event) => deferred(event, lambdaContext('deferred', DEFERRED.timeoutMs)),
    }),
    startKinesisPoller({
      name: 'drain', stream: config.kinesis().spillStream, ...DRAIN,
      checkpointFile: join(services.stateDir(), 'drain-checkpoints.json'),
      handler: (event) => drain(event),
    }),
  ];
  let archiving = false;
  const runArchive = async () => {
    if (archiving) return;
    archiving = true;
    try {
      const r = await archive({}, lambdaContext('archive', ARCHIVE_TIMEOUT_MS));
      if (r.records > 0) say(`[archive] ${r.records} events in ${r.objects} objects`);
    } catch (err) {
      say(`[archive] run failed (${(err as Error).message}); the next run picks up from the committed offsets`);
    } finally {
      archiving = false;
    }
  };
  const archiveTimer = setInterval(() => void runArchive(), ARCHIVE_EVERY_S * 1000);

  say(`
Sluice is running.
  ingest URL      http://localhost:${HTTP_PORT}/v1/logs
  OpenSearch      ${config.opensearch().url}   (indices sluice-logs-*, alias sluice-tenant-${DEMO_TENANT})
  archive         s3://${config.s3().archiveBucket}/raw/ every ${ARCHIVE_EVERY_S} s (MinIO at ${services.endpoints().s3.endpoint})
  tenant          ${DEMO_TENANT}

Send logs:
  curl -X POST http://localhost:${HTTP_PORT}/v1/logs \\
    -H 'Authorization: Bearer ${token}' \\
    -H 'Content-Type: application/x-ndjson' \\
    --data-binary $'{"level":"error","msg":"payment failed","order":42}\\n{"level":"info","msg":"retrying"}'

Find them:
  curl -s '${config.opensearch().url}/sluice-tenant-${DEMO_TENANT}/_search?q=payment&pretty'

Ctrl-C stops everything this command started.
The demo tenant's token (also the last line):
${token}`);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    say('\nStopping...');
    clearInterval(archiveTimer);
    server.close();
    await Promise.all(pollers.map((p) => p.stop().catch(() => undefined)));
    await runArchive(); // leave nothing unarchived that was read
    if (started.length > 0) {
      say(`Stopping the services this command started: ${started.join(', ')}`);
      await services.stopAll(started);
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
}

main().catch((err: unknown) => {
  process.stderr.write(`npm start failed: ${(err as Error).message}\n`);
  process.exit(1);
});
