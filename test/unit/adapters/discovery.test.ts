/**
 * Setup's endpoint discovery (shared/adapters/discovery.ts): the REST-JSON requests of MSK
 * GetBootstrapBrokers and OpenSearch DescribeDomain (path labels encoded, SigV4 for services `kafka`
 * and `es`), the answers read, and AWS's errors named. The server is a loopback double answering as
 * the two APIs do (there is no local MSK or OpenSearch Service control plane).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as config from '../../../shared/config.ts';
import { resetSigners } from '../../../shared/adapters/signed-fetch.ts';
import { AwsApiError, mskBootstrapBrokers, openSearchEndpoint } from '../../../shared/adapters/discovery.ts';

type Answer = { status: number; body: unknown; headers?: Record<string, string> };
let answers: Answer[] = [];
const seen: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = [];
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    const a = answers.shift() ?? { status: 500, body: {} };
    res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers }).end(JSON.stringify(a.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  config.overrideSettings({ SLUICE_STAGE: 'prod', AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: undefined, AWS_REGION: 'eu-west-1' });
  resetSigners();
});
afterEach(() => {
  answers = [];
  seen.length = 0;
});
afterAll(async () => {
  config.overrideSettings({ SLUICE_STAGE: undefined, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_REGION: undefined });
  resetSigners();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const ARN = 'arn:aws:kafka:eu-west-1:123456789012:cluster/sluice-prod/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-1';

describe('MSK GetBootstrapBrokers', () => {
  it('asks for the cluster by its encoded ARN, signed for kafka, and returns the IAM brokers', async () => {
    answers.push({ status: 200, body: { bootstrapBrokerStringTls: 'b-1:9094', bootstrapBrokerStringSaslIam: 'b-1:9098,b-2:9098' } });
    expect(await mskBootstrapBrokers(ARN, endpoint)).toBe('b-1:9098,b-2:9098');
    expect(seen[0]).toMatchObject({ method: 'GET', url: `/v1/clusters/${encodeURIComponent(ARN)}/bootstrap-brokers` });
    expect(seen[0]!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/kafka\/aws4_request, /);
  });

  it('takes the public IAM listener when there is no private one, and says what to do without either', async () => {
    answers.push({ status: 200, body: { bootstrapBrokerStringPublicSaslIam: 'p-1:9198' } }, { status: 200, body: { bootstrapBrokerStringTls: 'b-1:9094' } });
    expect(await mskBootstrapBrokers(ARN, endpoint)).toBe('p-1:9198');
    await expect(mskBootstrapBrokers(ARN, endpoint)).rejects.toThrow(/has no IAM-authenticated listener; enable IAM access control/);
  });

  it("names AWS's error type and message, and does not retry a client error", async () => {
    answers.push({ status: 404, body: { message: 'Cluster not found' }, headers: { 'x-amzn-errortype': 'NotFoundException:http://internal.amazon.com/' } });
    const err = (await mskBootstrapBrokers(ARN, endpoint).catch((e: unknown) => e)) as AwsApiError;
    expect(err).toBeInstanceOf(AwsApiError);
    expect(err).toMatchObject({ name: 'NotFoundException', status: 404, message: 'MSK GetBootstrapBrokers: NotFoundException (404): Cluster not found' });
    expect(seen).toHaveLength(1);
  });

  it('retries a throttled answer', async () => {
    answers.push({ status: 429, body: { message: 'Too Many Requests' } }, { status: 200, body: { bootstrapBrokerStringSaslIam: 'b-1:9098' } });
    expect(await mskBootstrapBrokers(ARN, endpoint)).toBe('b-1:9098');
    expect(seen).toHaveLength(2);
  });
});

describe('OpenSearch DescribeDomain', () => {
  it('returns the VPC endpoint first, signed for es', async () => {
    answers.push({ status: 200, body: { DomainStatus: { DomainName: 'sluice-prod', Endpoint: 'search-public.eu-west-1.es.amazonaws.com', Endpoints: { vpc: 'vpc-sluice.eu-west-1.es.amazonaws.com' } } } });
    expect(await openSearchEndpoint('sluice-prod', endpoint)).toBe('https://vpc-sluice.eu-west-1.es.amazonaws.com');
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/2021-01-01/opensearch/domain/sluice-prod' });
    expect(seen[0]!.headers.authorization).toMatch(/\/eu-west-1\/es\/aws4_request, /);
  });

  it('returns the public endpoint of a domain outside a VPC, and says when there is none yet', async () => {
    answers.push({ status: 200, body: { DomainStatus: { Endpoint: 'search-sluice.eu-west-1.es.amazonaws.com' } } }, { status: 200, body: { DomainStatus: { Processing: true } } });
    expect(await openSearchEndpoint('sluice-prod', endpoint)).toBe('https://search-sluice.eu-west-1.es.amazonaws.com');
    await expect(openSearchEndpoint('sluice-prod', endpoint)).rejects.toThrow(/has no endpoint yet/);
  });
});
