/**
 * A thin batch reader over one topic for scheduled consumers (archive, reprocessing jobs): where a
 * consumer group stands, read explicit offset ranges until caught up or a deadline, commit explicitly.
 *
 * It does not join the group (no JoinGroup/SyncGroup/heartbeats, so no rebalance delay and no
 * session to keep alive from a Lambda): the group is used only to store offsets, as a
 * "simple consumer" does. Commits are standalone commits (generation -1), which Kafka accepts while
 * the group has no active members. Callers must therefore be the group's only reader at a time
 * (the archive function runs with reserved concurrency 1) and should make their output idempotent.
 *
 *   const reader = new TopicReader({ topic: 'logs.raw', groupId: 'sluice-archiver' });
 *   const positions = await reader.positions();            // committed, earliest, high watermark
 *   const reached = await reader.read(ranges, { deadlineMs, onRecord });
 *   await reader.commit(reached);                            // after the records are safe elsewhere
 *   await reader.close();
 */
import { Consumer, ListOffsetTimestamps } from '@platformatic/kafka';
import type { PartitionPosition, ReadRange, TopicRecord } from '../topic-records.ts';
import { clientOptions } from './kafka.ts';

/** The record, position and range types (kernel: shared/topic-records.ts; the archive's ports speak them), re-exported for the readers. */
export type { PartitionPosition, ReadRange, TopicRecord } from '../topic-records.ts';

export interface ReadOptions {
  /** Stop fetching at this time (ms since the epoch); what was read so far is returned. */
  deadlineMs: number;
  /**
   * Called for each record, in offset order within a partition. Return `false` to stop reading that
   * partition after this record.
   */
  onRecord: (record: TopicRecord) => boolean | void;
}

export interface TopicReaderOptions {
  topic: string;
  groupId: string;
  clientId?: string;
  /** Longest the broker may hold a fetch open waiting for data. */
  maxWaitMs?: number;
  /** Bytes per fetch response (all partitions of one broker). */
  maxBytes?: number;
  /** Bytes per partition per fetch. */
  maxBytesPerPartition?: number;
}

type BufferConsumer = Consumer<Buffer, Buffer, Buffer, Buffer>;
type FetchResponse = Awaited<ReturnType<BufferConsumer['fetch']>>;
type FetchPartitions = Parameters<BufferConsumer['fetch']>[0]['topics'][number]['partitions'];

const IS_CONTROL = 0b10_0000;

export class TopicReader {
  readonly topic: string;
  readonly groupId: string;
  readonly #consumer: BufferConsumer;
  readonly #maxWaitMs: number;
  readonly #maxBytes: number;
  readonly #maxBytesPerPartition: number;

  constructor(opts: TopicReaderOptions) {
    this.topic = opts.topic;
    this.groupId = opts.groupId;
    this.#maxWaitMs = opts.maxWaitMs ?? 200;
    this.#maxBytes = opts.maxBytes ?? 16 * 1024 * 1024;
    this.#maxBytesPerPartition = opts.maxBytesPerPartition ?? 4 * 1024 * 1024;
    this.#consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
      ...clientOptions(opts.clientId ?? `sluice-reader-${opts.groupId}`),
      groupId: opts.groupId,
      autocommit: false,
    });
  }

  /** Partition numbers of the topic. */
  async partitions(): Promise<number[]> {
    const md = await this.#consumer.metadata({ topics: [this.topic] });
    const t = md.topics.get(this.topic);
    if (!t) throw new Error(`Topic ${this.topic} does not exist`);
    return Array.from({ length: t.partitionsCount }, (_, i) => i);
  }

  /** Committed offset, log start and high watermark of every partition: three small requests. */
  async positions(): Promise<PartitionPosition[]> {
    const partitions = await this.partitions();
    const [committedMap, earliestMap, latestMap] = await Promise.all([
      this.#consumer.listCommittedOffsets({ topics: [{ topic: this.topic, partitions }] }),
      this.#consumer.listOffsets({ topics: [this.topic], timestamp: ListOffsetTimestamps.EARLIEST }),
      this.#consumer.listOffsets({ topics: [this.topic], timestamp: ListOffsetTimestamps.LATEST, isolationLevel: 0 }),
    ]);
    const committed = committedMap.get(this.topic) ?? [];
    const earliest = earliestMap.get(this.topic) ?? [];
    const latest = latestMap.get(this.topic) ?? [];
    return partitions.map((partition) => {
      const c = committed[partition];
      const e = earliest[partition] ?? 0n;
      const l = latest[partition] ?? 0n;
      const com = c === undefined || c < 0n ? null : c;
      return { partition, committed: com, earliest: e, latest: l, start: com === null || com < e ? e : com };
    });
  }

  /** The high watermark of every partition: one small request (for a poller that knows where it stands). */
  async latestOffsets(): Promise<Map<number, bigint>> {
    const latest = (await this.#consumer.listOffsets({ topics: [this.topic], timestamp: ListOffsetTimestamps.LATEST, isolationLevel: 0 })).get(this.topic) ?? [];
    return new Map(latest.map((offset, partition) => [partition, offset ?? 0n]));
  }

  /**
   * Reads each range until its end, the deadline, or `onRecord` returning false. Returns, per
   * partition, the offset reached: every record in [start, reached) was passed to `onRecord`
   * (offsets without a record — transaction markers, compacted gaps — count as passed).
   */
  async read(ranges: readonly ReadRange[], opts: ReadOptions): Promise<Map<number, bigint>> {
    const reached = new Map<number, bigint>();
    const active = new Map<number, ReadRange>();
    for (const r of ranges) {
      reached.set(r.partition, r.start);
      if (r.end > r.start) active.set(r.partition, r);
    }
    while (active.size > 0 && Date.now() < opts.deadlineMs) {
      const md = await this.#consumer.metadata({ topics: [this.topic] });
      const t = md.topics.get(this.topic);
      if (!t) throw new Error(`Topic ${this.topic} does not exist`);
      // One fetch per leader broker, all in flight together.
      const byNode = new Map<number, FetchPartitions>();
      for (const [partition] of active) {
        const leader = t.partitions[partition]?.leader;
        if (leader === undefined) throw new Error(`No leader for ${this.topic}/${partition}`);
        const list = byNode.get(leader) ?? [];
        list.push({
          partition,
          fetchOffset: reached.get(partition)!,
          partitionMaxBytes: this.#maxBytesPerPartition,
          currentLeaderEpoch: -1,
          lastFetchedEpoch: -1,
        });
        byNode.set(leader, list);
      }
      const maxWaitTime = Math.max(0, Math.min(this.#maxWaitMs, opts.deadlineMs - Date.now()));
      const responses = await Promise.all(
        [...byNode].map(([node, partitions]) =>
          this.#consumer.fetch({ node, topics: [{ topicId: t.id, partitions }], maxWaitTime, minBytes: 1, maxBytes: this.#maxBytes }),
        ),
      );
      for (const response of responses) this.#take(response, active, reached, opts);
    }
    return reached;
  }

  #take(response: FetchResponse, active: Map<number, ReadRange>, reached: Map<number, bigint>, opts: ReadOptions): void {
    for (const topic of response.responses) {
      for (const p of topic.partitions) {
        const range = active.get(p.partitionIndex);
        if (!range) continue;
        if (p.errorCode !== 0) throw new Error(`Fetch ${this.topic}/${p.partitionIndex} failed with Kafka error code ${p.errorCode}`);
        let next = reached.get(range.partition)!;
        let stop = false;
        for (const batch of p.records ?? []) {
          if (stop) break;
          const batchEnd = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
          if (!(batch.attributes & IS_CONTROL)) {
            for (const rec of batch.records) {
              const offset = batch.firstOffset + BigInt(rec.offsetDelta);
              if (offset < next) continue;
              if (offset >= range.end) {
                stop = true;
                break;
              }
              const more = opts.onRecord({
                partition: range.partition,
                offset,
                timestamp: batch.firstTimestamp + rec.timestampDelta,
                key: rec.key,
                value: rec.value,
                headers: rec.headers,
              });
              next = offset + 1n;
              if (more === false) {
                stop = true;
                break;
              }
            }
          }
          if (!stop && batchEnd > next) next = batchEnd < range.end ? batchEnd : range.end;
        }
        if (next >= range.end) next = range.end;
        reached.set(range.partition, next);
        // The high watermark can only be lower than the range end if the log was truncated: stop there.
        if (stop || next >= range.end || (p.highWatermark >= 0n && next >= p.highWatermark && p.highWatermark < range.end)) {
          active.delete(range.partition);
        }
      }
    }
  }

  /** Commits `offset` (the next offset to read) for each partition, as a standalone commit. */
  async commit(offsets: ReadonlyMap<number, bigint>): Promise<void> {
    if (offsets.size === 0) return;
    // Not a group member: generation -1 and no member id make Kafka treat this as a simple-consumer commit.
    this.#consumer.generationId = -1;
    this.#consumer.memberId = '';
    await this.#consumer.commit({
      offsets: [...offsets].map(([partition, offset]) => ({ topic: this.topic, partition, offset, leaderEpoch: -1 })),
    });
  }

  async close(): Promise<void> {
    await this.#consumer.close(true).catch(() => undefined);
  }
}

/**
 * Reads a topic from the group's committed offsets up to the high watermarks seen at the start (or
 * until the deadline), handing records to `onRecord`; returns the offsets reached, for the caller to
 * `commit` once it has made the records durable.
 */
export async function readUntilCaughtUp(
  reader: TopicReader,
  opts: ReadOptions,
): Promise<{ positions: PartitionPosition[]; reached: Map<number, bigint> }> {
  const positions = await reader.positions();
  const ranges = positions.filter((p) => p.start < p.latest).map((p) => ({ partition: p.partition, start: p.start, end: p.latest }));
  const reached = ranges.length === 0 ? new Map<number, bigint>() : await reader.read(ranges, opts);
  return { positions, reached };
}
