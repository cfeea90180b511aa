/**
 * archive: copies `logs.raw` to S3 as gzip NDJSON, partitioned by tenant and hour of receive time.
 * Scheduled (every 5 minutes by default). Each run reads from the `sluice-archiver` group's committed
 * offsets until it has caught up with the high watermarks seen at its start, or until the time left
 * falls to the margin kept for uploads and the commit; the rest is the next run's. See
 * shared/archive/archiver.ts for why re-running after a crash neither loses nor duplicates events,
 * and docs/archive.md for the layout and the Athena table.
 *
 * Environment: SLUICE_TOPIC_RAW, ARCHIVE_BUCKET, SLUICE_ARCHIVE_GROUP (sluice-archiver),
 * SLUICE_ARCHIVE_MARGIN_MS (60000), SLUICE_ARCHIVE_ROUND_BYTES (134217728),
 * SLUICE_ARCHIVE_UPLOAD_CONCURRENCY (8), SLUICE_ARCHIVE_GZIP_LEVEL (6).
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, ScheduledEvent } from 'aws-lambda';
import * as config from '../shared/config.ts';
import { ArchiveStore } from '../shared/adapters/archive-store.ts';
import { TopicReader } from '../shared/adapters/kafka-consumer.ts';
import { runArchiver, type ArchiverOptions, type ArchiveRunResult } from '../shared/archive/archiver.ts';
import { closeConnectionsAfterCliInvoke } from '../shared/middleware.ts';
import { logger, metrics } from '../shared/observability.ts';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}=${JSON.stringify(raw)} is not a non-negative number.`);
  return n;
}

export const archiveConfig = () => ({
  topic: config.topics().raw,
  bucket: config.s3().archiveBucket,
  group: process.env.SLUICE_ARCHIVE_GROUP || 'sluice-archiver',
  /** Time kept, after reading stops, for compressing, uploading and committing. */
  marginMs: envInt('SLUICE_ARCHIVE_MARGIN_MS', 60_000),
  maxRoundBytes: envInt('SLUICE_ARCHIVE_ROUND_BYTES', 128 * 1024 * 1024),
  uploadConcurrency: envInt('SLUICE_ARCHIVE_UPLOAD_CONCURRENCY', 8),
  gzipLevel: envInt('SLUICE_ARCHIVE_GZIP_LEVEL', 6),
});

export interface ArchiveOnceOptions extends Partial<Omit<ArchiverOptions, 'readDeadlineMs'>> {
  topic?: string;
  bucket?: string;
  /** Stop reading at this time (ms since the epoch). */
  readDeadlineMs: number;
}

/** One archiver run against the configured Kafka and S3 (used by the handler, `sluice archive run`, tests and the bench). */
export async function archiveOnce(o: ArchiveOnceOptions): Promise<ArchiveRunResult> {
  const cfg = archiveConfig();
  const group = o.group ?? cfg.group;
  const reader = new TopicReader({ topic: o.topic ?? cfg.topic, groupId: group, clientId: `sluice-archiver-${config.stage()}` });
  const store = new ArchiveStore({ bucket: o.bucket ?? cfg.bucket });
  try {
    return await runArchiver(reader, store, {
      maxRoundBytes: cfg.maxRoundBytes,
      uploadConcurrency: cfg.uploadConcurrency,
      gzipLevel: cfg.gzipLevel,
      log: (message, data) => logger.info(message, data ?? {}),
      ...o,
      group,
    });
  } finally {
    await reader.close();
  }
}

export const archive = async (_event: ScheduledEvent | Record<string, unknown>, context: Context): Promise<Omit<ArchiveRunResult, 'keys'>> => {
  const cfg = archiveConfig();
  const remaining = context.getRemainingTimeInMillis();
  // Keep the configured margin, but never more than 40% of what is left (a short test timeout still reads).
  const margin = Math.min(cfg.marginMs, remaining * 0.4);
  const result = await archiveOnce({ readDeadlineMs: Date.now() + remaining - margin });
  const { keys, ...summary } = result;
  logger.info('archive run done', { ...summary, firstKey: keys[0], lastKey: keys.at(-1) });
  metrics.addMetric('ArchivedEvents', MetricUnit.Count, result.records);
  metrics.addMetric('ArchivedObjects', MetricUnit.Count, result.objects);
  metrics.addMetric('ArchivedInvalidEvents', MetricUnit.Count, result.invalid);
  metrics.addMetric('ArchivedRawBytes', MetricUnit.Bytes, result.rawBytes);
  metrics.addMetric('ArchivedCompressedBytes', MetricUnit.Bytes, result.gzBytes);
  metrics.addMetric('ArchiveLag', MetricUnit.Count, Number(result.lag));
  metrics.publishStoredMetrics();
  return summary;
};

export const handler = middy(archive).use(closeConnectionsAfterCliInvoke()).use(injectLambdaContext(logger));
