/**
 * The archive bucket: put (multipart above `partSize`), list, get, head, and the archiver's range
 * manifests (created with a conditional write, If-None-Match: *), over the small S3 client
 * (./s3-http.ts) rather than the AWS SDK's (the archive function's cold start).
 */
import * as config from '../config.ts';
import { getObject, headObject, listObjectsPage, putObject, putObjectInParts, S3Error } from './s3-http.ts';

export interface StoredObject {
  key: string;
  size: number;
  lastModified?: Date;
}

export interface PutOptions {
  contentType?: string;
  contentEncoding?: string;
  metadata?: Record<string, string>;
}

/** S3's minimum part size is 5 MiB; 8 MiB parts keep the part count low for large objects. */
export const DEFAULT_PART_SIZE = 8 * 1024 * 1024;

export class ArchiveStore {
  readonly bucket: string;
  readonly #partSize: number;
  /** Multipart uploads done (objects larger than one part). */
  multipartUploads = 0;

  constructor(opts: { bucket?: string; partSize?: number } = {}) {
    this.bucket = opts.bucket ?? config.s3().archiveBucket;
    this.#partSize = Math.max(5 * 1024 * 1024, opts.partSize ?? DEFAULT_PART_SIZE);
  }

  /**
   * Writes an object. Bodies up to one part go as a single PutObject; larger ones as a multipart
   * upload (four parts in flight; aborted on failure, so no orphan parts are left billed).
   */
  async put(key: string, body: Buffer, opts: PutOptions = {}): Promise<void> {
    if (body.length <= this.#partSize) {
      await putObject(this.bucket, key, body, opts);
      return;
    }
    this.multipartUploads++;
    await putObjectInParts(this.bucket, key, body, { ...opts, partSize: this.#partSize, concurrency: 4 });
  }

  /** Writes the object only if no object has that key yet; false when one exists. */
  async putIfAbsent(key: string, body: Buffer, contentType = 'application/json'): Promise<boolean> {
    try {
      await putObject(this.bucket, key, body, { contentType, ifNoneMatch: '*' });
      return true;
    } catch (err) {
      if (err instanceof S3Error && (err.status === 412 || err.name === 'PreconditionFailed')) return false;
      throw err;
    }
  }

  /** The object's bytes, or undefined when there is none. */
  async get(key: string): Promise<Buffer | undefined> {
    try {
      const out = await getObject(this.bucket, key);
      return Buffer.from(out.body.buffer, out.body.byteOffset, out.body.byteLength);
    } catch (err) {
      if (err instanceof S3Error && (err.name === 'NoSuchKey' || err.status === 404)) return undefined;
      throw err;
    }
  }

  /** User metadata and size of an object, or undefined when there is none. */
  head(key: string): Promise<{ size: number; metadata: Record<string, string>; etag?: string } | undefined> {
    return headObject(this.bucket, key);
  }

  /** Every object under `prefix`, in key order (follows continuation tokens). */
  async list(prefix: string): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await listObjectsPage(this.bucket, prefix, token);
      out.push(...page.objects);
      token = page.next;
    } while (token);
    return out;
  }
}
