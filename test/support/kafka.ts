/** Test helper: read a topic of the real local Kafka from the beginning until a condition holds. */
import { randomUUID } from 'node:crypto';
import { Consumer } from '@platformatic/kafka';
import { clientOptions } from '../../shared/adapters/kafka.ts';

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: bigint;
  key: string;
  value: Buffer;
}

/**
 * Collects the topic's records (from the earliest offset, in a throw-away consumer group) until
 * `done(records)` is true or `timeoutMs` passes, and returns what it collected.
 */
export async function readTopic(
  topic: string,
  done: (records: ConsumedRecord[]) => boolean,
  timeoutMs = 30_000,
): Promise<ConsumedRecord[]> {
  const consumer = new Consumer<Buffer, Buffer, Buffer, Buffer>({
    ...clientOptions('sluice-test-reader'),
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
        records.push({
          topic: m.topic,
          partition: m.partition,
          offset: m.offset,
          key: m.key ? m.key.toString('utf8') : '',
          value: m.value ?? Buffer.alloc(0),
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
