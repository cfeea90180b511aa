/**
 * One batch in flight: its deadlines, its items, its tally, summary and the records it will
 * produce, and the two ways an item leaves the indexing path (`toDlq`, `toDeferred`). Each step of
 * the stage (./stage.ts) takes the batch and adds to it.
 */
import type { MSKEvent } from 'aws-lambda';
import { decodeMskEvent, type MskMessage } from '../msk.ts';
import type { RawEnvelope } from '../envelope/types.ts';
import type { Plan } from '../tenants/plans.ts';
import { notBefore, type DeferMeta } from '../budget/defer.ts';
import { SummaryBuilder, type Stage, type SummarySlot } from '../summary/summary.ts';
import { deferRecord, dlqRecord, REPLAY_HEADERS, type DeferReason, type DlqKind, type OutRecord } from './records.ts';
import { Tally } from './tally.ts';
import type { StageDeps } from './ports.ts';

export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

export const enum Verdict {
  Index,
  Deferred,
  ArchiveOnly,
}

export interface Item {
  msg: MskMessage;
  /** The envelope's tenant (kept when the envelope is released). */
  tenant: string;
  /**
   * The envelope, until the event is in its bulk body: then released (undefined), so that the batch
   * does not hold every envelope, raw text included, until its end (the young generation's copies
   * and the promotions of a 10,000-event batch were most of the stage's GC time).
   */
  env: RawEnvelope | undefined;
  bytes: number;
  meta: DeferMeta;
  /** What the budget decided. */
  verdict: Verdict;
  plan: Plan | undefined;
  slot: SummarySlot | undefined;
  /** Replayed from the archive (`HEADER_REPLAY`): indexed, not counted or charged again. */
  replay: boolean;
  /** Set by the budget step for a deferred item: why, and when the budget expects room again. */
  defer: { reason: DeferReason | undefined; retryAt: number | undefined } | undefined;
}

export interface Batch {
  stage: Stage;
  deps: StageDeps;
  msgs: MskMessage[];
  summary: SummaryBuilder;
  tally: Tally;
  /** Records for the DLQ (produced last, with the summaries). */
  dlq: OutRecord[];
  /** Deferred and parked records (produced as soon as the budget step is done). */
  deferred: OutRecord[];
  /** Everything produced by then. */
  hardDeadline: number;
  /** Indexing (and its retries) done by then: the rest of the time is for the DLQ and summaries. */
  indexDeadline: number;
  /** Classification stops by then: what is left is deferred, so that indexing can finish in time. */
  classifyDeadline: number;
}

/** Time kept back from the deadline for the DLQ and summary writes after indexing. */
function reserveMs(total: number): number {
  return Math.min(10_000, Math.max(500, total * 0.15));
}

export function openBatch(event: MSKEvent, context: RemainingTime, deps: StageDeps, stage: Stage): Batch {
  const start = deps.now();
  const total = Math.max(0, context.getRemainingTimeInMillis());
  const indexDeadline = start + total - reserveMs(total);
  const msgs = decodeMskEvent(event);
  return {
    stage, deps, msgs, summary: new SummaryBuilder(stage), tally: new Tally(stage, msgs.length), dlq: [], deferred: [],
    hardDeadline: start + total - Math.min(2_000, total * 0.05),
    indexDeadline,
    // Half of the indexing time for classification: the bulk requests in flight and their retries get the rest.
    classifyDeadline: start + (indexDeadline - start) / 2,
  };
}

/** Sends the record to the DLQ with the error, and tallies it. */
export function toDlq(b: Batch, m: MskMessage, kind: DlqKind, error: string, tenant: string | undefined, slot: SummarySlot | undefined): void {
  b.dlq.push(dlqRecord(b.deps.topics.dlq, m, b.stage, kind, error, tenant));
  b.tally.record(tenant, 'dlq', slot);
}

/**
 * Defers the item to `logs.deferred` (its original bytes; attempts raised, not before
 * `notBefore(now, attempts, retryAt)`, or `now` when `dueNow`), and marks it deferred.
 */
export function toDeferred(b: Batch, it: Item, reason: DeferReason | undefined, retryAt: number | undefined, dueNow = false): void {
  const now = b.deps.now();
  const attempts = it.meta.attempts + 1;
  const meta = { attempts, notBefore: dueNow ? now : notBefore(now, attempts, retryAt, b.deps.random) };
  it.verdict = Verdict.Deferred;
  const r = deferRecord(b.deps.topics.deferred, it.msg, it.tenant, meta, reason);
  // A replayed event stays one (not charged or counted when the deferred stage indexes it).
  if (it.replay) r.headers = { ...r.headers, ...REPLAY_HEADERS };
  b.deferred.push(r);
}

/** A promise that never rejects: its error, if any, for later. */
export function settle(p: Promise<unknown>): Promise<{ error: unknown } | undefined> {
  return p.then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
}

/** Produces the records (if any) within the time left; resolves with the error, if any. */
export function produceSoon(b: Batch, records: OutRecord[]): Promise<{ error: unknown } | undefined> {
  if (records.length === 0) return Promise.resolve(undefined);
  return settle(b.deps.kafka.produce(records, Math.max(1_000, b.hardDeadline - b.deps.now())));
}
