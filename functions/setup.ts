/**
 * setup: a CloudFormation custom resource, run on every deploy. It resolves what CloudFormation
 * cannot give the other functions (the MSK cluster's IAM bootstrap brokers, the OpenSearch domain's
 * endpoint), creates the Kafka topics and installs the index templates, and returns the two
 * endpoints as attributes (KafkaBrokers, OpenSearchUrl) that the other functions take as environment.
 * It answers CloudFormation on every path, so a failure never leaves a deploy hanging.
 */
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
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
  process.env.KAFKA_BROKERS = brokers;
  process.env.OPENSEARCH_URL = url;
  const { ensureIndexTemplates, ensureKafkaTopics } = await import('../shared/setup.ts');
  await ensureKafkaTopics(Number(p.TopicReplicas ?? 3));
  await ensureIndexTemplates();
  return { KafkaBrokers: brokers, OpenSearchUrl: url };
}

async function respond(event: CloudFormationCustomResourceEvent, status: 'SUCCESS' | 'FAILED', reason: string, data: Record<string, string>) {
  const body = JSON.stringify({
    Status: status,
    Reason: reason.slice(0, 3000),
    PhysicalResourceId: 'PhysicalResourceId' in event ? event.PhysicalResourceId : `sluice-setup-${event.LogicalResourceId}`,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: data,
  });
  const res = await fetch(event.ResponseURL, { method: 'PUT', body, headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) } });
  if (!res.ok) throw new Error(`CloudFormation did not take the response: ${res.status}`);
}

export const handler = async (event: CloudFormationCustomResourceEvent, context: Context): Promise<void> => {
  logger.addContext(context);
  try {
    const data = await setup(event);
    await respond(event, 'SUCCESS', 'ok', data);
  } catch (err) {
    logger.error('setup failed', { error: err as Error });
    // Deleting must never block the stack's removal.
    await respond(event, event.RequestType === 'Delete' ? 'SUCCESS' : 'FAILED', (err as Error).message, {});
  }
};
