/**
 * A small S3 client for the functions (process's template store, the archive): GetObject,
 * HeadObject, PutObject with their conditional headers and user metadata, ListObjectsV2, and
 * multipart uploads (create, parts in parallel, complete, abort on failure), over SigV4-signed
 * fetch (./signed-fetch.ts), instead of the AWS SDK's S3 client and @aws-sdk/lib-storage (about
 * 280 KiB of bundled code with @smithy/core). Path-style URLs against a local endpoint (MinIO),
 * virtual-hosted ones (`<bucket>.s3.<region>.amazonaws.com`) on AWS.
 *
 * Errors: an `S3Error` with S3's error code as `name` (`NoSuchKey`, `PreconditionFailed`,
 * `ConditionalRequestConflict`, ...) and the HTTP `status`; 5xx (SlowDown, InternalError) and
 * network failures are retried twice.
 */
import { createHash } from 'node:crypto';
import * as config from '../config.ts';
import { signer, withRetries } from './signed-fetch.ts';

export class S3Error extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

function objectUrl(bucket: string, key: string, query = ''): string {
  const path = key.split('/').map(encodeURIComponent).join('/');
  const { endpoint } = config.s3();
  return (endpoint ? `${endpoint.replace(/\/$/, '')}/${bucket}/${path}` : `https://${bucket}.s3.${config.region()}.amazonaws.com/${path}`) + query;
}

const sha256 = (body: Uint8Array | string): string => createHash('sha256').update(body).digest('hex');

async function toError(op: string, bucket: string, key: string, res: Response): Promise<S3Error> {
  const text = res.status === 304 || res.status === 412 ? '' : await res.text().catch(() => '');
  const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? (res.status === 304 ? 'NotModified' : res.status === 404 ? 'NotFound' : res.status === 412 ? 'PreconditionFailed' : `HTTP${res.status}`);
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ?? '';
  return new S3Error(code, `S3 ${op} s3://${bucket}/${key}: ${code} (${res.status})${message ? `: ${message}` : ''}`, res.status);
}

const transient = (err: unknown): boolean => err instanceof S3Error && err.status >= 500;

/** The object's bytes (as stored: a `Content-Encoding: gzip` object is not inflated) and ETag; `ifNoneMatch` may give 304 (an S3Error). */
export function getObject(bucket: string, key: string, opts: { ifNoneMatch?: string } = {}): Promise<{ body: Uint8Array; etag: string }> {
  return withRetries(async () => {
    const res = await (await signer('s3')).fetch(objectUrl(bucket, key), {
      method: 'GET',
      headers: { ...(opts.ifNoneMatch ? { 'if-none-match': opts.ifNoneMatch } : {}), 'accept-encoding': 'identity' },
    });
    if (!res.ok) throw await toError('GetObject', bucket, key, res);
    return { body: new Uint8Array(await res.arrayBuffer()), etag: res.headers.get('etag') ?? '' };
  }, transient);
}

export interface PutOptions {
  contentType?: string;
  contentEncoding?: string;
  /** User metadata (`x-amz-meta-<name>`). */
  metadata?: Record<string, string>;
  /** Write only over this ETag (412 otherwise). */
  ifMatch?: string;
  /** `*`: write only if there is no object yet (412 otherwise). */
  ifNoneMatch?: string;
}

/** Writes the object; returns its ETag. */
export function putObject(bucket: string, key: string, body: Uint8Array, o: PutOptions = {}): Promise<string> {
  const headers: Record<string, string> = {
    'x-amz-content-sha256': sha256(body),
    ...objectHeaders(o),
    ...(o.ifMatch ? { 'if-match': o.ifMatch } : {}),
    ...(o.ifNoneMatch ? { 'if-none-match': o.ifNoneMatch } : {}),
  };
  return withRetries(async () => {
    const res = await (await signer('s3')).fetch(objectUrl(bucket, key), { method: 'PUT', headers, body });
    if (!res.ok) throw await toError('PutObject', bucket, key, res);
    await res.arrayBuffer();
    return res.headers.get('etag') ?? '';
  }, transient);
}

/** The headers an object is stored with (content type and encoding, user metadata). */
function objectHeaders(o: Pick<PutOptions, 'contentType' | 'contentEncoding' | 'metadata'>): Record<string, string> {
  const h: Record<string, string> = {};
  if (o.contentType) h['content-type'] = o.contentType;
  if (o.contentEncoding) h['content-encoding'] = o.contentEncoding;
  for (const [k, v] of Object.entries(o.metadata ?? {})) h[`x-amz-meta-${k.toLowerCase()}`] = v;
  return h;
}

/** Size, user metadata and ETag of an object, or undefined when there is none. */
export function headObject(bucket: string, key: string): Promise<{ size: number; metadata: Record<string, string>; etag?: string } | undefined> {
  return withRetries(async () => {
    const res = await (await signer('s3')).fetch(objectUrl(bucket, key), { method: 'HEAD' });
    if (res.status === 404) return undefined;
    if (!res.ok) throw await toError('HeadObject', bucket, key, res);
    const metadata: Record<string, string> = {};
    for (const [k, v] of res.headers) if (k.startsWith('x-amz-meta-')) metadata[k.slice('x-amz-meta-'.length)] = v;
    const etag = res.headers.get('etag');
    return { size: Number(res.headers.get('content-length') ?? 0), metadata, ...(etag ? { etag } : {}) };
  }, transient);
}

export interface ListedObject {
  key: string;
  size: number;
  lastModified?: Date;
}

/** One page of ListObjectsV2 under `prefix` (up to 1,000 keys, in key order); `next` continues it. */
export function listObjectsPage(bucket: string, prefix: string, continuationToken?: string): Promise<{ objects: ListedObject[]; next?: string }> {
  const q = `?list-type=2&prefix=${encodeURIComponent(prefix)}${continuationToken ? `&continuation-token=${encodeURIComponent(continuationToken)}` : ''}`;
  return withRetries(async () => {
    const res = await (await signer('s3')).fetch(objectUrl(bucket, '', q), { method: 'GET' });
    if (!res.ok) throw await toError('ListObjectsV2', bucket, prefix, res);
    const xml = await res.text();
    const objects: ListedObject[] = [];
    for (const [, c] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
      const key = xmlText(c!, 'Key');
      if (key === undefined) continue;
      const modified = xmlText(c!, 'LastModified');
      objects.push({ key, size: Number(xmlText(c!, 'Size') ?? 0), ...(modified ? { lastModified: new Date(modified) } : {}) });
    }
    const next = xmlText(xml, 'IsTruncated') === 'true' ? xmlText(xml, 'NextContinuationToken') : undefined;
    return { objects, ...(next ? { next } : {}) };
  }, transient);
}

/** The text of the first `<tag>` in `xml`, its entities decoded. */
function xmlText(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  if (!m) return undefined;
  return m[1]!.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, e: string) =>
    e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : e === 'apos' ? "'" : String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)),
  );
}

const xmlEscape = (v: string): string => v.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** POST with an optional XML body, retried; the answer's text (S3 may answer 200 with an <Error> to a CompleteMultipartUpload). */
function postXml(op: string, bucket: string, key: string, query: string, body = ''): Promise<string> {
  return withRetries(async () => {
    const res = await (await signer('s3')).fetch(objectUrl(bucket, key, query), {
      method: 'POST',
      headers: { 'x-amz-content-sha256': sha256(body), ...(body ? { 'content-type': 'application/xml' } : {}) },
      ...(body ? { body } : {}),
    });
    if (!res.ok) throw await toError(op, bucket, key, res);
    const text = await res.text();
    const code = /<Error>[\s\S]*?<Code>([^<]+)<\/Code>/.exec(text)?.[1];
    if (code) throw new S3Error(code, `S3 ${op} s3://${bucket}/${key}: ${code} (200)`, code === 'InternalError' || code === 'SlowDown' ? 500 : 400);
    return text;
  }, transient);
}

/**
 * Writes `body` as a multipart upload of `partSize` parts (the last one shorter), `concurrency` parts
 * in flight; a failure aborts the upload, so that no parts are left stored (and billed). Returns the
 * object's ETag (`"<hash>-<parts>"`).
 */
export async function putObjectInParts(bucket: string, key: string, body: Uint8Array, o: { partSize: number; concurrency?: number } & Pick<PutOptions, 'contentType' | 'contentEncoding' | 'metadata'>): Promise<string> {
  const created = await withRetries(async () => {
    const res = await (await signer('s3')).fetch(objectUrl(bucket, key, '?uploads'), { method: 'POST', headers: { 'x-amz-content-sha256': sha256(''), ...objectHeaders(o) } });
    if (!res.ok) throw await toError('CreateMultipartUpload', bucket, key, res);
    return res.text();
  }, transient);
  const uploadId = xmlText(created, 'UploadId');
  if (!uploadId) throw new S3Error('NoUploadId', `S3 CreateMultipartUpload s3://${bucket}/${key}: no UploadId in the answer`, 500);
  const upload = `uploadId=${encodeURIComponent(uploadId)}`;
  try {
    const count = Math.max(1, Math.ceil(body.byteLength / o.partSize));
    const etags: string[] = new Array<string>(count);
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < count; i = next++) {
        const part = body.subarray(i * o.partSize, Math.min(body.byteLength, (i + 1) * o.partSize));
        etags[i] = await withRetries(async () => {
          const res = await (await signer('s3')).fetch(objectUrl(bucket, key, `?partNumber=${i + 1}&${upload}`), { method: 'PUT', headers: { 'x-amz-content-sha256': sha256(part) }, body: part });
          if (!res.ok) throw await toError('UploadPart', bucket, key, res);
          await res.arrayBuffer();
          return res.headers.get('etag') ?? '';
        }, transient);
      }
    };
    await Promise.all(Array.from({ length: Math.min(o.concurrency ?? 4, count) }, worker));
    const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${xmlEscape(e)}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    return xmlText(await postXml('CompleteMultipartUpload', bucket, key, `?${upload}`, xml), 'ETag') ?? '';
  } catch (err) {
    await withRetries(async () => {
      const res = await (await signer('s3')).fetch(objectUrl(bucket, key, `?${upload}`), { method: 'DELETE', headers: { 'x-amz-content-sha256': sha256('') } });
      if (!res.ok && res.status !== 404) throw await toError('AbortMultipartUpload', bucket, key, res);
    }, transient).catch(() => undefined);
    throw err;
  }
}
