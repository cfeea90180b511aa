/**
 * drain: republishes records that ingest spilled to Kinesis (while Kafka was unavailable) to Kafka,
 * byte for byte, so every event keeps its id. A batch that Kafka does not take fails as a whole and
 * the Kinesis event source retries it (the on-failure destination keeps what never succeeds).
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as config from '../shared/config.ts';
import { produce } from '../shared/adapters/kafka.ts';
import { decodeSpill, releaseClaimCheck } from '../shared/delivery.ts';
import { lambdaHandler } from '../shared/middleware.ts';
import { logger, metrics } from '../shared/observability.ts';

export const drain = async (event: KinesisStreamEvent): Promise<{ republished: number }> => {
  const records = await Promise.all(event.Records.map((r) => decodeSpill(Buffer.from(r.kinesis.data, 'base64'))));
  // Drain is not in a tenant's request path: it can wait for Kafka longer than ingest does.
  await produce(records, 30_000);
  await Promise.all(records.flatMap((r) => (r.claimCheck ? [releaseClaimCheck(r.claimCheck)] : [])));
  logger.info('republished spilled records', { count: records.length });
  metrics.addMetric('DrainRepublished', MetricUnit.Count, records.length);
  return { republished: records.length };
};

export const handler = lambdaHandler(drain, [config.kafka, config.kinesis, config.s3]);
