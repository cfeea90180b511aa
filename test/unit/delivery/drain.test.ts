import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { republish, type DrainPorts } from '../../../shared/delivery/drain.ts';
import { claimCheckKey, claimCheckSpill, inlineSpill } from '../../../shared/delivery/framing.ts';
import type { KafkaRecord } from '../../../shared/delivery/ports.ts';

function doubles(objects = new Map<string, Buffer>(), kafkaFails?: Error) {
  const sent: KafkaRecord[][] = [];
  const warnings: Array<{ message: string; data: Record<string, unknown> }> = [];
  const reads: string[] = [];
  const ports: DrainPorts = {
    kafka: {
      send: async (records) => {
        if (kafkaFails) throw kafkaFails;
        sent.push([...records]);
      },
    },
    claimChecks: {
      get: async (k) => {
        reads.push(k);
        return objects.get(k);
      },
    },
    warn: (message, data) => warnings.push({ message, data }),
  };
  return { ports, sent, warnings, reads, objects };
}

const small = (i: number): KafkaRecord => ({ topic: 'logs.raw', key: `t#${i}`, value: Buffer.from(`{"id":"e${i}"}`) });
const big: KafkaRecord = { topic: 'logs.raw', key: 'big', value: Buffer.alloc(1_100_000, 66) };

describe('drain', () => {
  it('republishes inline and claim-checked records in one Kafka call, byte for byte', async () => {
    const d = doubles(new Map([[claimCheckKey(big.value), big.value]]));
    const spilled = [inlineSpill(small(1))!.data, claimCheckSpill(big, claimCheckKey(big.value)).data, inlineSpill(small(2))!.data];
    const out = await republish(spilled, d.ports);
    expect(out).toEqual({ republished: 3, missingClaimChecks: 0, unreadable: 0 });
    expect(d.sent).toEqual([[small(1), big, small(2)]]);
  });

  it('is idempotent under redelivery: the same batch twice republishes the same records twice and keeps the claim check', async () => {
    const d = doubles(new Map([[claimCheckKey(big.value), big.value]]));
    const spilled = [claimCheckSpill(big, claimCheckKey(big.value)).data, inlineSpill(small(1))!.data];
    const first = await republish(spilled, d.ports);
    const second = await republish(spilled, d.ports);
    expect(second).toEqual(first);
    expect(d.sent[1]).toEqual(d.sent[0]);
    expect(d.objects.has(claimCheckKey(big.value))).toBe(true);
    expect(d.warnings).toHaveLength(0);
  });

  it('skips a record whose claim check is gone, with a warning naming it, and republishes the rest', async () => {
    const d = doubles();
    const key = claimCheckKey(big.value);
    const out = await republish([inlineSpill(small(1))!.data, claimCheckSpill(big, key).data], d.ports);
    expect(out).toEqual({ republished: 1, missingClaimChecks: 1, unreadable: 0 });
    expect(d.sent).toEqual([[small(1)]]);
    expect(d.warnings[0]?.data).toMatchObject({ objectKey: key, topic: 'logs.raw', key: 'big', index: 1 });
  });

  it('skips a record that is not a spill record, with a warning, and republishes the rest', async () => {
    const d = doubles();
    const out = await republish([Buffer.from('hello'), inlineSpill(small(3))!.data], d.ports);
    expect(out).toEqual({ republished: 1, missingClaimChecks: 0, unreadable: 1 });
    expect(d.warnings[0]?.data).toMatchObject({ index: 0, head: 'hello' });
  });

  it('fails the batch when Kafka does not acknowledge, so that the event source retries it', async () => {
    const d = doubles(new Map(), new Error('Kafka did not acknowledge 1 records within 30000 ms'));
    await expect(republish([inlineSpill(small(1))!.data], d.ports)).rejects.toThrow(/did not acknowledge/);
  });

  it('fails the batch when the claim-check store errs (other than a missing object), so that it is retried', async () => {
    const d = doubles();
    d.ports.claimChecks.get = async () => {
      throw new Error('SlowDown');
    };
    await expect(republish([claimCheckSpill(big, claimCheckKey(big.value)).data], d.ports)).rejects.toThrow('SlowDown');
    expect(d.sent).toHaveLength(0);
  });
});

describe('claim checks outlive every record that points at them (serverless.yml)', () => {
  const yml = readFileSync(join(import.meta.dirname, '..', '..', '..', 'serverless.yml'), 'utf8');

  it('expires spill/ objects later than the spill stream drops records', () => {
    const rule = /- Id: spill-claim-checks\s+Status: Enabled\s+Prefix: spill\/\s+ExpirationInDays: (\d+)/.exec(yml);
    const retention = /SpillStream:\s+Type: AWS::Kinesis::Stream\s+Properties:[\s\S]*?RetentionPeriodHours: (\d+)/.exec(yml);
    expect(rule, 'the spill-claim-checks lifecycle rule').not.toBeNull();
    expect(retention, 'the SpillStream retention').not.toBeNull();
    // A day of margin at least beyond the last possible delivery of a record.
    expect(Number(rule![1]) * 24).toBeGreaterThan(Number(retention![1]) + 24);
  });

  it('lets drain read claim checks but not delete them', () => {
    const drainRole = /DrainRole:[\s\S]*?(?=\n {4}\w+Role:)/.exec(yml)?.[0] ?? '';
    expect(drainRole).toContain("Action: [s3:GetObject]");
    expect(drainRole).not.toContain('s3:DeleteObject');
  });
});
