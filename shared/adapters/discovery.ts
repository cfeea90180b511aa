/**
 * Resolves endpoints that CloudFormation cannot hand over: an MSK cluster's bootstrap brokers
 * (GetBootstrapBrokers, IAM listener) and an OpenSearch domain's endpoint (DescribeDomain).
 * Used by the deploy-time setup function, whose results the other functions get as environment.
 *
 * Both are one GET of a REST-JSON control-plane API, signed with SigV4 (./signed-fetch.ts), instead
 * of the AWS SDK's Kafka and OpenSearch clients (about 300 KiB of setup's bundle with @smithy/core):
 *   GET https://kafka.<region>.amazonaws.com/v1/clusters/<ClusterArn>/bootstrap-brokers
 *   GET https://es.<region>.amazonaws.com/2021-01-01/opensearch/domain/<DomainName>
 * A throttled (429) or 5xx answer and a network failure are retried twice; any other error names the
 * API, the status and AWS's error type and message.
 */
import * as config from '../config.ts';
import { signer, withRetries } from './signed-fetch.ts';

/** An error answer of an AWS control-plane API (`name` is AWS's error type, e.g. `NotFoundException`). */
export class AwsApiError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

const transient = (err: unknown): boolean => err instanceof AwsApiError && (err.status === 429 || err.status >= 500);

/** One signed GET of a REST-JSON API; `endpoint` defaults to `https://<service>.<region>.amazonaws.com`. */
async function getJson(api: string, service: string, path: string, endpoint?: string): Promise<Record<string, unknown>> {
  const base = endpoint ?? `https://${service}.${config.region()}.amazonaws.com`;
  return withRetries(async () => {
    const res = await (await signer(service)).fetch(base + path, { method: 'GET', headers: { accept: 'application/json' } });
    const text = await res.text();
    let body: Record<string, unknown> = {};
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // not JSON (a proxy's page): the status says what happened
    }
    if (res.ok) return body;
    const type = (res.headers.get('x-amzn-errortype') ?? String(body.__type ?? `HTTP${res.status}`)).split(':')[0]!;
    const name = type.slice(type.lastIndexOf('#') + 1);
    const message = String(body.message ?? body.Message ?? text.slice(0, 300));
    throw new AwsApiError(name, `${api}: ${name} (${res.status})${message ? `: ${message}` : ''}`, res.status);
  }, transient);
}

export async function mskBootstrapBrokers(clusterArn: string, endpoint?: string): Promise<string> {
  const out = await getJson('MSK GetBootstrapBrokers', 'kafka', `/v1/clusters/${encodeURIComponent(clusterArn)}/bootstrap-brokers`, endpoint);
  const brokers = (out.bootstrapBrokerStringSaslIam ?? out.bootstrapBrokerStringPublicSaslIam) as string | undefined;
  if (!brokers) {
    throw new Error(`MSK cluster ${clusterArn} has no IAM-authenticated listener; enable IAM access control on the cluster.`);
  }
  return brokers;
}

export async function openSearchEndpoint(domainName: string, endpoint?: string): Promise<string> {
  const out = await getJson('OpenSearch DescribeDomain', 'es', `/2021-01-01/opensearch/domain/${encodeURIComponent(domainName)}`, endpoint);
  const s = out.DomainStatus as { Endpoint?: string; Endpoints?: Record<string, string> } | undefined;
  const host = s?.Endpoints?.vpc ?? s?.Endpoint ?? s?.Endpoints?.['vpcv2'];
  if (!host) throw new Error(`OpenSearch domain ${domainName} has no endpoint yet (is it still being created?).`);
  return `https://${host}`;
}
