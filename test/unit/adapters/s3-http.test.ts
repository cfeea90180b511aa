/**
 * The small S3 client (shared/adapters/s3-http.ts): path-style URLs on a local endpoint, the
 * conditional headers and payload hash it signs, S3's error codes by name, which answers are
 * retried; HEAD, ListObjectsV2 and multipart uploads. The server is a loopback double answering as
 * S3 does; the real MinIO is in test/integration/{templates,archive}.test.ts.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as config from '../../../shared/config.ts';
import { getObject, headObject, listObjectsPage, putObject, putObjectInParts, type S3Error } from '../../../shared/adapters/s3-http.ts';
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

describe('HEAD, list and multipart uploads', () => {
  it('HEADs an object: its size, user metadata and ETag; undefined when there is none', async () => {
    answers = [{ status: 200, headers: { 'content-length': '1234', etag: '"e3"', 'x-amz-meta-events': '12', 'x-amz-meta-tenant': 'acme' } }, { status: 404 }];
    expect(await headObject('b', 'raw/k.gz')).toEqual({ size: 1234, etag: '"e3"', metadata: { events: '12', tenant: 'acme' } });
    expect(await headObject('b', 'raw/none.gz')).toBeUndefined();
    expect(seen.map((x) => `${x.method} ${x.url}`)).toEqual(['HEAD /b/raw/k.gz', 'HEAD /b/raw/none.gz']);
  });

  it('lists a page with its keys decoded, and follows the continuation token', async () => {
    const page = (keys: string[], next?: string) =>
      `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>b</Name><Prefix>raw/</Prefix><KeyCount>${keys.length}</KeyCount>` +
      keys.map((k) => `<Contents><Key>${k}</Key><LastModified>2026-12-01T10:00:00.000Z</LastModified><ETag>&quot;x&quot;</ETag><Size>7</Size></Contents>`).join('') +
      `<IsTruncated>${next ? 'true' : 'false'}</IsTruncated>${next ? `<NextContinuationToken>${next}</NextContinuationToken>` : ''}</ListBucketResult>`;
    answers = [{ status: 200, body: page(['raw/a&amp;b.gz', 'raw/&#233;t&#xE9;.gz'], '1/2+3=') }, { status: 200, body: page(['raw/z.gz']) }];
    const first = await listObjectsPage('b', 'raw/');
    expect(first).toEqual({ objects: [{ key: 'raw/a&b.gz', size: 7, lastModified: new Date('2026-12-01T10:00:00.000Z') }, { key: 'raw/été.gz', size: 7, lastModified: new Date('2026-12-01T10:00:00.000Z') }], next: '1/2+3=' });
    const second = await listObjectsPage('b', 'raw/', first.next);
    expect(second.next).toBeUndefined();
    expect(seen.map((x) => x.url)).toEqual(['/b/?list-type=2&prefix=raw%2F', '/b/?list-type=2&prefix=raw%2F&continuation-token=1%2F2%2B3%3D']);
  });

  it('uploads in parts (the last shorter), completes with the parts ETags in order, with the metadata on create', async () => {
    const body = Buffer.alloc(11, 'x');
    answers = [
      { status: 200, body: '<InitiateMultipartUploadResult><UploadId>up/1</UploadId></InitiateMultipartUploadResult>' },
      { status: 200, headers: { etag: '"p1"' } },
      { status: 200, headers: { etag: '"p2"' } },
      { status: 200, headers: { etag: '"p3"' } },
      { status: 200, body: '<CompleteMultipartUploadResult><ETag>&quot;all-3&quot;</ETag></CompleteMultipartUploadResult>' },
    ];
    expect(await putObjectInParts('b', 'k', body, { partSize: 4, concurrency: 1, contentType: 'application/x-ndjson', metadata: { events: '3' } })).toBe('"all-3"');
    expect(seen.map((x) => `${x.method} ${x.url} ${x.body.length}`)).toEqual([
      'POST /b/k?uploads 0',
      'PUT /b/k?partNumber=1&uploadId=up%2F1 4',
      'PUT /b/k?partNumber=2&uploadId=up%2F1 4',
      'PUT /b/k?partNumber=3&uploadId=up%2F1 3',
      expect.stringMatching(/^POST \/b\/k\?uploadId=up%2F1 \d+$/),
    ]);
    expect(seen[0]!.headers).toMatchObject({ 'content-type': 'application/x-ndjson', 'x-amz-meta-events': '3' });
    expect(seen[4]!.body.toString()).toBe('<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;p1&quot;</ETag></Part><Part><PartNumber>2</PartNumber><ETag>&quot;p2&quot;</ETag></Part><Part><PartNumber>3</PartNumber><ETag>&quot;p3&quot;</ETag></Part></CompleteMultipartUpload>');
  });

  it('aborts the upload when a part fails, and when the completion answers 200 with an error', async () => {
    answers = [
      { status: 200, body: '<InitiateMultipartUploadResult><UploadId>u2</UploadId></InitiateMultipartUploadResult>' },
      xmlError(403, 'AccessDenied'),
      { status: 204 },
    ];
    await expect(putObjectInParts('b', 'k', Buffer.alloc(8), { partSize: 4, concurrency: 1 })).rejects.toMatchObject({ name: 'AccessDenied', status: 403 });
    expect(seen.map((x) => `${x.method} ${x.url}`)).toEqual(['POST /b/k?uploads', 'PUT /b/k?partNumber=1&uploadId=u2', 'DELETE /b/k?uploadId=u2']);
    seen.length = 0;
    answers = [
      { status: 200, body: '<InitiateMultipartUploadResult><UploadId>u3</UploadId></InitiateMultipartUploadResult>' },
      { status: 200, headers: { etag: '"p1"' } },
      { status: 200, body: '<Error><Code>InvalidPart</Code><Message>m</Message></Error>' },
      { status: 204 },
    ];
    await expect(putObjectInParts('b', 'k', Buffer.alloc(4), { partSize: 4 })).rejects.toMatchObject({ name: 'InvalidPart' });
    expect(seen.at(-1)).toMatchObject({ method: 'DELETE', url: '/b/k?uploadId=u3' });
  });
});
