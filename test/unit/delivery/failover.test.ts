import { describe, expect, it } from 'vitest';
import { deliver, DeliveryFailedError, type DeliveryPorts } from '../../../shared/delivery/failover.ts';
import { claimCheckKey, MAX_INLINE_SPILL_BYTES, parseSpill } from '../../../shared/delivery/framing.ts';
import type { ClaimCheckStore, KafkaRecord, SpillRecord } from '../../../shared/delivery/ports.ts';

/** In-memory doubles: a Kafka that fails from a given call on, a spill stream, a claim-check store. */
function doubles(opts: { kafkaFailsFrom?: number; kafkaError?: Error; spillFails?: Error; claimCheckFails?: Error } = {}) {
  const kafka: KafkaRecord[][] = [];
  const spill: SpillRecord[][] = [];
  const objects = new Map<string, Buffer>();
  let kafkaCalls = 0;
  const claimChecks: ClaimCheckStore = {
    put: async (k, v) => {
      if (opts.claimCheckFails) throw opts.claimCheckFails;
      objects.set(k, v);
    },
    get: async (k) => objects.get(k),
  };
  const ports: DeliveryPorts = {
    kafka: {
      send: async (records) => {
        kafkaCalls++;
        if (opts.kafkaFailsFrom !== undefined && kafkaCalls >= opts.kafkaFailsFrom) {
          throw opts.kafkaError ?? new Error('Kafka did not acknowledge 2 records within 3000 ms');
        }
        kafka.push([...records]);
      },
    },
    spill: {
      put: async (records) => {
        if (opts.spillFails) throw opts.spillFails;
        spill.push([...records]);
      },
    },
    claimChecks,
  };
  return { ports, kafka, spill, objects, kafkaCalls: () => kafkaCalls };
}

const rec = (i: number, bytes = 20): KafkaRecord => ({ topic: 'logs.raw', key: `t${i % 2}`, value: Buffer.alloc(bytes, 97 + (i % 26)) });
const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => rec(from + i));

describe('deliver: Kafka first, the spill stream second', () => {
  it('sends every batch to Kafka while it acknowledges, and spills nothing', async () => {
    const d = doubles();
    const out = await deliver([batch(0, 3), batch(3, 2)], d.ports);
    expect(out).toEqual({ to: 'kafka', spilled: 0, claimChecked: 0 });
    expect(d.kafka.map((b) => b.length)).toEqual([3, 2]);
    expect(d.spill).toHaveLength(0);
  });

  it('spills the batch Kafka refuses and every later one, without asking Kafka again', async () => {
    const d = doubles({ kafkaFailsFrom: 2 });
    const batches = [batch(0, 2), batch(2, 3), batch(5, 4)];
    const out = await deliver(batches, d.ports);
    expect(out.to).toBe('both');
    expect(out.spilled).toBe(7);
    expect(out.kafkaError).toMatch(/did not acknowledge/);
    expect(d.kafkaCalls()).toBe(2);
    expect(d.kafka).toEqual([batches[0]]);
    // Each spilled record reads back as the very record that Kafka refused, in order.
    const back = d.spill.flat().map((s) => parseSpill(s.data));
    expect(back.map((p) => (p.kind === 'inline' ? p.record : undefined))).toEqual([...batches[1]!, ...batches[2]!]);
    expect(d.spill.flat().map((s) => s.partitionKey)).toEqual([...batches[1]!, ...batches[2]!].map((r) => r.key));
  });

  it('reports "spill" when Kafka took nothing', async () => {
    const d = doubles({ kafkaFailsFrom: 1 });
    const out = await deliver([batch(0, 2)], d.ports);
    expect(out).toMatchObject({ to: 'spill', spilled: 2 });
  });

  it('claim-checks a value too large for a Kinesis record, and spills a pointer to it', async () => {
    const d = doubles({ kafkaFailsFrom: 1 });
    const big = { topic: 'logs.raw', key: 'tenant-a', value: Buffer.alloc(MAX_INLINE_SPILL_BYTES, 120) };
    const out = await deliver([[rec(0), big]], d.ports);
    expect(out).toMatchObject({ to: 'spill', spilled: 2, claimChecked: 1 });
    const pointer = parseSpill(d.spill[0]![1]!.data);
    expect(pointer).toEqual({ kind: 'claimCheck', topic: 'logs.raw', key: 'tenant-a', objectKey: claimCheckKey(big.value) });
    expect(d.objects.get(claimCheckKey(big.value))?.equals(big.value)).toBe(true);
    expect(d.spill[0]![1]!.data.byteLength).toBeLessThan(200);
  });

  it('rejects with both causes when the spill stream fails too; batches already in Kafka stay there', async () => {
    const d = doubles({ kafkaFailsFrom: 2, kafkaError: new Error('Kafka refused the records: broker gone'), spillFails: new Error('stream throttled') });
    const err = await deliver([batch(0, 1), batch(1, 1)], d.ports).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryFailedError);
    expect((err as Error).message).toContain('broker gone');
    expect((err as Error).message).toContain('stream throttled');
    expect(d.kafka).toHaveLength(1);
  });

  it('rejects, and spills no dangling pointer, when the claim check cannot be stored', async () => {
    const d = doubles({ kafkaFailsFrom: 1, claimCheckFails: new Error('AccessDenied') });
    const big = { topic: 'logs.raw', key: 'k', value: Buffer.alloc(MAX_INLINE_SPILL_BYTES + 1) };
    await expect(deliver([[big]], d.ports)).rejects.toThrow(/AccessDenied/);
    expect(d.spill).toHaveLength(0);
  });

  it('stops at the first batch that reaches neither, leaving later batches unsent', async () => {
    const d = doubles({ kafkaFailsFrom: 1, spillFails: new Error('down') });
    let pulled = 0;
    function* lazy() {
      for (let i = 0; i < 3; i++) {
        pulled++;
        yield batch(i, 1);
      }
    }
    await expect(deliver(lazy(), d.ports)).rejects.toBeInstanceOf(DeliveryFailedError);
    expect(pulled).toBe(1);
  });
});
