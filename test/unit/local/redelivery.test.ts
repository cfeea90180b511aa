/**
 * The local Kafka poller's error handling (local/redelivery.ts), driven by an in-memory handler that
 * fails on one record: bounded retries, bisection down to the failing record, an on-failure copy of
 * exactly what is given up, partial batch responses honoured, and records past their age given up.
 */
import { describe, expect, it } from 'vitest';
import { deliver, failedPart, type GiveUpCondition, type RedeliveryPolicy, type RedeliveryRecord } from '../../../local/redelivery.ts';

interface Rec extends RedeliveryRecord {
  id: string;
}

const NOW = 1_700_000_000_000;
const batch = (n: number, partitions = 1): Rec[] =>
  Array.from({ length: n }, (_, i) => ({ topic: 'logs.raw', partition: i % partitions, offset: Math.floor(i / partitions), timestamp: NOW - 1000, id: `r${i}` }));

const POLICY: RedeliveryPolicy = { maximumRetryAttempts: 2, maximumRecordAgeSeconds: 604_800, bisectBatchOnFunctionError: true, reportBatchItemFailures: true };

function harness(handle: (records: readonly Rec[], delivered: Set<string>) => unknown) {
  const delivered = new Set<string>();
  const invocations: number[] = [];
  const givenUp: Array<{ ids: string[]; condition: GiveUpCondition; attempts: number; error: string }> = [];
  const waits: number[] = [];
  const io = {
    invoke: async (records: readonly Rec[]) => {
      invocations.push(records.length);
      return handle(records, delivered);
    },
    giveUp: async (records: readonly Rec[], condition: GiveUpCondition, error: string, attempts: number) => {
      givenUp.push({ ids: records.map((r) => r.id), condition, attempts, error });
    },
    wait: async (attempt: number) => void waits.push(attempt),
    now: () => NOW,
  };
  return { io, delivered, invocations, givenUp, waits };
}

/** A handler that fails the whole batch when it holds the poison record, else "indexes" everything. */
const poisonAt = (poison: string) => (records: readonly Rec[], delivered: Set<string>) => {
  if (records.some((r) => r.id === poison)) throw new Error(`cannot classify ${poison}`);
  for (const r of records) delivered.add(r.id);
  return { records: records.length };
};

describe('a batch with one poison record', () => {
  it.each([1, 2, 7, 64, 1000, 10_000])('of %i: everything else is delivered, the poison alone is given up after the retries', async (n) => {
    const poison = `r${Math.floor(n / 3)}`;
    const t = harness(poisonAt(poison));
    const r = await deliver(batch(n), POLICY, t.io);
    expect(t.delivered.size).toBe(n - 1);
    expect(t.delivered.has(poison)).toBe(false);
    expect(t.givenUp).toEqual([{ ids: [poison], condition: 'RetryAttemptsExhausted', attempts: 3, error: `cannot classify ${poison}` }]);
    expect(r.givenUp).toBe(1);
    // (retries + 1) failed invocations per level of bisection, one success per good half.
    const levels = Math.ceil(Math.log2(n));
    expect(r.invocations).toBeLessThanOrEqual((POLICY.maximumRetryAttempts + 1) * (levels + 1) + levels);
  });

  it('without bisection the whole batch is given up after the retries, with its retry waits', async () => {
    const t = harness(poisonAt('r3'));
    await deliver(batch(10), { ...POLICY, bisectBatchOnFunctionError: false }, t.io);
    expect(t.invocations).toEqual([10, 10, 10]);
    expect(t.waits).toEqual([1, 2]);
    expect(t.givenUp.map((g) => g.ids.length)).toEqual([10]);
  });

  it('a transient failure is retried and nothing is given up', async () => {
    let calls = 0;
    const t = harness((rs) => {
      if (++calls <= 2) throw new Error('OpenSearch unavailable');
      for (const r of rs) t.delivered.add(r.id);
    });
    await deliver(batch(50), POLICY, t.io);
    expect(t.delivered.size).toBe(50);
    expect(t.invocations).toEqual([50, 50, 50]);
    expect(t.givenUp).toEqual([]);
  });

  it('maximumRetryAttempts -1 retries for ever (until the handler recovers)', async () => {
    let calls = 0;
    const t = harness((rs) => {
      if (++calls <= 20) throw new Error('down');
      for (const r of rs) t.delivered.add(r.id);
    });
    await deliver(batch(4), { ...POLICY, maximumRetryAttempts: -1 }, t.io);
    expect(t.invocations).toHaveLength(21);
    expect(t.delivered.size).toBe(4);
  });
});

describe('partial batch responses', () => {
  it('only the records from the lowest failed offset of each named partition are retried', async () => {
    const seen: string[][] = [];
    let first = true;
    const t = harness((rs) => {
      seen.push(rs.map((r) => r.id));
      if (first) {
        first = false;
        // 3 partitions, 4 offsets each; partition 1 failed at offset 2.
        return { batchItemFailures: [{ itemIdentifier: { 'topic-partition': 'logs.raw-1', offset: 2 } }] };
      }
      return { batchItemFailures: [] };
    });
    await deliver(batch(12, 3), POLICY, t.io);
    expect(seen[1]).toEqual(batch(12, 3).filter((r) => r.partition === 1 && r.offset >= 2).map((r) => r.id));
    expect(t.givenUp).toEqual([]);
  });

  it('a record reported failing every time is bisected out and given up alone', async () => {
    const t = harness((rs) => {
      const bad = rs.find((r) => r.id === 'r5');
      return bad ? { batchItemFailures: [{ itemIdentifier: { 'topic-partition': `${bad.topic}-${bad.partition}`, offset: bad.offset } }] } : {};
    });
    await deliver(batch(10), POLICY, t.io);
    // r5 fails and everything after it in its partition is retried with it, then split down to r5.
    expect(t.givenUp.map((g) => g.ids)).toEqual([['r5']]);
  });

  it('is ignored unless reportBatchItemFailures is on; a malformed one fails the batch', () => {
    const rs = batch(3);
    const response = { batchItemFailures: [{ itemIdentifier: { 'topic-partition': 'logs.raw-0', offset: 1 } }] };
    expect(failedPart(rs, response, { reportBatchItemFailures: false })).toBeUndefined();
    expect(failedPart(rs, response, { reportBatchItemFailures: true })?.records.map((r) => r.id)).toEqual(['r1', 'r2']);
    expect(failedPart(rs, { batchItemFailures: [{ itemIdentifier: 'r1' }] }, { reportBatchItemFailures: true })?.records).toHaveLength(3);
    expect(failedPart(rs, { batchItemFailures: [{ itemIdentifier: { 'topic-partition': 'other-0', offset: 1 } }] }, { reportBatchItemFailures: true })?.records).toHaveLength(3);
    expect(failedPart(rs, { batchItemFailures: null }, { reportBatchItemFailures: true })).toBeUndefined();
    expect(failedPart(rs, { indexed: 3 }, { reportBatchItemFailures: true })).toBeUndefined();
  });
});

describe('maximum record age', () => {
  it('records older than the age are given up without being sent; the rest are delivered', async () => {
    const rs = batch(6).map((r, i) => (i % 2 ? { ...r, timestamp: NOW - 120_000 } : r));
    const t = harness((x) => x.forEach((r) => t.delivered.add(r.id)));
    await deliver(rs, { ...POLICY, maximumRecordAgeSeconds: 60 }, t.io);
    expect([...t.delivered].sort()).toEqual(['r0', 'r2', 'r4']);
    expect(t.givenUp).toEqual([{ ids: ['r1', 'r3', 'r5'], condition: 'RecordAgeExceeded', attempts: 0, error: 'older than 60 s' }]);
  });
});
