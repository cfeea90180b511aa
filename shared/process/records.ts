/**
 * Every record the stages write to Kafka besides the events themselves, and every header name
 * they use. Pure.
 *
 *   logs.dlq        the original bytes, untouched (value and key), with
 *                     sluice-error        what went wrong (at most 8 KB)
 *                     sluice-error-kind   a `DlqKind`: which step refused it
 *                     sluice-origin       topic/partition/offset it was read from (not on summaries)
 *                     sluice-stage        process | deferred
 *   logs.deferred   the original bytes, untouched, with
 *                     sluice-defer-attempts  how many times the event was refused (1 on the first deferral)
 *                     sluice-not-before      ms since the epoch before which it is not retried
 *                     sluice-defer-reason    what refused it last (`DeferReason`)
 *                     sluice-park-count      times parked (re-produced not due yet) since its last deferral
 *                   a parked record keeps the headers it came with, its park count raised.
 *   logs.summary    one summary contribution (JSON), keyed by its id.
 *   logs.raw        a replayed event carries sluice-replay: 1 (see `HEADER_REPLAY`).
 */
import type { KafkaMessage } from '../msk.ts';
import type { DeferMeta } from '../budget/defer.ts';
import type { Contribution, Stage, SummaryDoc } from '../summary/summary.ts';

export const HEADER_ERROR = 'sluice-error';
export const HEADER_ERROR_KIND = 'sluice-error-kind';
export const HEADER_ORIGIN = 'sluice-origin';
export const HEADER_STAGE = 'sluice-stage';
export const HEADER_ATTEMPTS = 'sluice-defer-attempts';
export const HEADER_NOT_BEFORE = 'sluice-not-before';
export const HEADER_REASON = 'sluice-defer-reason';
export const HEADER_PARKS = 'sluice-park-count';
/**
 * On a `logs.raw` record produced by an archive replay (`sluice replay`): the event was counted and
 * charged when it first arrived, so the stage indexes it (an overwrite, by id) without counting it in
 * the summaries or charging the tenant's budget again.
 */
export const HEADER_REPLAY = 'sluice-replay';
/** The headers an archive replay puts on each record. */
export const REPLAY_HEADERS: Readonly<Record<string, Buffer>> = Object.freeze({ [HEADER_REPLAY]: Buffer.from('1') });

/**
 * Which step sent a record to the DLQ:
 *  - `decode`    not a valid envelope (not JSON, unknown version, invalid tenant or fields);
 *  - `classify`  the classifier threw on it;
 *  - `index`     OpenSearch refused the document for good (mapping, parse, its index cannot be made);
 *  - `summary`   a summary contribution OpenSearch refused (not an event: never redriven).
 */
export type DlqKind = 'decode' | 'classify' | 'index' | 'summary';
export const DLQ_KINDS: readonly DlqKind[] = ['decode', 'classify', 'index', 'summary'];

/** Why an event went (again) to `logs.deferred`: the budget's limit, or a step that could not run for its tenant now. */
export type DeferReason = 'events' | 'bytes' | 'daily' | 'tenant' | 'deadline';

/** A record to produce (structurally the Kafka adapter's `KafkaRecord`). */
export interface OutRecord {
  topic: string;
  key: string;
  value: Buffer;
  headers?: Record<string, Buffer>;
}

const MAX_ERROR_BYTES = 8192;

/** The record's own key, else the tenant's (a record without a key and a tenant: `unknown`). */
function keyOf(m: KafkaMessage, tenant?: string): string {
  return m.key ? m.key.toString('utf8') : (tenant ?? 'unknown');
}

export function dlqRecord(topic: string, m: KafkaMessage, stage: Stage, kind: DlqKind, error: string, tenant?: string): OutRecord {
  return {
    topic,
    key: keyOf(m, tenant),
    value: m.value,
    headers: {
      [HEADER_ERROR]: Buffer.from(error.slice(0, MAX_ERROR_BYTES)),
      [HEADER_ERROR_KIND]: Buffer.from(kind),
      [HEADER_ORIGIN]: Buffer.from(`${m.topic}/${m.partition}/${m.offset}`),
      [HEADER_STAGE]: Buffer.from(stage),
    },
  };
}

/** A summary contribution OpenSearch refused: the document itself, kind `summary`. */
export function summaryDlqRecord(topic: string, doc: SummaryDoc, stage: Stage, error: string): OutRecord {
  return {
    topic,
    key: doc.tenant,
    value: Buffer.from(JSON.stringify(doc)),
    headers: { [HEADER_ERROR]: Buffer.from(error.slice(0, MAX_ERROR_BYTES)), [HEADER_ERROR_KIND]: Buffer.from('summary' satisfies DlqKind), [HEADER_STAGE]: Buffer.from(stage) },
  };
}

/** An event deferred (again): its original bytes with fresh deferral headers. */
export function deferRecord(topic: string, m: KafkaMessage, tenant: string, meta: DeferMeta, reason: DeferReason | undefined): OutRecord {
  return { topic, key: keyOf(m, tenant), value: m.value, headers: deferHeaders(meta, reason) };
}

/** An event not due yet, re-produced unchanged (same bytes, same headers) but for its park count. */
export function parkRecord(topic: string, m: KafkaMessage, tenant: string, parks: number): OutRecord {
  return { topic, key: keyOf(m, tenant), value: m.value, headers: { ...m.headers, [HEADER_PARKS]: Buffer.from(String(parks)) } };
}

/** `json`: the document's JSON text when already made (as for its bulk item). */
export function summaryRecord(topic: string, c: Contribution, json = JSON.stringify(c.doc)): OutRecord {
  return { topic, key: c.id, value: Buffer.from(json) };
}

/** Reads the deferral headers (absent or malformed -> attempts 0, due now). */
export function readDeferMeta(headers: Record<string, Buffer>): DeferMeta {
  const a = Number(headers[HEADER_ATTEMPTS]?.toString('utf8'));
  const nb = Number(headers[HEADER_NOT_BEFORE]?.toString('utf8'));
  const meta: DeferMeta = {
    attempts: Number.isInteger(a) && a >= 0 ? a : 0,
    notBefore: Number.isFinite(nb) && nb > 0 ? nb : 0,
  };
  const p = Number(headers[HEADER_PARKS]?.toString('utf8'));
  if (Number.isInteger(p) && p > 0) meta.parks = p;
  return meta;
}

export function deferHeaders(meta: DeferMeta, reason: string | undefined): Record<string, Buffer> {
  const h: Record<string, Buffer> = {
    [HEADER_ATTEMPTS]: Buffer.from(String(meta.attempts)),
    [HEADER_NOT_BEFORE]: Buffer.from(String(meta.notBefore)),
  };
  if (reason) h[HEADER_REASON] = Buffer.from(reason);
  return h;
}
