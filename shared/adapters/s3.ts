/** S3 adapter: the archive bucket. Path-style addressing against a local S3-compatible server. */
import { S3Client } from '@aws-sdk/client-s3';
import * as config from '../config.ts';
import { onClose } from './lifecycle.ts';

let client: S3Client | undefined;

export function getS3(): S3Client {
  if (!client) {
    const { endpoint } = config.s3();
    const credentials = config.localCredentials();
    client = new S3Client({
      region: config.region(),
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      ...(credentials ? { credentials } : {}),
    });
    const c = client;
    onClose(() => {
      if (client === c) client = undefined;
      c.destroy();
    });
  }
  return client;
}
