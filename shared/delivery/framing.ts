/**
 * The spill stream's wire format (pure: no I/O).
 *
 * - Inline record: one JSON header line `{"t":topic,"k":key}`, a newline, then the Kafka value's bytes.
 * - Claim check: a Kinesis record holds at most 1 MiB (data plus partition key) and an event may be
 *   1 MB before its envelope, so a value that does not fit is stored under `spill/<sha256 of value>`
 *   and the record carries only the header with a pointer: `{"t","k","s3":objectKey}` (no newline).
 *
 * The object key is a function of the value alone, so re-spilling the same value (a retried request
 * with an Idempotency-Key) writes the same object again, and two records may point at one object:
 * drain therefore never deletes claim checks (the bucket's lifecycle rule expires `spill/` after longer
 * than the stream keeps records; see shared/delivery/drain.ts).
 *
 * Kafka headers are not carried: ingest's records have none.
 */
import { createHash } from 'node:crypto';
import type { KafkaRecord, SpillRecord } from './ports.ts';

/** Kinesis's limit is 1 MiB for data plus partition key; keep a margin. */
export const MAX_INLINE_SPILL_BYTES = 1_000_000;

/** Prefix of claim-check objects in the archive bucket (IAM and the lifecycle rule name it too). */
export const CLAIM_CHECK_PREFIX = 'spill/';

interface SpillHeader {
  t: string;
  k: string;
  s3?: string;
}

export class NotASpillRecordError extends Error {
  override readonly name = 'NotASpillRecordError';
}

/** The claim-check object key for a value: `spill/<sha256 hex>`. */
export function claimCheckKey(value: Buffer): string {
  return CLAIM_CHECK_PREFIX + createHash('sha256').update(value).digest('hex');
}

/** The inline spill record for `r`, or undefined when it would pass the Kinesis record limit. */
export function inlineSpill(r: KafkaRecord): SpillRecord | undefined {
  const header = Buffer.from(JSON.stringify({ t: r.topic, k: r.key } satisfies SpillHeader) + '\n');
  if (header.byteLength + r.value.byteLength + Buffer.byteLength(r.key) > MAX_INLINE_SPILL_BYTES) return undefined;
  return { partitionKey: r.key, data: Buffer.concat([header, r.value]) };
}

/** The spill record that points at a claim-checked value stored under `objectKey`. */
export function claimCheckSpill(r: KafkaRecord, objectKey: string): SpillRecord {
  return { partitionKey: r.key, data: Buffer.from(JSON.stringify({ t: r.topic, k: r.key, s3: objectKey } satisfies SpillHeader)) };
}

/** A spill record read back: the Kafka record itself, or where its value waits. */
export type ParsedSpill =
  | { kind: 'inline'; record: KafkaRecord }
  | { kind: 'claimCheck'; topic: string; key: string; objectKey: string };

/** Parses a spill record's bytes; throws NotASpillRecordError for anything else. */
export function parseSpill(data: Buffer): ParsedSpill {
  const nl = data.indexOf(0x0a);
  let header: Partial<SpillHeader>;
  try {
    header = JSON.parse(data.subarray(0, nl === -1 ? data.length : nl).toString('utf8')) as Partial<SpillHeader>;
  } catch {
    header = {};
  }
  if (typeof header !== 'object' || header === null || typeof header.t !== 'string' || typeof header.k !== 'string') {
    throw new NotASpillRecordError('Not a Sluice spill record: the first line must be {"t":topic,"k":key}');
  }
  if (typeof header.s3 === 'string') {
    if (!header.s3.startsWith(CLAIM_CHECK_PREFIX)) {
      throw new NotASpillRecordError(`Spill record points outside ${CLAIM_CHECK_PREFIX}: ${JSON.stringify(header.s3)}`);
    }
    return { kind: 'claimCheck', topic: header.t, key: header.k, objectKey: header.s3 };
  }
  if (nl === -1) throw new NotASpillRecordError('Spill record has a header but neither a value nor a claim check');
  return { kind: 'inline', record: { topic: header.t, key: header.k, value: data.subarray(nl + 1) } };
}
