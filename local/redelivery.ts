/**
 * What the Kafka event source does with a batch the function fails on, as Lambda's MSK event source
 * mapping does in provisioned mode with the error-handling controls serverless.yml sets (values in
 * deploy/event-sources.json): pure, the invocation, the clock and the on-failure sink are given.
 *
 *  1. Records older than `maximumRecordAgeSeconds` are not sent again: they go to the on-failure
 *     sink (condition RecordAgeExceeded). -1 = no limit.
 *  2. The batch is invoked. Success (no error, no `batchItemFailures`): done.
 *  3. A partial batch response (`{ batchItemFailures: [{ itemIdentifier: { 'topic-partition': 't-0',
 *     offset: 12 } }] }`, honoured when `reportBatchItemFailures`): in each named partition, the
 *     records from the lowest failed offset on are retried; the rest succeeded. A malformed response
 *     fails the whole batch.
 *  4. A failed batch (or the failed part of it) is retried with backoff up to `maximumRetryAttempts`
 *     times; if it still fails, with `bisectBatchOnFunctionError` a batch of more than one record is
 *     split in two and each half goes back to step 1 with fresh attempts, so a poison pill ends up
 *     alone; a single record, or any batch without bisection, is given up: the on-failure sink gets it
 *     (condition RetryAttemptsExhausted) and the poller commits past it.
 *
 * Choice where Lambda's documentation is silent: splitting is not itself a retry (a poison pill in a
 * batch of n costs (retries + 1) x log2(n) failed invocations, and good records are never given up
 * because they shared a batch with it).
 */

export interface RedeliveryPolicy {
  /** Retries of a failing batch before it is split or given up (0-10000; -1 = for ever). */
  maximumRetryAttempts: number;
  /** Records older than this are given up without being sent (60-604800; -1 = no limit). */
  maximumRecordAgeSeconds: number;
  bisectBatchOnFunctionError: boolean;
  reportBatchItemFailures: boolean;
}

export interface RedeliveryRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Milliseconds since the epoch (the record's Kafka timestamp). */
  timestamp: number;
}

export type GiveUpCondition = 'RetryAttemptsExhausted' | 'RecordAgeExceeded';

export interface Redelivery<R extends RedeliveryRecord> {
  invoke(records: readonly R[]): Promise<unknown>;
  /** Keeps what is given up (where the deployed on-failure destination would); must be durable when it returns. */
  giveUp(records: readonly R[], condition: GiveUpCondition, error: string, attempts: number): Promise<void>;
  /** Wait before retry number `attempt` (1, 2, ...); rejects when the poller stops. */
  wait(attempt: number): Promise<void>;
  now(): number;
  log?(message: string): void;
}

export interface RedeliveryResult {
  invocations: number;
  givenUp: number;
}

export async function deliver<R extends RedeliveryRecord>(records: readonly R[], policy: RedeliveryPolicy, io: Redelivery<R>): Promise<RedeliveryResult> {
  const result: RedeliveryResult = { invocations: 0, givenUp: 0 };
  const queue: R[][] = records.length > 0 ? [[...records]] : [];
  while (queue.length > 0) {
    const batch = dropExpired(queue.shift()!, policy, io);
    const fresh = await batch.expired;
    result.givenUp += fresh;
    if (batch.live.length === 0) continue;
    const failed = await retryBatch(batch.live, policy, io, result);
    if (!failed) continue;
    if (policy.bisectBatchOnFunctionError && failed.records.length > 1) {
      const mid = Math.ceil(failed.records.length / 2);
      io.log?.(`batch of ${failed.records.length} still failing (${failed.error}); splitting it in two`);
      queue.unshift(failed.records.slice(0, mid), failed.records.slice(mid));
      continue;
    }
    await io.giveUp(failed.records, 'RetryAttemptsExhausted', failed.error, failed.attempts);
    result.givenUp += failed.records.length;
  }
  return result;
}

function dropExpired<R extends RedeliveryRecord>(batch: R[], policy: RedeliveryPolicy, io: Redelivery<R>): { live: R[]; expired: Promise<number> } {
  if (policy.maximumRecordAgeSeconds < 0) return { live: batch, expired: Promise.resolve(0) };
  const oldest = io.now() - policy.maximumRecordAgeSeconds * 1000;
  const old = batch.filter((r) => r.timestamp < oldest);
  if (old.length === 0) return { live: batch, expired: Promise.resolve(0) };
  const live = batch.filter((r) => r.timestamp >= oldest);
  return { live, expired: io.giveUp(old, 'RecordAgeExceeded', `older than ${policy.maximumRecordAgeSeconds} s`, 0).then(() => old.length) };
}

/** Invokes and retries; undefined when everything succeeded, else what still fails after the retries. */
async function retryBatch<R extends RedeliveryRecord>(
  records: R[],
  policy: RedeliveryPolicy,
  io: Redelivery<R>,
  result: RedeliveryResult,
): Promise<{ records: R[]; error: string; attempts: number } | undefined> {
  let pending = records;
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) await io.wait(attempt);
    result.invocations++;
    const outcome = await io.invoke(pending).then(
      (response) => failedPart(pending, response, policy),
      (err: unknown) => ({ records: pending, error: (err as Error)?.message ?? String(err) }),
    );
    if (!outcome) return undefined;
    pending = outcome.records;
    if (policy.maximumRetryAttempts >= 0 && attempt >= policy.maximumRetryAttempts) return { ...outcome, attempts: attempt + 1 };
    io.log?.(`batch of ${pending.length} failed (${outcome.error}); retry ${attempt + 1}`);
  }
}

/** The records a (partial batch) response says failed; undefined for a success. */
export function failedPart<R extends RedeliveryRecord>(records: R[], response: unknown, policy: Pick<RedeliveryPolicy, 'reportBatchItemFailures'>): { records: R[]; error: string } | undefined {
  if (!policy.reportBatchItemFailures || response === null || typeof response !== 'object' || !('batchItemFailures' in response)) return undefined;
  const list = (response as { batchItemFailures: unknown }).batchItemFailures;
  if (list === null || list === undefined || (Array.isArray(list) && list.length === 0)) return undefined;
  const bad = { records, error: `malformed batchItemFailures: ${JSON.stringify(list).slice(0, 200)}` };
  if (!Array.isArray(list)) return bad;
  const lowest = new Map<string, number>();
  for (const item of list) {
    const id = (item as { itemIdentifier?: { 'topic-partition'?: unknown; offset?: unknown } } | null)?.itemIdentifier;
    const tp = id?.['topic-partition'];
    const offset = Number(id?.offset);
    if (typeof tp !== 'string' || tp === '' || !Number.isInteger(offset)) return bad;
    lowest.set(tp, Math.min(lowest.get(tp) ?? offset, offset));
  }
  const failed = records.filter((r) => {
    const from = lowest.get(`${r.topic}-${r.partition}`);
    return from !== undefined && r.offset >= from;
  });
  // Every named record must be in the batch; else the response is about another batch.
  if (failed.length === 0) return bad;
  return { records: failed, error: `the function reported ${list.length} failed record(s)` };
}
