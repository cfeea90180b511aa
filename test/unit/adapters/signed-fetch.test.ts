/**
 * The signers' credentials (shared/adapters/signed-fetch.ts): the environment's keys when set, else
 * (outside Lambda, e.g. the CLI with a profile) the AWS SDK's default chain, here a shared credentials
 * file; a clear error when neither has any. The request goes to a loopback server that records it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as config from '../../../shared/config.ts';
import { AwsClient } from 'aws4fetch';
import { resetSigners, signer, SigV4Client } from '../../../shared/adapters/signed-fetch.ts';

const seen: IncomingHttpHeaders[] = [];
let server: Server;
let url: string;
const dir = mkdtempSync(join(tmpdir(), 'sluice-creds-'));
const saved = { ...process.env };
const AWS_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_SHARED_CREDENTIALS_FILE', 'AWS_CONFIG_FILE', 'AWS_EC2_METADATA_DISABLED', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE'];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    req.resume().on('end', () => res.writeHead(200).end('{}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  for (const k of AWS_VARS) delete process.env[k];
  process.env.AWS_CONFIG_FILE = join(dir, 'config');
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  writeFileSync(process.env.AWS_CONFIG_FILE, '');
  config.overrideSettings({ SLUICE_STAGE: 'prod', AWS_REGION: 'eu-west-1' });
});
afterEach(() => {
  seen.length = 0;
  resetSigners();
});
afterAll(async () => {
  process.env = saved;
  config.overrideSettings({ SLUICE_STAGE: undefined, AWS_REGION: undefined, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
  resetSigners();
  rmSync(dir, { recursive: true, force: true });
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const credentialOf = (h: IncomingHttpHeaders) => /Credential=([^/]+)\//.exec(String(h.authorization))?.[1];

describe('signer credentials', () => {
  it('signs with the keys of the environment when they are set', async () => {
    config.overrideSettings({ AWS_ACCESS_KEY_ID: 'AKIDFROMENV', AWS_SECRET_ACCESS_KEY: 's' });
    try {
      await (await signer('es')).fetch(url, { method: 'GET' });
    } finally {
      config.overrideSettings({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    }
    expect(credentialOf(seen[0]!)).toBe('AKIDFROMENV');
  });

  it("falls back to the SDK's default chain (a profile in the shared credentials file) without keys in the environment", async () => {
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
    writeFileSync(process.env.AWS_SHARED_CREDENTIALS_FILE, '[default]\naws_access_key_id = AKIDFROMFILE\naws_secret_access_key = s2\n');
    try {
      await (await signer('s3')).fetch(url, { method: 'GET' });
    } finally {
      delete process.env.AWS_SHARED_CREDENTIALS_FILE;
    }
    expect(credentialOf(seen[0]!)).toBe('AKIDFROMFILE');
  });

  it('says how to give credentials when there are none anywhere', async () => {
    process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'none');
    try {
      await expect(signer('dynamodb')).rejects.toThrow(/AWS_ACCESS_KEY_ID.*nor did the AWS SDK's default credential chain find any/);
    } finally {
      delete process.env.AWS_SHARED_CREDENTIALS_FILE;
    }
  });
});

describe('SigV4Client signs as aws4fetch does', () => {
  const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  const datetime = '20261201T101500Z';
  const cases: Array<{ name: string; service: string; url: string; init: RequestInit; token?: string }> = [
    { name: 'a DynamoDB call (JSON body)', service: 'dynamodb', url: 'http://127.0.0.1:8000/', init: { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.UpdateItem' }, body: '{"TableName":"t","Key":{"pk":{"S":"a"}}}' } },
    { name: 'an OpenSearch _bulk (bytes, a session token)', service: 'es', url: 'https://search.example.eu-west-1.es.amazonaws.com/_bulk?refresh=false', init: { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: Buffer.from('{"index":{}}\n{"a":"é"}\n') }, token: 'FQoGZXIvYXdzEBYaDEXAMPLETOKEN' },
    { name: 'an S3 part upload (query, given payload hash)', service: 's3', url: 'http://127.0.0.1:9000/bucket/raw/2026/12/01/a%20b+c.ndjson.gz?uploadId=x%2Fy&partNumber=2', init: { method: 'PUT', headers: { 'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' }, body: Buffer.alloc(0) } },
    { name: 'an S3 GET (unsigned payload, a conditional header)', service: 's3', url: 'http://127.0.0.1:9000/bucket/templates/t_a.json', init: { method: 'GET', headers: { 'if-none-match': '"v1"' } } },
    { name: 'a GET with no body or headers', service: 'es', url: 'https://search.example/_cluster/health', init: { method: 'GET' } },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const o = { ...creds, ...(c.token ? { sessionToken: c.token } : {}), service: c.service, region: 'eu-west-1' };
      const ours = new SigV4Client(o).sign(c.url, c.init, datetime);
      const theirs = await new AwsClient({ ...o, retries: 0 }).sign(c.url, { ...c.init, aws: { datetime } } as RequestInit);
      expect(ours.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20261201\/eu-west-1\//);
      for (const h of ['authorization', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-security-token']) expect(ours.headers[h] ?? null, h).toBe(theirs.headers.get(h));
      expect(ours.url.toString()).toBe(theirs.url);
    });
  }

  it('refuses a streamed body it cannot hash, unless the payload hash is given, and headers that are not a plain record', () => {
    const client = new SigV4Client({ ...creds, service: 'es', region: 'eu-west-1' });
    const stream = new ReadableStream();
    expect(() => client.sign('https://x/', { method: 'POST', body: stream })).toThrow(/X-Amz-Content-Sha256/);
    expect(client.sign('https://x/', { method: 'POST', body: stream, headers: { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } }).headers.authorization).toContain('Signature=');
    expect(() => client.sign('https://x/', { method: 'GET', headers: new Headers({ a: 'b' }) })).toThrow(/plain record/);
  });

  it('keeps the caller\'s headers, lower-cased, beside the ones it adds (a Host header is the URL\'s)', () => {
    const signed = new SigV4Client({ ...creds, sessionToken: 'TOKEN', service: 'dynamodb', region: 'eu-west-1' }).sign('http://127.0.0.1:8000/', { method: 'POST', headers: { 'Content-Type': 'application/x-amz-json-1.0', Host: 'elsewhere', 'X-Amz-Target': 'DynamoDB_20120810.GetItem' }, body: '{}' }, datetime);
    expect(Object.keys(signed.headers).sort()).toEqual(['authorization', 'content-type', 'x-amz-date', 'x-amz-security-token', 'x-amz-target']);
    expect(signed.headers.authorization).toContain('SignedHeaders=host;x-amz-date;x-amz-security-token;x-amz-target,');
  });
});
