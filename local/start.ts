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
import * as services from './services/index.ts';
import { DEMO_TENANT } from './demo.ts';
import { startPipeline } from './pipeline.ts';
import * as config from '../shared/config.ts';

const HTTP_PORT = config.httpPort();
const ARCHIVE_EVERY_S = config.archiveEverySeconds();

const say = (msg: string) => process.stdout.write(msg + '\n');

async function main(): Promise<void> {
  process.env.LOG_LEVEL ??= 'WARN';
  say('Starting the local services (the first run downloads and builds them; later runs take seconds)...');
  const { started } = await services.ensureUp();
  say('Creating topics, tables, bucket, spill stream and index templates...');
  // The services are up now: the pipeline only bootstraps, seeds the demo tenant and runs the rest.
  const pipeline = await startPipeline({ httpPort: HTTP_PORT, archiveEveryMs: ARCHIVE_EVERY_S * 1000, ensureServices: false, log: say });
  const token = pipeline.token!;

  say(`
Sluice is running.
  ingest URL      http://localhost:${HTTP_PORT}/v1/logs
  console         http://localhost:${HTTP_PORT}/console   (a read token: npx sluice tenants token ${DEMO_TENANT} --scope read)
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
    await pipeline.stop(); // the gateway, the pollers, then a last archive run: nothing read is left unarchived
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
