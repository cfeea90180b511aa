/**
 * What the pipeline needs inside Kafka and OpenSearch, created idempotently: the topics (with their
 * size settings) and the index templates. Run on deploy by the `setup` custom resource, and locally
 * by `npm start` / `sluice setup`.
 */
import * as config from './config.ts';
import { ensureTopics } from './adapters/kafka.ts';

/**
 * An event may be 1 MB before its envelope, and JSON escaping can grow it, so records up to 8 MB are
 * allowed (the broker default is 1 MB).
 */
export const TOPIC_CONFIGS = { 'max.message.bytes': String(8 * 1024 * 1024) };

export async function ensureKafkaTopics(replicas = config.topicReplicas()): Promise<void> {
  const t = config.topics();
  const partitions = config.topicPartitions();
  await ensureTopics([
    { name: t.raw, partitions, replicas, configs: TOPIC_CONFIGS },
    { name: t.deferred, partitions, replicas, configs: TOPIC_CONFIGS },
    { name: t.summary, partitions: 3, replicas, configs: { ...TOPIC_CONFIGS, 'cleanup.policy': 'compact' } },
    { name: t.dlq, partitions: 3, replicas, configs: TOPIC_CONFIGS },
  ]);
}

/** Installs the OpenSearch index templates (logs and summaries). Idempotent. */
export async function ensureIndexTemplates(): Promise<void> {
  const { putIndexTemplates } = await import('./adapters/opensearch-bulk.ts');
  await putIndexTemplates();
}
