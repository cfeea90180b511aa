/**
 * Claim-check adapter: the values too large for a spill record, as objects of the archive bucket
 * (keys under `spill/`, which the bucket's lifecycle rule expires). Implements ClaimCheckStore, over
 * the small S3 client (./s3-http.ts).
 */
import * as config from '../config.ts';
import type { ClaimCheckStore } from '../delivery/ports.ts';
import { getObject, putObject, S3Error } from './s3-http.ts';

export class S3ClaimCheckStore implements ClaimCheckStore {
  readonly #bucket: string;

  constructor(opts: { bucket?: string } = {}) {
    this.#bucket = opts.bucket ?? config.s3().archiveBucket;
  }

  async put(objectKey: string, value: Buffer): Promise<void> {
    await putObject(this.#bucket, objectKey, value);
  }

  async get(objectKey: string): Promise<Buffer | undefined> {
    try {
      const out = await getObject(this.#bucket, objectKey);
      return Buffer.from(out.body.buffer, out.body.byteOffset, out.body.byteLength);
    } catch (err) {
      if (err instanceof S3Error && (err.name === 'NoSuchKey' || err.status === 404)) return undefined;
      throw err;
    }
  }
}
