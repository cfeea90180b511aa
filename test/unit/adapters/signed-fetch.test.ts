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
import { resetSigners, signer } from '../../../shared/adapters/signed-fetch.ts';

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
