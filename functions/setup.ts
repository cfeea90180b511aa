/**
 * setup: a CloudFormation custom resource, run on every deploy. It resolves what CloudFormation
 * cannot give the other functions (the MSK cluster's IAM bootstrap brokers, the OpenSearch domain's
 * endpoint), creates the Kafka topics and installs the index templates, and returns the two
 * endpoints as attributes (KafkaBrokers, OpenSearchUrl) that the other functions take as environment.
 * It answers CloudFormation on every path, so a failure never leaves a deploy hanging.
 */
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import * as config from '../shared/config.ts';
import { respond } from '../shared/adapters/cloudformation.ts';
import { lambdaHandler } from '../shared/middleware.ts';
import { logger } from '../shared/observability.ts';

interface SetupProperties {
  MskClusterArn?: string;
  KafkaBrokers?: string;
  OpenSearchUrl?: string;
  OpenSearchDomainName?: string;
  TopicReplicas?: string;
}

export async function setup(event: CloudFormationCustomResourceEvent): Promise<Record<string, string>> {
  // Topics and indices hold tenants' data: removing the stack leaves them (and the cluster may be gone).
  if (event.RequestType === 'Delete') return {};
  const p = event.ResourceProperties as unknown as SetupProperties;
  const { mskBootstrapBrokers, openSearchEndpoint } = await import('../shared/adapters/discovery.ts');
  const brokers = p.KafkaBrokers || (p.MskClusterArn ? await mskBootstrapBrokers(p.MskClusterArn) : '');
  const url = p.OpenSearchUrl || (p.OpenSearchDomainName ? await openSearchEndpoint(p.OpenSearchDomainName) : '');
  if (!brokers) throw new Error('setup needs MskClusterArn or KafkaBrokers');
  if (!url) throw new Error('setup needs OpenSearchDomainName or OpenSearchUrl');
  // The other functions get these as environment; this one learns them now.
  config.overrideSettings({ KAFKA_BROKERS: brokers, OPENSEARCH_URL: url });
  const { ensureIndexTemplates, ensureKafkaTopics } = await import('../shared/setup.ts');
  const replicas = Number(p.TopicReplicas ?? 3);
  if (!Number.isInteger(replicas) || replicas < 1) throw new Error(`TopicReplicas=${JSON.stringify(p.TopicReplicas)} must be a whole number of at least 1`);
  await ensureKafkaTopics(replicas);
  await ensureIndexTemplates();
  return { KafkaBrokers: brokers, OpenSearchUrl: url };
}

export const setupResource = async (event: CloudFormationCustomResourceEvent, _context: Context): Promise<void> => {
  try {
    const data = await setup(event);
    await respond(event, 'SUCCESS', 'ok', data);
  } catch (err) {
    logger.error('setup failed', { error: err as Error });
    // Deleting must never block the stack's removal.
    await respond(event, event.RequestType === 'Delete' ? 'SUCCESS' : 'FAILED', (err as Error).message, {});
  }
};

export const handler = lambdaHandler(setupResource, [config.topicPartitions, config.topicReplicas]);
