/**
 * SigV4-signed fetch for the small AWS clients (./dynamodb-http.ts, ./s3-http.ts,
 * ./opensearch-http.ts, ./discovery.ts), with `aws4fetch` doing the signing, and the retry they
 * share: at most two more attempts with jittered exponential backoff (25 ms, 50 ms) for what the
 * caller says is transient (throttling, 5xx) and for network failures; never once the caller's
 * abort signal fired.
 */
import { AwsClient } from 'aws4fetch';
import * as config from '../config.ts';

const ATTEMPTS = 3;
/** Credentials that expire are renewed this long before they do. */
const REFRESH_MS = 5 * 60_000;

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date };
const signers = new Map<string, { client: AwsClient; renewAt: number }>();
const pending = new Map<string, Promise<AwsClient>>();

/** The signer of one service (`dynamodb`, `s3`, `es`, ...), with `credentials()` and config.region(). */
export async function signer(service: string): Promise<AwsClient> {
  const s = signers.get(service);
  if (s && Date.now() < s.renewAt) return s.client;
  let p = pending.get(service);
  if (!p) {
    p = credentials().then((c) => {
      // retries: 0: aws4fetch's own loop retries 5xx up to 10 times; withRetries (below) also knows throttling.
      const client = new AwsClient({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}), service, region: config.region(), retries: 0 });
      signers.set(service, { client, renewAt: c.expiration ? c.expiration.getTime() - REFRESH_MS : Infinity });
      return client;
    });
    pending.set(service, p);
    const done = () => void pending.delete(service);
    p.then(done, done);
  }
  return p;
}

/**
 * config.awsCredentials() (the local services' credentials, else the Lambda role's from the
 * environment). Without keys in the environment outside Lambda (the CLI run with a profile, SSO or
 * an instance role), the AWS SDK's default provider chain, loaded only then: in a Lambda bundle it is
 * deploy/shims/credentials.mjs, a file of its own loaded on first use (deploy/esbuild.cjs).
 */
async function credentials(): Promise<Credentials> {
  try {
    return config.awsCredentials();
  } catch (err) {
    if (!(err instanceof config.SettingError && err.variable === 'AWS_ACCESS_KEY_ID')) throw err;
    const { defaultProvider } = await import('@aws-sdk/credential-provider-node');
    try {
      return await defaultProvider()();
    } catch (chain) {
      throw new Error(`${err.message} (nor did the AWS SDK's default credential chain find any: ${(chain as Error).message})`, { cause: chain });
    }
  }
}

/** Forgets the signers (their credentials), e.g. after a test changed the environment. */
export function resetSigners(): void {
  signers.clear();
  pending.clear();
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
