/**
 * Drain: republishes what ingest spilled to the Kinesis stream back to Kafka, byte for byte, so every
 * event keeps its id (pure: talks to the world only through the ports).
 *
 * ## Idempotent under redelivery
 *
 * The Kinesis event source delivers a batch at least once: again after a failed or timed-out
 * invocation, and again in halves when it bisects a failing batch. Running drain twice on the same
 * records must end as running it once plus duplicates of the same event ids, which every consumer
 * treats as the same event (process overwrites by id, the archive's replay dedupes by id).
 *
 * 1. Records are decoded; a claim-checked value is read from the claim-check store.
 * 2. Every record is produced to Kafka in one call; the batch succeeds only once Kafka acknowledged
 *    all of them (acks=all), otherwise it throws and the event source retries the whole batch.
 * 3. Claim checks are never deleted here. An object is content-addressed (several records, even
 *    several requests, may point at one) and a redelivered batch needs it again; the archive bucket's
 *    lifecycle rule expires `spill/` objects after 14 days, twice the spill stream's 7-day retention
 *    (serverless.yml; test/unit/delivery/drain.test.ts checks the two stay in that order), so no
 *    record that can still be delivered points at an expired object.
 * 4. A record that can never succeed does not block its shard: one that is not a Sluice spill record,
 *    or whose claim check is gone (deleted by hand, or older than the lifecycle allows), is skipped,
 *    reported by the `warn` port with what it was, and counted; the rest of the batch is republished.
 *    Retrying it would change nothing (S3 reads are strongly consistent, and ingest stores a value
 *    before it spills the pointer), and while it blocked, every later record of the shard would wait.
 */
import { NotASpillRecordError, parseSpill } from './framing.ts';
import type { ClaimCheckStore, KafkaRecord, KafkaSink } from './ports.ts';

export interface DrainPorts {
  kafka: KafkaSink;
  claimChecks: Pick<ClaimCheckStore, 'get'>;
  warn: (message: string, data: Record<string, unknown>) => void;
}

export interface DrainOutcome {
  /** Records produced to Kafka (and acknowledged). */
  republished: number;
  /** Claim-check pointers whose object no longer exists (skipped). */
  missingClaimChecks: number;
  /** Records that are not Sluice spill records (skipped). */
  unreadable: number;
}

/** Republishes the spilled records (each the bytes of one Kinesis record) by the rules above. */
export async function republish(spilled: readonly Buffer[], ports: DrainPorts): Promise<DrainOutcome> {
  const out: DrainOutcome = { republished: 0, missingClaimChecks: 0, unreadable: 0 };
  const decoded = await Promise.all(spilled.map((data, i) => decode(data, i, ports, out)));
  const records = decoded.filter((r): r is KafkaRecord => r !== undefined);
  await ports.kafka.send(records);
  out.republished = records.length;
  return out;
}

async function decode(data: Buffer, index: number, ports: DrainPorts, out: DrainOutcome): Promise<KafkaRecord | undefined> {
  let parsed;
  try {
    parsed = parseSpill(data);
  } catch (err) {
    if (!(err instanceof NotASpillRecordError)) throw err;
    out.unreadable++;
    ports.warn('skipped a record that is not a Sluice spill record', { index, error: err.message, bytes: data.byteLength, head: data.subarray(0, 120).toString('utf8') });
    return undefined;
  }
  if (parsed.kind === 'inline') return parsed.record;
  const value = await ports.claimChecks.get(parsed.objectKey);
  if (value === undefined) {
    out.missingClaimChecks++;
    ports.warn('skipped a spilled record whose claim check no longer exists', { index, objectKey: parsed.objectKey, topic: parsed.topic, key: parsed.key });
    return undefined;
  }
  return { topic: parsed.topic, key: parsed.key, value };
}
