/**
 * Durable delivery of ingest's records (pure: talks to the world only through the ports).
 *
 * Rules:
 * - Batches go in order to Kafka while Kafka acknowledges them.
 * - The first batch Kafka does not take (timeout or refusal), and every later batch of the same call,
 *   goes to the spill stream instead: a request does not wait on a broken Kafka more than once.
 * - A spilled record that does not fit a Kinesis record is claim-checked first (value stored, pointer
 *   spilled); the pointer is spilled only once the value is stored.
 * - When a batch reaches neither Kafka nor the spill stream, `deliver` rejects with
 *   DeliveryFailedError naming both causes. Batches delivered before it stay delivered: a client that
 *   retries may create duplicates unless it sends an Idempotency-Key (the retried events then have
 *   the same ids, and every consumer overwrites).
 * - Resolves only when every record is durably written to one of the two.
 */
import { claimCheckKey, claimCheckSpill, inlineSpill } from './framing.ts';
import type { ClaimCheckStore, KafkaRecord, KafkaSink, SpillRecord, SpillSink } from './ports.ts';

export class DeliveryFailedError extends Error {
  override readonly name = 'DeliveryFailedError';
}

export interface DeliveryPorts {
  kafka: KafkaSink;
  spill: SpillSink;
  claimChecks: ClaimCheckStore;
}

export interface DeliveryOutcome {
  /** Where the records went: all to Kafka, all to the spill stream, or some to each. */
  to: 'kafka' | 'spill' | 'both';
  /** Records written to the spill stream (0 when all went to Kafka). */
  spilled: number;
  /** Of those, records whose value went to a claim check. */
  claimChecked: number;
  kafkaError?: string;
}

/** Delivers `batches` by the rules above. */
export async function deliver(batches: Iterable<readonly KafkaRecord[]>, ports: DeliveryPorts): Promise<DeliveryOutcome> {
  let kafkaError: string | undefined;
  let toKafka = 0;
  let toSpill = 0;
  let spilled = 0;
  let claimChecked = 0;
  for (const batch of batches) {
    if (kafkaError === undefined) {
      try {
        await ports.kafka.send(batch);
        toKafka++;
        continue;
      } catch (err) {
        kafkaError = (err as Error).message;
      }
    }
    try {
      const { records, claimChecks } = await encodeSpills(batch, ports.claimChecks);
      await ports.spill.put(records);
      toSpill++;
      spilled += records.length;
      claimChecked += claimChecks;
    } catch (err) {
      throw new DeliveryFailedError(
        `Neither Kafka (${kafkaError}) nor the Kinesis spill stream (${(err as Error).message}) took the records`,
        { cause: err },
      );
    }
  }
  return {
    to: toSpill === 0 ? 'kafka' : toKafka === 0 ? 'spill' : 'both',
    spilled,
    claimChecked,
    ...(kafkaError !== undefined ? { kafkaError } : {}),
  };
}

/** The batch as spill records, storing the values too large to go inline first. */
export async function encodeSpills(
  batch: readonly KafkaRecord[],
  store: ClaimCheckStore,
): Promise<{ records: SpillRecord[]; claimChecks: number }> {
  let claimChecks = 0;
  const records = await Promise.all(
    batch.map(async (r) => {
      const inline = inlineSpill(r);
      if (inline) return inline;
      const objectKey = claimCheckKey(r.value);
      await store.put(objectKey, r.value);
      claimChecks++;
      return claimCheckSpill(r, objectKey);
    }),
  );
  return { records, claimChecks };
}
