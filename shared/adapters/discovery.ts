/**
 * Resolves endpoints that CloudFormation cannot hand over: an MSK cluster's bootstrap brokers
 * (GetBootstrapBrokers, IAM listener) and an OpenSearch domain's endpoint (DescribeDomain).
 * Used by the deploy-time setup function, whose results the other functions get as environment.
 */
import { GetBootstrapBrokersCommand, KafkaClient } from '@aws-sdk/client-kafka';
import { DescribeDomainCommand, OpenSearchClient } from '@aws-sdk/client-opensearch';
import * as config from '../config.ts';

export async function mskBootstrapBrokers(clusterArn: string): Promise<string> {
  const out = await new KafkaClient({ region: config.region() }).send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }));
  const brokers = out.BootstrapBrokerStringSaslIam ?? out.BootstrapBrokerStringPublicSaslIam;
  if (!brokers) {
    throw new Error(`MSK cluster ${clusterArn} has no IAM-authenticated listener; enable IAM access control on the cluster.`);
  }
  return brokers;
}

export async function openSearchEndpoint(domainName: string): Promise<string> {
  const out = await new OpenSearchClient({ region: config.region() }).send(new DescribeDomainCommand({ DomainName: domainName }));
  const s = out.DomainStatus;
  const host = s?.Endpoints?.vpc ?? s?.Endpoint ?? s?.Endpoints?.['vpcv2'];
  if (!host) throw new Error(`OpenSearch domain ${domainName} has no endpoint yet (is it still being created?).`);
  return `https://${host}`;
}
