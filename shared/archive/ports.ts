/**
 * The archiver's ports: what it needs from the log (`ArchiveSource`: positions, ranged reads,
 * commits) and from the object store (`ArchiveSink`). The record, position and range types they speak
 * live in the kernel (shared/topic-records.ts), so that the Kafka adapter (shared/adapters/kafka-consumer.ts,
 * `TopicReader`) can use them without importing this directory (adapters -> archive -> process ->
 * adapters would be a cycle); it and the S3 adapter (`ArchiveStore`) satisfy these ports structurally,
 * checked where shared/archive/run.ts's wiring is typed. The domain never imports an adapter.
 */

import type { PartitionPosition, ReadRange, TopicRecord } from '../topic-records.ts';

export type { PartitionPosition, ReadRange, TopicRecord } from '../topic-records.ts';

export interface ArchiveSource {
  readonly topic: string;
  positions(): Promise<PartitionPosition[]>;
  read(ranges: readonly ReadRange[], opts: { deadlineMs: number; onRecord: (r: TopicRecord) => boolean | void }): Promise<Map<number, bigint>>;
  commit(offsets: ReadonlyMap<number, bigint>): Promise<void>;
}

export interface ArchiveSink {
  put(key: string, body: Buffer, opts: { contentType?: string; contentEncoding?: string; metadata?: Record<string, string> }): Promise<void>;
  putIfAbsent(key: string, body: Buffer): Promise<boolean>;
  get(key: string): Promise<Buffer | undefined>;
}
