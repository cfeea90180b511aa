/**
 * drain: republishes records that ingest spilled to Kinesis (while Kafka was unavailable) to Kafka,
 * byte for byte, so every event keeps its id (shared/delivery/drain.ts). A batch that Kafka does not take fails as a whole and
 * the Kinesis event source retries it (the on-failure destination keeps what never succeeds).
 */
import type { KinesisStreamEvent } from 'aws-lambda';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as config from '../shared/config.ts';
import { republishSpilled, type DrainOutcome } from '../shared/delivery.ts';
import { lambdaHandler } from '../shared/middleware.ts';
import { logger, metrics } from '../shared/observability.ts';

export const drain = async (event: KinesisStreamEvent): Promise<DrainOutcome> => {
  const out = await republishSpilled(event.Records.map((r) => Buffer.from(r.kinesis.data, 'base64')));
  logger.info('republished spilled records', { count: out.republished });
  metrics.addMetric('DrainRepublished', MetricUnit.Count, out.republished);
  return out;
};

export const handler = lambdaHandler(drain, [config.kafka, config.kinesis, config.s3]);
