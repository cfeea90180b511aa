/** Test helper: read a topic of the real local Kafka from the beginning until a condition holds. */
import { randomUUID } from 'node:crypto';
import { Consumer } from '@platformatic/kafka';
import { clientOptions } from '../../shared/adapters/kafka.ts';
import type { MessageInput } from '../../shared/msk.ts';

/** A consumed record, in the shape `toMskEvent` takes (so tests can replay it as a Lambda batch). */
export interface ConsumedRecord extends MessageInput {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer;
  headers: Record<string, Buffer>;
}

/**
 * Collects the topic's records (from the earliest offset, in a throw-away consumer group) until
 * `done(records)` is true or `timeoutMs` passes, and returns what it collected.
 */
export async function readTopic(
  topic: string,
  done: (records: ConsumedRecord[]) => boolean,
  timeoutMs = 30_000,
  /** Another cluster than the configured one (the regions test's second cluster). */
  brokers?: string[],
): Promise<ConsumedRecord[]> {
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    ...clientOptions('sluice-test-reader'),
    ...(brokers ? { bootstrapBrokers: brokers } : {}),
    groupId: `sluice-test-${randomUUID()}`,
    maxWaitTime: 200,
  });
  const records: ConsumedRecord[] = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false });
    const deadline = setTimeout(() => void stream.close(), timeoutMs);
    try {
      if (done(records)) return records;
      for await (const m of stream) {
        const headers: Record<string, Buffer> = {};
        for (const [k, v] of m.headers) if (k) headers[k.toString('utf8')] = v ?? Buffer.alloc(0);
        records.push({
          topic: m.topic,
          partition: m.partition,
          offset: Number(m.offset),
          timestamp: Number(m.timestamp),
          key: m.key ?? null,
          value: m.value ?? Buffer.alloc(0),
          headers,
        });
        if (done(records)) break;
      }
    } finally {
      clearTimeout(deadline);
      await stream.close().catch(() => undefined);
    }
  } finally {
    await consumer.close(true).catch(() => undefined);
  }
  return records;
}
