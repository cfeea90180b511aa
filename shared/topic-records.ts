/**
 * The shapes a topic reader speaks: a record read from a Kafka topic, where a consumer group stands
 * on a partition, and an offset range to read. Kernel types: the archive's ports
 * (shared/archive/ports.ts) and the Kafka reader adapter (shared/adapters/kafka-consumer.ts) both use
 * them, so neither imports the other.
 */

export interface TopicRecord {
  partition: number;
  offset: bigint;
  /** Record timestamp, ms since the epoch. */
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: [Buffer | null, Buffer | null][];
}

export interface PartitionPosition {
  partition: number;
  /** The group's committed offset (the next offset to read), or null when it never committed. */
  committed: bigint | null;
  /** The log start offset (older records were deleted by retention). */
  earliest: bigint;
  /** The high watermark: one past the last readable record. */
  latest: bigint;
  /** Where reading resumes: the committed offset, or `earliest` when none (or when it fell behind retention). */
  start: bigint;
}

export interface ReadRange {
  partition: number;
  /** First offset to read. */
  start: bigint;
  /** Stop before this offset (exclusive). */
  end: bigint;
}
