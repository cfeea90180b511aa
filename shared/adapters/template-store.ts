/**
 * Per-tenant template miner state in S3: one gzipped JSON object per tenant,
 * `templates/<tenant>.json.gz` in the archive bucket (outside `raw/`, so Athena never reads it).
 *
 * Why S3 and not DynamoDB: a tenant's state is bounded by the miner's `maxClusters` (2,000 clusters
 * of up to ~1 KB each), which can exceed DynamoDB's 400 KB item limit; S3 has no such limit, costs a
 * GET per tenant per Lambda instance start (plus a cheap 304 revalidation now and then) and a PUT
 * only when a batch changed the templates, and supports conditional writes (If-Match on the ETag
 * read, If-None-Match: * for the first write), which is all the concurrency control this needs:
 * the caller merges on a conflict (`shared/templates/merge.ts`) and writes again.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import * as config from '../config.ts';
import { getS3 } from './s3.ts';
import { assertTenantId } from '../tenants/ids.ts';
import type { MinerState } from '../templates/miner.ts';
import type { StoredTemplates, TemplateStateStore } from '../templates/ports.ts';

export const TEMPLATES_PREFIX = 'templates/';

export function templatesKey(tenant: string): string {
  return `${TEMPLATES_PREFIX}${assertTenantId(tenant)}.json.gz`;
}

function status(err: unknown): number | undefined {
  return err instanceof S3ServiceException ? err.$metadata.httpStatusCode : (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

export class S3TemplateStore implements TemplateStateStore {
  readonly bucket: string;
  readonly #s3: () => S3Client;

  constructor(opts: { bucket?: string; s3?: S3Client } = {}) {
    this.bucket = opts.bucket ?? config.s3().archiveBucket;
    const s3 = opts.s3;
    this.#s3 = s3 ? () => s3 : getS3;
  }

  async get(tenant: string, ifNoneMatch?: string): Promise<StoredTemplates | undefined | 'unchanged'> {
    try {
      const out = await this.#s3().send(
        new GetObjectCommand({ Bucket: this.bucket, Key: templatesKey(tenant), ...(ifNoneMatch ? { IfNoneMatch: ifNoneMatch } : {}) }),
      );
      const bytes = await out.Body!.transformToByteArray();
      const state = JSON.parse(gunzipSync(bytes).toString('utf8')) as MinerState;
      return { state, etag: out.ETag ?? '' };
    } catch (err) {
      const s = status(err);
      if (s === 304) return 'unchanged';
      if (s === 404 || (err as Error).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async put(tenant: string, state: MinerState, ifMatch: string | undefined): Promise<string | undefined> {
    try {
      const out = await this.#s3().send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: templatesKey(tenant),
          Body: gzipSync(JSON.stringify(state)),
          ContentType: 'application/json',
          ContentEncoding: 'gzip',
          ...(ifMatch ? { IfMatch: ifMatch } : { IfNoneMatch: '*' }),
        }),
      );
      return out.ETag ?? '';
    } catch (err) {
      const s = status(err);
      // 412: the precondition failed; 409: a concurrent conditional write to the same key.
      if (s === 412 || s === 409 || (err as Error).name === 'PreconditionFailed') return undefined;
      throw err;
    }
  }
}
