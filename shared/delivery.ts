/**
 * Delivery wired to the real adapters: Kafka first; when Kafka does not acknowledge in time, the
 * Kinesis spill stream (the `drain` function republishes from there to Kafka later, with the same
 * event ids); values too large for a spill record go to S3 claim checks. The rules are in
 * delivery/failover.ts, the wire format in delivery/framing.ts.
 *
 * The spill stream and the claim checks are needed only while Kafka is unavailable: their adapters
 * (and the SDK clients behind them) are loaded and constructed on first use, not at cold start.
 * Drain reads claim checks and never deletes them (delivery/drain.ts says why nothing is lost).
 */
import * as config from './config.ts';
import { produce } from './adapters/kafka.ts';
import { deliver as deliverVia, type DeliveryOutcome, type DeliveryPorts } from './delivery/failover.ts';
import { republish, type DrainOutcome } from './delivery/drain.ts';
import { logger } from './observability.ts';
import type { ClaimCheckStore, KafkaRecord } from './delivery/ports.ts';

export { DeliveryFailedError, type DeliveryOutcome } from './delivery/failover.ts';
export type { DrainOutcome } from './delivery/drain.ts';

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

/** Drain's step: republishes spilled Kinesis records to Kafka (see delivery/drain.ts for the rules). */
export function republishSpilled(spilled: readonly Buffer[]): Promise<DrainOutcome> {
  return republish(spilled, {
    // Drain is not in a tenant's request path: it can wait for Kafka longer than ingest does.
    kafka: { send: (records) => produce(records, 30_000) },
    claimChecks: lazyClaimChecks,
    warn: (message, data) => logger.error(message, data),
  });
}
