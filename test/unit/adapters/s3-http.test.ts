/**
 * The small S3 client (shared/adapters/s3-http.ts): path-style URLs on a local endpoint, the
 * conditional headers and payload hash it signs, S3's error codes by name, which answers are
 * retried. The server is a loopback double answering as S3 does; the real MinIO is in
 * test/integration/templates.test.ts.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as config from '../../../shared/config.ts';
import { getObject, putObject, type S3Error } from '../../../shared/adapters/s3-http.ts';
import { resetSigners } from '../../../shared/adapters/signed-fetch.ts';

type Answer = { status: number; body?: string; headers?: Record<string, string> };
let answers: Answer[] = [];
const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: Buffer }> = [];
let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
      const a = answers.shift() ?? { status: 200 };
      res.writeHead(a.status, a.headers ?? {}).end(a.body ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  config.overrideSettings({ SLUICE_STAGE: 'local', S3_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  resetSigners();
});
afterEach(() => {
  answers = [];
  seen.length = 0;
});
afterAll(async () => {
  config.overrideSettings({ SLUICE_STAGE: undefined, S3_ENDPOINT: undefined });
  resetSigners();
  await new Promise((r) => server.close(r));
});

const xmlError = (status: number, code: string): Answer => ({ status, body: `<?xml version="1.0"?><Error><Code>${code}</Code><Message>m</Message></Error>` });

describe('S3 over signed fetch', () => {
  it('GETs path-style with If-None-Match, signed for s3, and gives the bytes as stored and the ETag', async () => {
    answers = [{ status: 200, body: 'abc', headers: { etag: '"e1"' } }];
    const out = await getObject('bkt', 'templates/a b.json.gz', { ifNoneMatch: '"e0"' });
    expect(Buffer.from(out.body).toString()).toBe('abc');
    expect(out.etag).toBe('"e1"');
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/bkt/templates/a%20b.json.gz' });
    expect(seen[0]!.headers['if-none-match']).toBe('"e0"');
    expect(seen[0]!.headers.authorization).toMatch(/Credential=sluice\/\d{8}\/[\w-]+\/s3\/aws4_request/);
  });

  it('names 304, 404 and 412 by S3 code and status, without retrying them', async () => {
    answers = [{ status: 304 }, xmlError(404, 'NoSuchKey'), xmlError(412, 'PreconditionFailed')];
    await expect(getObject('b', 'k', { ifNoneMatch: '"x"' })).rejects.toMatchObject({ status: 304, name: 'NotModified' });
    await expect(getObject('b', 'k')).rejects.toMatchObject({ status: 404, name: 'NoSuchKey' });
    const err = (await putObject('b', 'k', Buffer.from('x'), { ifMatch: '"x"' }).catch((e) => e)) as S3Error;
    expect(err.status).toBe(412);
    expect(seen).toHaveLength(3);
  });

  it('PUTs with the payload hash and the condition, retrying a 503 SlowDown, and returns the ETag', async () => {
    const body = Buffer.from('hello');
    answers = [xmlError(503, 'SlowDown'), { status: 200, headers: { etag: '"e2"' } }];
    expect(await putObject('b', 'k', body, { ifNoneMatch: '*', contentEncoding: 'gzip' })).toBe('"e2"');
    expect(seen).toHaveLength(2);
    expect(seen[1]!.headers).toMatchObject({ 'if-none-match': '*', 'content-encoding': 'gzip', 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex') });
    expect(seen[1]!.body.toString()).toBe('hello');
  });
});
