/**
 * One archive run: open the topic reader for the archiver's group, run the archiver (archiver.ts)
 * against it and the bucket, close the reader whatever happens. The reader and the sink come from
 * the wiring (functions/archive.ts gives the Kafka and S3 adapters; tests may give others), the
 * settings from config.archive().
 */
import { runArchiver, type ArchiverOptions, type ArchiveRunResult, type ArchiveSink, type ArchiveSource } from './archiver.ts';

export interface ArchiveWiring {
  openSource(topic: string, group: string): ArchiveSource & { close(): Promise<void> };
  openSink(bucket: string): ArchiveSink;
}

export interface ArchiveSettings {
  topic: string;
  bucket: string;
  group: string;
  maxRoundBytes: number;
  uploadConcurrency: number;
  gzipLevel: number;
}

export interface ArchiveOnceOptions extends Partial<Omit<ArchiverOptions, 'readDeadlineMs'>> {
  topic?: string;
  bucket?: string;
  /** Stop reading at this time (ms since the epoch). */
  readDeadlineMs: number;
}

export async function archiveRun(wiring: ArchiveWiring, settings: ArchiveSettings, o: ArchiveOnceOptions): Promise<ArchiveRunResult> {
  const group = o.group ?? settings.group;
  const source = wiring.openSource(o.topic ?? settings.topic, group);
  try {
    return await runArchiver(source, wiring.openSink(o.bucket ?? settings.bucket), {
      maxRoundBytes: settings.maxRoundBytes,
      uploadConcurrency: settings.uploadConcurrency,
      gzipLevel: settings.gzipLevel,
      ...o,
      group,
    });
  } finally {
    await source.close();
  }
}

/**
 * When a run with `remainingMs` left must stop reading: the configured margin is kept for
 * compressing, uploading and committing, but never more than 40% of what is left (a short timeout,
 * as in a test, still reads).
 */
export function readDeadline(nowMs: number, remainingMs: number, marginMs: number): number {
  return nowMs + remainingMs - Math.min(marginMs, remainingMs * 0.4);
}
