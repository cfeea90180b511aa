import { describe, expect, it } from 'vitest';
import { deliverInBatches, type OutRecord } from '../../../shared/ingest/deliver.ts';
import { IngestError, parseIngest } from '../../../shared/ingest/index.ts';
import { CTX, req } from './helpers.ts';

class Failure extends Error {}

/** A delivery double: stores batches in order, and fails (as "neither Kafka nor the spill") on batch `failAt`. */
function store(failAt: number) {
  const stored: OutRecord[] = [];
  let n = 0;
  const deliver = async (batches: Iterable<readonly OutRecord[]>): Promise<number> => {
    for (const b of batches) {
      if (n++ === failAt) throw new Failure('both down');
      stored.push(...b);
    }
    return stored.length;
  };
  return { stored, deliver };
}

const body = Array.from({ length: 12 }, (_, i) => `event ${i}`).join('\n');
const parse = (key?: string) => parseIngest(req(body, { 'content-type': 'text/plain', ...(key ? { 'idempotency-key': key } : {}) }), CTX);
const idOf = (r: OutRecord) => (JSON.parse(r.value.toString()) as { id: string }).id;

async function failureOf(p: Promise<unknown>): Promise<IngestError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof IngestError) return e;
    throw e;
  }
  throw new Error('did not fail');
}

describe('deliverInBatches: what a 503 means', () => {
  it('a later batch reaching neither Kafka nor the spill: 503 naming how many events were stored (the first ones), and a retry with the same Idempotency-Key re-creates their ids', async () => {
    const first = store(2);
    const e = await failureOf(deliverInBatches(parse('k-1'), 'raw', first.deliver, { maxRecords: 5, isDeliveryFailure: (x) => x instanceof Failure }));
    expect(e.status).toBe(503);
    expect(e.headers['retry-after']).toBe('5');
    expect(e.toBody()).toMatchObject({ error: 'unavailable', reason: 'partly_stored', stored: 10, events: 12 });
    expect(e.message).toMatch(/the first 10 of its 12 events were stored.*same Idempotency-Key/);
    expect(first.stored.map((r) => r.value.toString()).map((v) => JSON.parse(v).raw)).toEqual(Array.from({ length: 10 }, (_, i) => `event ${i}`));

    // The retry (everything works now): the same 12 ids, so the 10 already stored are the same events.
    const retry = store(-1);
    await deliverInBatches(parse('k-1'), 'raw', retry.deliver, { maxRecords: 5 });
    expect(retry.stored.slice(0, 10).map(idOf)).toEqual(first.stored.map(idOf));
    expect(new Set(retry.stored.map(idOf)).size).toBe(12);
  });

  it('the first batch failing: 503 not_stored, stored 0; without a key the message says to send one', async () => {
    const s = store(0);
    const e = await failureOf(deliverInBatches(parse(), 'raw', s.deliver, { maxRecords: 5 }));
    expect(e.toBody()).toMatchObject({ reason: 'not_stored', stored: 0, events: 12 });
    expect(e.message).toMatch(/none of its 12 events is known to be stored.*send an Idempotency-Key/);
    // Without a key, a retry gets new ids: that is why the message asks for one.
    const a = store(-1);
    const b = store(-1);
    await deliverInBatches(parse(), 'raw', a.deliver);
    await deliverInBatches(parse(), 'raw', b.deliver);
    expect(a.stored.map(idOf)).not.toEqual(b.stored.map(idOf));
  });

  it('other errors are not turned into a 503', async () => {
    const boom = async (): Promise<never> => {
      throw new TypeError('a bug');
    };
    await expect(deliverInBatches(parse(), 'raw', boom, { isDeliveryFailure: (x) => x instanceof Failure })).rejects.toThrow(TypeError);
  });

  it('hands batches over one at a time, each as records of the topic', async () => {
    const s = store(-1);
    const n = await deliverInBatches(parse(), 'logs.raw', s.deliver, { maxRecords: 5 });
    expect(n).toBe(12);
    expect(s.stored.every((r) => r.topic === 'logs.raw' && r.key === 'acme')).toBe(true);
  });
});
