/**
 * The local Kafka poller against the real local Kafka, with a handler that fails on one record: the
 * other records are delivered, the poison pill ends in the on-failure directory as Lambda's
 * invocation record, the group commits past it, and `sluice failed redrive` puts it back on the topic
 * with its key, value and headers.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { MSKEvent } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureTopics, produce } from '../../shared/adapters/kafka.ts';
import { TopicReader } from '../../shared/adapters/kafka-consumer.ts';
import { closeAll } from '../../shared/adapters/lifecycle.ts';
import { decodeMskEvent } from '../../shared/msk.ts';
import { startKafkaPoller } from '../../local/pollers.ts';
import { listFailedBatches, readFailedBatch } from '../../local/failed-batches.ts';
import { PROCESS_REDELIVERY } from '../../local/pipeline.ts';
import { failedCommand } from '../../cli/failed.ts';
import { readTopic } from '../support/kafka.ts';

const run = randomUUID().slice(0, 8);
const topic = `test.pollers.${run}`;
const dir = mkdtempSync(join(tmpdir(), 'sluice-failed-'));

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await closeAll();
});

const until = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  return cond();
};

describe('local Kafka poller, a poison pill', () => {
  it('delivers the rest, keeps the pill as an on-failure record, commits past it; redrive puts it back', async () => {
    await ensureTopics([{ name: topic, partitions: 2, replicas: 1 }]);
    const values = Array.from({ length: 40 }, (_, i) => `event ${i}${i === 17 ? ' POISON' : ''}`);
    await produce(values.map((v, i) => ({ topic, key: `k${i % 2}`, value: Buffer.from(v), headers: { 'x-n': Buffer.from(String(i)) } })));

    const delivered = new Set<string>();
    let invocations = 0;
    const handler = async (event: MSKEvent) => {
      invocations++;
      const msgs = decodeMskEvent(event);
      if (msgs.some((m) => m.valueText().includes('POISON'))) throw new Error('classifier blew up');
      for (const m of msgs) delivered.add(m.valueText());
    };
    const group = `test-pollers-${run}`;
    const poller = startKafkaPoller({
      name: 'process', topic, groupId: group, batchSize: 100, windowMs: 0, handler, log: () => undefined,
      maxBackoffMs: 50, redelivery: { ...PROCESS_REDELIVERY, maximumRetryAttempts: 1 }, failedDir: dir,
    });
    try {
      expect(await until(() => delivered.size === 39 && listFailedBatches(dir).length === 1, 60_000)).toBe(true);
    } finally {
      await poller.stop();
    }
    expect(delivered.has('event 17 POISON')).toBe(false);
    const [file] = listFailedBatches(dir);
    const batch = readFailedBatch(file!);
    expect(batch.requestContext.condition).toBe('RetryAttemptsExhausted');
    expect(batch.requestContext.approximateInvokeCount).toBe(2);
    expect(batch.errorMessage).toBe('classifier blew up');
    const [pill] = decodeMskEvent(batch.payload);
    expect(batch.KafkaBatchInfo.batchSize).toBe(1);
    expect(pill!.valueText()).toBe('event 17 POISON');
    expect(pill!.headers['x-n']!.toString()).toBe('17');
    expect(invocations).toBeLessThan(40);

    // The group is past every record, the pill included.
    const reader = new TopicReader({ topic, groupId: group });
    try {
      for (const p of await reader.positions()) expect(p.start).toBe(p.latest);
    } finally {
      await reader.close();
    }

    const out = new PassThrough();
    const err = new PassThrough();
    expect(await failedCommand(['redrive', '--dir', dir], { stdin: new PassThrough(), stdout: out, stderr: err })).toBe(0);
    expect(listFailedBatches(dir)).toEqual([]);
    const again = await readTopic(topic, (rs) => rs.length >= 41, 30_000);
    const back = again.filter((r) => r.value.toString() === 'event 17 POISON');
    expect(back).toHaveLength(2);
    expect(back[1]!.key?.toString()).toBe('k1');
    expect(back[1]!.headers['x-n']!.toString()).toBe('17');
  }, 120_000);
});

describe('local Kafka poller, concurrency', () => {
  it('invokes the partitions concurrently, one invocation per partition at a time, each in offset order', async () => {
    const t = `${topic}.conc`;
    await ensureTopics([{ name: t, partitions: 3, replicas: 1 }]);
    await produce(Array.from({ length: 90 }, (_, i) => ({ topic: t, key: `key-${i}`, value: Buffer.from(`e${i}`) })));
    const seen = new Map<number, number[]>();
    const active = new Map<number, number>();
    let now = 0;
    let most = 0;
    let overlapInPartition = false;
    const handler = async (event: MSKEvent) => {
      const msgs = decodeMskEvent(event);
      const parts = new Set(msgs.map((m) => m.partition));
      for (const p of parts) {
        if ((active.get(p) ?? 0) > 0) overlapInPartition = true;
        active.set(p, (active.get(p) ?? 0) + 1);
      }
      most = Math.max(most, ++now);
      await new Promise((r) => setTimeout(r, 300)); // slow enough for the other partitions to be picked up meanwhile
      for (const m of msgs) seen.set(m.partition, [...(seen.get(m.partition) ?? []), m.offset]);
      for (const p of parts) active.set(p, active.get(p)! - 1);
      now--;
    };
    const poller = startKafkaPoller({ name: 'process', topic: t, groupId: `test-pollers-conc-${run}`, batchSize: 10, windowMs: 0, handler, log: () => undefined });
    try {
      expect(await until(() => [...seen.values()].reduce((n, o) => n + o.length, 0) >= 90, 60_000)).toBe(true);
    } finally {
      await poller.stop();
    }
    expect(seen.size).toBeGreaterThan(1); // the keys spread over the partitions
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(3);
    expect(overlapInPartition).toBe(false);
    for (const offsets of seen.values()) expect(offsets).toEqual(offsets.map((_, i) => i)); // each once, in order
  }, 90_000);
});
