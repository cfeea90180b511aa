/**
 * SigV4-signed fetch for the small AWS clients of the hot functions (./dynamodb-http.ts,
 * ./s3-http.ts), with `aws4fetch` doing the signing, and the retry they share: at most two more
 * attempts with jittered exponential backoff (25 ms, 50 ms) for what the caller says is transient
 * (throttling, 5xx) and for network failures; never once the caller's abort signal fired.
 */
import { AwsClient } from 'aws4fetch';
import * as config from '../config.ts';

const ATTEMPTS = 3;
const signers = new Map<string, AwsClient>();

/** The signer of one service (`dynamodb`, `s3`), with config.awsCredentials() and the region. */
export function signer(service: string): AwsClient {
  let s = signers.get(service);
  if (!s) {
    // retries: 0: aws4fetch's own loop retries 5xx up to 10 times; withRetries (below) also knows throttling.
    s = new AwsClient({ ...config.awsCredentials(), service, region: config.region(), retries: 0 });
    signers.set(service, s);
  }
  return s;
}

/** Forgets the signers (their credentials), e.g. after a test changed the environment. */
export function resetSigners(): void {
  signers.clear();
}

/**
 * Runs `attempt` until it succeeds, fails with an error `transient` does not accept (fetch's network
 * failure, a TypeError, always counts as transient), or three attempts failed.
 */
export async function withRetries<T>(attempt: () => Promise<T>, transient: (err: unknown) => boolean, signal?: AbortSignal): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      const retry = err instanceof TypeError || transient(err);
      if (!retry || signal?.aborted || n >= ATTEMPTS) throw err;
    }
    await new Promise((r) => setTimeout(r, (0.5 + Math.random() / 2) * 25 * 2 ** (n - 1)));
  }
}
