/**
 * The whole local pipeline in this process: the ingest URL (API Gateway v2 events on loopback), the
 * event-source pollers (logs.raw -> process, logs.deferred -> deferred, spill stream -> drain) and
 * the archive schedule. Used by `npm start` (local/start.ts), the end-to-end suite (test/e2e) and
 * the load bench (bench/load.ts).
 *
 *   const p = await startPipeline({ httpPort: 0, archiveEveryMs: 0 });
 *   await fetch(`${p.url}/v1/logs`, { method: 'POST', headers: { authorization: `Bearer ${p.token}` }, body });
 *   await p.archiveNow();
 *   await p.stop();
 */
import type { Server } from 'node:http';
import type { Context, KinesisStreamEvent, MSKEvent } from 'aws-lambda';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as services from './services/index.ts';
import type { ServiceName } from './services/index.ts';
import { bootstrap } from './bootstrap.ts';
import { startGateway } from './gateway.ts';
import { lambdaContext } from './context.ts';
import { seedDemoTenant } from './demo.ts';
import { startKafkaPoller, startKinesisPoller, type Poller } from './pollers.ts';
import type { RedeliveryPolicy } from './redelivery.ts';
import { failedBatchesDir } from './failed-batches.ts';
import * as config from '../shared/config.ts';
import type { ArchiveOnceOptions } from '../functions/archive.ts';
import type { ArchiveRunResult } from '../shared/archive/archiver.ts';
import eventSources from '../deploy/event-sources.json' with { type: 'json' };

// Batch sizes, windows, timeouts and memory from deploy/event-sources.json, which serverless.yml reads too.
const local = (s: { batchSize: number; batchWindowSeconds: number; timeoutSeconds: number; memoryMb: number }) =>
  ({ batchSize: s.batchSize, windowMs: s.batchWindowSeconds * 1000, timeoutMs: s.timeoutSeconds * 1000, memoryMb: s.memoryMb }) as const;
export const PROCESS_DEFAULTS = local(eventSources.process);
export const DEFERRED_DEFAULTS = local(eventSources.deferred);
export const DRAIN_DEFAULTS = local(eventSources.drain);
export const ARCHIVE_TIMEOUT_MS = eventSources.archive.timeoutSeconds * 1000;
/** The MSK event sources' error-handling controls, applied by the local Kafka pollers. */
const redelivery = (s: typeof eventSources.process): RedeliveryPolicy => ({
  maximumRetryAttempts: s.maximumRetryAttempts,
  maximumRecordAgeSeconds: s.maximumRecordAgeSeconds,
  bisectBatchOnFunctionError: s.bisectBatchOnFunctionError,
  reportBatchItemFailures: s.functionResponseTypes.includes('ReportBatchItemFailures'),
});
export const PROCESS_REDELIVERY = redelivery(eventSources.process);
export const DEFERRED_REDELIVERY = redelivery(eventSources.deferred);

export interface PipelineOptions {
  /** Port of the ingest URL on 127.0.0.1 (0 = any free port). Default: SLUICE_HTTP_PORT or 3000. */
  httpPort?: number;
  /** Archive schedule period; 0 = no schedule (call archiveNow()). Default: SLUICE_ARCHIVE_EVERY_S or 300 s. */
  archiveEveryMs?: number;
  /** Batching window of the logs.raw -> process poller (deploy/event-sources.json, as in serverless.yml: 0 s, picked up within the poll cadence). */
  processWindowMs?: number;
  processBatchSize?: number;
  /** Batching window of the logs.deferred -> deferred poller (10 s, as deployed). */
  deferredWindowMs?: number;
  /** Longest backoff of a poller after a failed batch (30 s). */
  retryMaxMs?: number;
  /** Start the local services that are not running (default true). */
  ensureServices?: boolean;
  /** Seed the demo tenant and return a fresh token for it (default true). */
  demoTenant?: boolean;
  /** Progress and poller messages (default: stdout). */
  log?: (msg: string) => void;
  /** Serve the ingest URL (default true; false: no gateway, `url` is empty). bench/load.ts runs each part in its own process. */
  ingest?: boolean;
  /** Run the event-source pollers (default true). */
  pollers?: boolean;
  /** Create the topics, tables and templates first (default true; bench/load.ts does it once for its parts). */
  bootstrap?: boolean;
}

export type ArchiveSummary = Omit<ArchiveRunResult, 'keys'>;

export interface Pipeline {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** Services this call started (stop() leaves them running unless asked). */
  readonly started: readonly ServiceName[];
  /** A fresh token of the demo tenant (when `demoTenant` was not false). */
  readonly token?: string;
  readonly archiveEveryMs: number;
  /**
   * One archive run now, after any run in progress. Without options: the archive handler with the
   * Lambda timeout. With options: the archiver core (`archiveOnce`), e.g. with a deadline or an
   * `afterUpload` hook; its errors are thrown to the caller (the next run picks up).
   */
  archiveNow(opts?: Partial<ArchiveOnceOptions>): Promise<ArchiveSummary>;
  /** Stops the gateway and the pollers, runs the archive a last time; `stopServices` also stops the services started here. */
  stop(opts?: { stopServices?: boolean; finalArchive?: boolean }): Promise<void>;
}

/** The event sources of serverless.yml, locally: logs.raw -> process, logs.deferred -> deferred, spill stream -> drain. */
function startPollers(
  opts: PipelineOptions,
  log: (msg: string) => void,
  fns: { processBatch: (e: MSKEvent, c: Context) => Promise<unknown>; deferred: (e: MSKEvent, c: Context) => Promise<unknown>; drain: (e: KinesisStreamEvent) => Promise<unknown> },
): Poller[] {
  const topics = config.topics();
  const stage = config.stage();
  const proc = { ...PROCESS_DEFAULTS, ...(opts.processWindowMs !== undefined ? { windowMs: opts.processWindowMs } : {}), ...(opts.processBatchSize ? { batchSize: opts.processBatchSize } : {}) };
  const def = { ...DEFERRED_DEFAULTS, ...(opts.deferredWindowMs !== undefined ? { windowMs: opts.deferredWindowMs } : {}) };
  const retry = opts.retryMaxMs !== undefined ? { maxBackoffMs: opts.retryMaxMs } : {};
  return [
    startKafkaPoller({
      name: 'process', topic: topics.raw, groupId: `sluice-process-${stage}`, ...proc, ...retry, log,
      redelivery: PROCESS_REDELIVERY, failedDir: failedBatchesDir(),
      handler: (event) => fns.processBatch(event, lambdaContext('process', proc.timeoutMs, proc.memoryMb)),
    }),
    startKafkaPoller({
      name: 'deferred', topic: topics.deferred, groupId: `sluice-deferred-${stage}`, ...def, ...retry, log,
      redelivery: DEFERRED_REDELIVERY, failedDir: failedBatchesDir(),
      handler: (event) => fns.deferred(event, lambdaContext('deferred', def.timeoutMs, def.memoryMb)),
    }),
    startKinesisPoller({
      name: 'drain', stream: config.kinesis().spillStream, batchSize: DRAIN_DEFAULTS.batchSize, ...retry, log,
      checkpointFile: join(services.stateDir(), 'drain-checkpoints.json'),
      handler: (event) => fns.drain(event),
    }),
  ];
}

export async function startPipeline(opts: PipelineOptions = {}): Promise<Pipeline> {
  const log = opts.log ?? ((m: string) => process.stdout.write(m + '\n'));
  let started: ServiceName[] = [];
  if (opts.ensureServices !== false) started = (await services.ensureUp()).started;
  if (opts.bootstrap !== false) await bootstrap();
  // Tokens are stored only as hashes, so each start issues the demo tenant a fresh one.
  const token = opts.demoTenant === false ? undefined : (await seedDemoTenant()).token;

  const [{ ingest }, { processBatch }, { deferred }, { drain }, { archive, archiveOnce }] = await Promise.all([
    import('../functions/ingest.ts'),
    import('../functions/process.ts'),
    import('../functions/deferred.ts'),
    import('../functions/drain.ts'),
    import('../functions/archive.ts'),
  ]);
  const server: Server | undefined = opts.ingest === false ? undefined : await startGateway(opts.httpPort ?? config.httpPort(), ingest as never);
  const port = server ? (server.address() as AddressInfo).port : 0;
  const pollers = opts.pollers === false ? [] : startPollers(opts, log, { processBatch, deferred, drain });

  // Archive runs never overlap (the function has reserved concurrency 1 on AWS): one chain.
  let chain: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = chain.then(fn, fn);
    chain = p.catch(() => undefined);
    return p;
  };
  const archiveNow = (o?: Partial<ArchiveOnceOptions>): Promise<ArchiveSummary> =>
    serial(async () => {
      if (!o) return archive({}, lambdaContext('archive', ARCHIVE_TIMEOUT_MS, eventSources.archive.memoryMb));
      const { keys: _keys, ...summary } = await archiveOnce({ readDeadlineMs: Date.now() + ARCHIVE_TIMEOUT_MS - 60_000, ...o });
      return summary;
    });
  const scheduled = async () => {
    try {
      const r = await archiveNow();
      if (r.records > 0) log(`[archive] ${r.records} events in ${r.objects} objects`);
    } catch (err) {
      log(`[archive] run failed (${(err as Error).message}); the next run picks up from the committed offsets`);
    }
  };
  const archiveEveryMs = opts.archiveEveryMs ?? config.archiveEverySeconds() * 1000;
  let archiveTimer: NodeJS.Timeout | undefined;
  if (archiveEveryMs > 0) {
    // Each run starts a period after the previous one ended, so a slow run never queues up others.
    const next = () => {
      archiveTimer = setTimeout(() => void scheduled().finally(() => { if (archiveTimer) next(); }), archiveEveryMs);
    };
    next();
  }

  let stopping: Promise<void> | undefined;
  const stop = (s: { stopServices?: boolean; finalArchive?: boolean } = {}): Promise<void> =>
    (stopping ??= (async () => {
      const t = archiveTimer;
      archiveTimer = undefined;
      clearTimeout(t);
      if (server) {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          setTimeout(() => server.closeAllConnections(), 5_000).unref(); // a client holding a request open
        });
      }
      await Promise.all(pollers.map((p) => p.stop().catch(() => undefined)));
      if (s.finalArchive !== false) await scheduled(); // leave nothing unarchived that was read
      await chain;
      const { closeAll } = await import('../shared/adapters/lifecycle.ts');
      await closeAll().catch(() => undefined);
      if (s.stopServices && started.length > 0) {
        log(`Stopping the services this command started: ${started.join(', ')}`);
        await services.stopAll(started);
      }
    })());

  return {
    url: server ? `http://127.0.0.1:${port}` : '',
    port,
    started,
    ...(token !== undefined ? { token } : {}),
    archiveEveryMs,
    archiveNow,
    stop,
  };
}
