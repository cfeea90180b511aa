/**
 * archive: copies `logs.raw` to S3 as gzip NDJSON, partitioned by tenant and hour of receive time.
 * Scheduled (every 5 minutes by default). Each run reads from the archiver group's committed offsets
 * until it has caught up with the high watermarks seen at its start, or until the time left falls to
 * the margin kept for uploads and the commit; the rest is the next run's. See shared/archive/archiver.ts
 * for why re-running after a crash neither loses nor duplicates events, docs/archive.md for the layout,
 * and config.archive() for the settings (SLUICE_ARCHIVE_*).
 */
import type { Context, ScheduledEvent } from 'aws-lambda';
import * as config from '../shared/config.ts';
import { ArchiveStore } from '../shared/adapters/archive-store.ts';
import { TopicReader } from '../shared/adapters/kafka-consumer.ts';
import type { ArchiveRunResult } from '../shared/archive/archiver.ts';
import { archiveRun, readDeadline, type ArchiveOnceOptions, type ArchiveWiring } from '../shared/archive/run.ts';
import { lambdaHandler } from '../shared/middleware.ts';
import { logger, metrics } from '../shared/observability.ts';
import { recordArchive } from '../shared/metrics.ts';

export type { ArchiveOnceOptions };
/** The archive settings (topic, bucket, group, margin, round bytes, upload concurrency, gzip level). */
export const archiveConfig = config.archive;

const wiring: ArchiveWiring = {
  openSource: (topic, groupId) => new TopicReader({ topic, groupId, clientId: `sluice-archiver-${config.stage()}` }),
  openSink: (bucket) => new ArchiveStore({ bucket }),
};

/** One archiver run against the configured Kafka and S3 (used by the handler, `sluice archive run`, tests and the bench). */
export const archiveOnce = (o: ArchiveOnceOptions): Promise<ArchiveRunResult> =>
  archiveRun(wiring, config.archive(), { log: (message, data) => logger.info(message, data ?? {}), ...o });

export const archive = async (_event: ScheduledEvent | Record<string, unknown>, context: Context): Promise<Omit<ArchiveRunResult, 'keys'>> => {
  const { keys, ...summary } = await archiveOnce({ readDeadlineMs: readDeadline(Date.now(), context.getRemainingTimeInMillis(), config.archive().marginMs) });
  logger.info('archive run done', { ...summary, firstKey: keys[0], lastKey: keys.at(-1) });
  recordArchive(metrics, summary);
  return summary;
};

export const handler = lambdaHandler(archive, [config.archive, config.kafka, config.s3]);
