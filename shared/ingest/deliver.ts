/**
 * Hands a parsed request to the delivery step (Kafka, else the spill stream; shared/delivery.ts) in
 * batches, and turns a failed delivery into the 503 that says exactly what was kept.
 *
 * What a 503 means: Kafka and the spill stream both failed for one batch of the request. Batches are
 * delivered in order and a batch is only handed over once the one before it is stored, so the first
 * `stored` events (0 when the first batch failed, which is the case for any request of up to 5,000
 * events and 4 MiB) are stored; the rest may or may not be (a timed-out write can still land). Event
 * ids are a pure function of (tenant, Idempotency-Key, position), so a retry of the same request with
 * the same Idempotency-Key re-creates the same ids: the process stage indexes by `_id`, so what was
 * already stored is overwritten, not doubled, and replay skips repeated ids. Without an
 * Idempotency-Key, ids are time-based and a retry after a partial 503 can index the first part twice.
 */
import { IngestError } from './errors.ts';
import type { IngestResult } from './parse.ts';

export interface OutRecord {
  topic: string;
  key: string;
  value: Buffer;
}

export interface BatchOptions {
  /** Records per batch: bounds memory for bodies of many tiny events, and keeps Kafka requests large. */
  maxRecords: number;
  maxBytes: number;
  /** Which rejections of `deliver` are "neither Kafka nor the spill took it" (others are rethrown as they are). */
  isDeliveryFailure: (err: unknown) => boolean;
}

export const DEFAULT_BATCHES: Omit<BatchOptions, 'isDeliveryFailure'> = { maxRecords: 5000, maxBytes: 4 * 1024 * 1024 };

export async function deliverInBatches<O>(
  result: IngestResult,
  topic: string,
  deliver: (batches: Iterable<readonly OutRecord[]>) => Promise<O>,
  options: Partial<BatchOptions> = {},
): Promise<O> {
  const { maxRecords, maxBytes } = { ...DEFAULT_BATCHES, ...options };
  // Records are built a batch at a time: a 6 MB body of tiny events is many records.
  const handed = countHanded(
    (function* (): Generator<OutRecord[]> {
      for (const batch of result.batches(maxRecords, maxBytes)) yield batch.map((r) => ({ topic, key: r.key, value: r.value }));
    })(),
  );
  try {
    return await deliver(handed.batches);
  } catch (err) {
    if (!(options.isDeliveryFailure ?? (() => true))(err)) throw err;
    throw notStored(handed.stored(), result.accepted, result.idempotencyKey !== undefined, err);
  }
}

/**
 * Passes `batches` through, counting: `stored()` is the number of records in the batches handed over
 * before the last one, i.e. those the delivery stored when it fails on the one it is at (it takes
 * the next batch only once the one before is stored).
 */
export function countHanded<B extends readonly unknown[]>(batches: Iterable<B>): { batches: Iterable<B>; stored(): number } {
  let before = 0;
  let current = 0;
  return {
    batches: (function* () {
      for (const b of batches) {
        before += current;
        current = b.length;
        yield b;
      }
    })(),
    stored: () => before,
  };
}

/** The 503: how many events were stored, and how to retry safely. */
export function notStored(stored: number, events: number, hadIdempotencyKey: boolean, cause?: unknown): IngestError {
  const what =
    stored === 0
      ? `none of its ${events} events is known to be stored`
      : `the first ${stored} of its ${events} events were stored, the rest may or may not be`;
  const retry = hadIdempotencyKey
    ? 'Retry the whole request with the same Idempotency-Key: stored events keep their ids and are indexed once.'
    : 'Retry the whole request; send an Idempotency-Key (a UUID per request, the same on its retries) so that events stored before a failure are indexed once.';
  return new IngestError(503, 'unavailable', `Sluice could not store this request in full (Kafka and the spill stream both failed): ${what}. ${retry} Retry after 5 s.`, {
    retryAfterSeconds: 5,
    reason: stored === 0 ? 'not_stored' : 'partly_stored',
    fields: { stored, events },
    ...(cause !== undefined ? { cause } : {}),
  });
}
