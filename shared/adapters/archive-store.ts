/**
 * The archive bucket: put (multipart above `partSize`, via @aws-sdk/lib-storage Upload), list, get,
 * head, and the archiver's range manifests (created with a conditional write, If-None-Match: *).
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import * as config from '../config.ts';
import { getS3 } from './s3.ts';

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
  readonly #s3: S3Client;
  readonly #partSize: number;
  /** Multipart uploads done (objects larger than one part). */
  multipartUploads = 0;

  constructor(opts: { bucket?: string; s3?: S3Client; partSize?: number } = {}) {
    this.bucket = opts.bucket ?? config.s3().archiveBucket;
    this.#s3 = opts.s3 ?? getS3();
    this.#partSize = Math.max(5 * 1024 * 1024, opts.partSize ?? DEFAULT_PART_SIZE);
  }

  /**
   * Writes an object. Bodies up to one part go as a single PutObject; larger ones as a multipart
   * upload (parts in parallel; aborted on failure, so no orphan parts are left billed).
   */
  async put(key: string, body: Buffer, opts: PutOptions = {}): Promise<void> {
    const params = {
      Bucket: this.bucket,
      Key: key,
      Body: body,
      ContentLength: body.length,
      ...(opts.contentType ? { ContentType: opts.contentType } : {}),
      ...(opts.contentEncoding ? { ContentEncoding: opts.contentEncoding } : {}),
      ...(opts.metadata ? { Metadata: opts.metadata } : {}),
    };
    if (body.length <= this.#partSize) {
      await this.#s3.send(new PutObjectCommand(params));
      return;
    }
    this.multipartUploads++;
    const upload = new Upload({ client: this.#s3, params, partSize: this.#partSize, queueSize: 4, leavePartsOnError: false });
    await upload.done();
  }

  /** Writes the object only if no object has that key yet; false when one exists. */
  async putIfAbsent(key: string, body: Buffer, contentType = 'application/json'): Promise<boolean> {
    try {
      await this.#s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, IfNoneMatch: '*' }));
      return true;
    } catch (err) {
      if (err instanceof S3ServiceException && (err.$metadata.httpStatusCode === 412 || err.name === 'PreconditionFailed')) return false;
      throw err;
    }
  }

  /** The object's bytes, or undefined when there is none. */
  async get(key: string): Promise<Buffer | undefined> {
    try {
      const out = await this.#s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (err) {
      if (err instanceof NoSuchKey || (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404)) return undefined;
      throw err;
    }
  }

  /** User metadata and size of an object, or undefined when there is none. */
  async head(key: string): Promise<{ size: number; metadata: Record<string, string>; etag?: string } | undefined> {
    try {
      const out = await this.#s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: out.ContentLength ?? 0, metadata: out.Metadata ?? {}, ...(out.ETag ? { etag: out.ETag } : {}) };
    } catch (err) {
      if (err instanceof NotFound || (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404)) return undefined;
      throw err;
    }
  }

  /** Every object under `prefix`, in key order (follows continuation tokens). */
  async list(prefix: string): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.#s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        out.push({ key: o.Key, size: o.Size ?? 0, ...(o.LastModified ? { lastModified: o.LastModified } : {}) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }
}
