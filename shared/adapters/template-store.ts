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
 * Over the small signed-fetch S3 client (./s3-http.ts), not the AWS SDK: process's cold start.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import * as config from '../config.ts';
import { getObject, putObject, S3Error } from './s3-http.ts';
import { assertTenantId } from '../tenants/ids.ts';
import type { MinerState } from '../templates/miner.ts';
import type { StoredTemplates, TemplateStateStore } from '../templates/ports.ts';

export const TEMPLATES_PREFIX = 'templates/';

export function templatesKey(tenant: string): string {
  return `${TEMPLATES_PREFIX}${assertTenantId(tenant)}.json.gz`;
}

const status = (err: unknown): number | undefined => (err instanceof S3Error ? err.status : undefined);

/** gzip's magic bytes: the body as stored (a fetch that inflated `Content-Encoding: gzip` already gives JSON). */
const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

export class S3TemplateStore implements TemplateStateStore {
  readonly bucket: string;

  constructor(opts: { bucket?: string } = {}) {
    this.bucket = opts.bucket ?? config.s3().archiveBucket;
  }

  async get(tenant: string, ifNoneMatch?: string): Promise<StoredTemplates | undefined | 'unchanged'> {
    try {
      const out = await getObject(this.bucket, templatesKey(tenant), ifNoneMatch ? { ifNoneMatch } : {});
      const json = isGzip(out.body) ? gunzipSync(out.body) : Buffer.from(out.body);
      const state = JSON.parse(json.toString('utf8')) as MinerState;
      return { state, etag: out.etag };
    } catch (err) {
      const s = status(err);
      if (s === 304) return 'unchanged';
      if (s === 404 || (err as Error).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async put(tenant: string, state: MinerState, ifMatch: string | undefined): Promise<string | undefined> {
    try {
      return await putObject(this.bucket, templatesKey(tenant), gzipSync(JSON.stringify(state)), {
        contentType: 'application/json',
        contentEncoding: 'gzip',
        ...(ifMatch ? { ifMatch } : { ifNoneMatch: '*' }),
      });
    } catch (err) {
      const s = status(err);
      // 412: the precondition failed; 409: a concurrent conditional write to the same key.
      if (s === 412 || s === 409 || (err as Error).name === 'PreconditionFailed') return undefined;
      throw err;
    }
  }
}
