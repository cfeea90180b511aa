/**
 * Delivery wired to the real adapters: Kafka first; when Kafka does not acknowledge in time, the
 * Kinesis spill stream (the `drain` function republishes from there to Kafka later, with the same
 * event ids); values too large for a spill record go to S3 claim checks. The rules are in
 * delivery/failover.ts, the wire format in delivery/framing.ts.
 *
 * The spill stream and the claim checks are needed only while Kafka is unavailable: their adapters
 * (and the SDK clients behind them) are loaded and constructed on first use, not at cold start.
 */
import * as config from './config.ts';
import { produce } from './adapters/kafka.ts';
import { deliver as deliverVia, type DeliveryOutcome, type DeliveryPorts } from './delivery/failover.ts';
import { parseSpill } from './delivery/framing.ts';
import type { ClaimCheckStore, KafkaRecord } from './delivery/ports.ts';

export { DeliveryFailedError, type DeliveryOutcome } from './delivery/failover.ts';

let claimChecks: Promise<ClaimCheckStore> | undefined;

/** The S3 claim-check store, loaded on first use. */
function claimCheckStore(): Promise<ClaimCheckStore> {
  claimChecks ??= import('./adapters/claim-checks.ts').then((m) => new m.S3ClaimCheckStore());
  claimChecks.catch(() => (claimChecks = undefined));
  return claimChecks;
}

const lazyClaimChecks: ClaimCheckStore = {
  put: async (objectKey, value) => (await claimCheckStore()).put(objectKey, value),
  get: async (objectKey) => (await claimCheckStore()).get(objectKey),
};

const ports: DeliveryPorts = {
  kafka: { send: (records) => produce(records) },
  spill: {
    put: async (records) => {
      const { putAll } = await import('./adapters/kinesis.ts');
      await putAll(config.kinesis().spillStream, records);
    },
  },
  claimChecks: lazyClaimChecks,
};

/** Delivers ingest's batches durably (see delivery/failover.ts for the rules). */
export function deliver(batches: Iterable<readonly KafkaRecord[]>): Promise<DeliveryOutcome> {
  return deliverVia(batches, ports);
}

/** Reads a spill record back into the Kafka record it stands for (fetching a claim-checked value). */
export async function decodeSpill(data: Buffer): Promise<KafkaRecord & { claimCheck?: string }> {
  const parsed = parseSpill(data);
  if (parsed.kind === 'inline') return parsed.record;
  const value = await lazyClaimChecks.get(parsed.objectKey);
  if (!value) throw new Error(`Claim check ${parsed.objectKey} not found`);
  return { topic: parsed.topic, key: parsed.key, value, claimCheck: parsed.objectKey };
}

/** Deletes a claim-checked value once its record is back in Kafka. */
export async function releaseClaimCheck(objectKey: string): Promise<void> {
  const [{ getS3 }, { DeleteObjectCommand }] = await Promise.all([import('./adapters/s3.ts'), import('@aws-sdk/client-s3')]);
  await getS3().send(new DeleteObjectCommand({ Bucket: config.s3().archiveBucket, Key: objectKey }));
}
