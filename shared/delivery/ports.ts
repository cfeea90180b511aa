/**
 * What delivery needs from the outside world, as three narrow ports (implemented in shared/adapters:
 * kafka.ts, kinesis.ts, claim-checks.ts; wired in shared/delivery.ts). No AWS or Kafka imports here.
 */

/** A record bound for a Kafka topic. `key` picks the partition (Java-compatible murmur2). */
export interface KafkaRecord {
  topic: string;
  key: string;
  value: Buffer;
  headers?: Record<string, Buffer>;
}

/** A record for the Kinesis spill stream. */
export interface SpillRecord {
  partitionKey: string;
  data: Buffer;
}

/** Kafka: resolves once every record is acknowledged by all in-sync replicas, rejects otherwise. */
export interface KafkaSink {
  send(records: readonly KafkaRecord[]): Promise<void>;
}

/** The spill stream: resolves once every record is written, rejects otherwise. */
export interface SpillSink {
  put(records: readonly SpillRecord[]): Promise<void>;
}

/** Where a value too large for a spill record waits (the archive bucket's `spill/` prefix). */
export interface ClaimCheckStore {
  put(objectKey: string, value: Buffer): Promise<void>;
  /** The stored value, or undefined when no object has that key. */
  get(objectKey: string): Promise<Buffer | undefined>;
}
