/**
 * Claim-check adapter: the values too large for a spill record, as objects of the archive bucket
 * (keys under `spill/`, which the bucket's lifecycle rule expires). Implements ClaimCheckStore.
 */
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3ServiceException, type S3Client } from '@aws-sdk/client-s3';
import * as config from '../config.ts';
import type { ClaimCheckStore } from '../delivery/ports.ts';
import { getS3 } from './s3.ts';

export class S3ClaimCheckStore implements ClaimCheckStore {
  readonly #s3: () => S3Client;
  readonly #bucket: string;

  constructor(opts: { s3?: S3Client; bucket?: string } = {}) {
    this.#s3 = opts.s3 ? () => opts.s3! : getS3;
    this.#bucket = opts.bucket ?? config.s3().archiveBucket;
  }

  async put(objectKey: string, value: Buffer): Promise<void> {
    await this.#s3().send(new PutObjectCommand({ Bucket: this.#bucket, Key: objectKey, Body: value }));
  }

  async get(objectKey: string): Promise<Buffer | undefined> {
    try {
      const out = await this.#s3().send(new GetObjectCommand({ Bucket: this.#bucket, Key: objectKey }));
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (err) {
      if (err instanceof NoSuchKey || (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404)) return undefined;
      throw err;
    }
  }
}
