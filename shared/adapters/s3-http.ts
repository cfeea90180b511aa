/**
 * A small S3 client for the hot functions (process's template store): GetObject and PutObject with
 * their conditional headers, over SigV4-signed fetch (./signed-fetch.ts), instead of the AWS SDK's
 * S3 client (about 250 KiB of bundled code with @smithy/core). Path-style URLs against a local
 * endpoint (MinIO), virtual-hosted ones (`<bucket>.s3.<region>.amazonaws.com`) on AWS.
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

function objectUrl(bucket: string, key: string): string {
  const path = key.split('/').map(encodeURIComponent).join('/');
  const { endpoint } = config.s3();
  return endpoint ? `${endpoint.replace(/\/$/, '')}/${bucket}/${path}` : `https://${bucket}.s3.${config.region()}.amazonaws.com/${path}`;
}

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
    const res = await signer('s3').fetch(objectUrl(bucket, key), {
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
  /** Write only over this ETag (412 otherwise). */
  ifMatch?: string;
  /** `*`: write only if there is no object yet (412 otherwise). */
  ifNoneMatch?: string;
}

/** Writes the object; returns its ETag. */
export function putObject(bucket: string, key: string, body: Uint8Array, o: PutOptions = {}): Promise<string> {
  const headers: Record<string, string> = {
    'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'),
    ...(o.contentType ? { 'content-type': o.contentType } : {}),
    ...(o.contentEncoding ? { 'content-encoding': o.contentEncoding } : {}),
    ...(o.ifMatch ? { 'if-match': o.ifMatch } : {}),
    ...(o.ifNoneMatch ? { 'if-none-match': o.ifNoneMatch } : {}),
  };
  return withRetries(async () => {
    const res = await signer('s3').fetch(objectUrl(bucket, key), { method: 'PUT', headers, body });
    if (!res.ok) throw await toError('PutObject', bucket, key, res);
    await res.arrayBuffer();
    return res.headers.get('etag') ?? '';
  }, transient);
}
