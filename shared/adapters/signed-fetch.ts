/**
 * SigV4-signed fetch for the small AWS clients (./dynamodb-http.ts, ./s3-http.ts,
 * ./opensearch-http.ts, ./discovery.ts), and the retry they share: at most two more attempts with
 * jittered exponential backoff (25 ms, 50 ms) for what the caller says is transient (throttling,
 * 5xx) and for network failures; never once the caller's abort signal fired.
 *
 * The signer is written here, on node:crypto's synchronous SHA-256 and HMAC, and plain records.
 * `aws4fetch` (a dependency until now) spent about 420 µs of CPU per request in Node 22: each
 * `crypto.subtle` call is a job and a promise, an HMAC imports its key first, and its canonical
 * request goes through WHATWG `URL`, `Headers` and `Request` objects (about 80 µs alone). That was
 * about 10 % of the process part's CPU in a load run, whose every batch signs budget, plan and
 * template-state requests. The AWS SDK's `@smithy/signature-v4` costs about 100 µs and 140 KiB of
 * bundle. This one takes 20 to 40 µs on the shared bench box; a unit test holds its signatures
 * equal to aws4fetch's, request for request (aws4fetch stays as the tests' reference).
 */
import { createHash, createHmac } from 'node:crypto';
import * as config from '../config.ts';

const ATTEMPTS = 3;
/** Credentials that expire are renewed this long before they do. */
const REFRESH_MS = 5 * 60_000;

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date };
const signers = new Map<string, { client: SigV4Client; renewAt: number }>();
const pending = new Map<string, Promise<SigV4Client>>();

/** The signer of one service (`dynamodb`, `s3`, `es`, ...), with `credentials()` and config.region(). */
export async function signer(service: string): Promise<SigV4Client> {
  const s = signers.get(service);
  if (s && Date.now() < s.renewAt) return s.client;
  let p = pending.get(service);
  if (!p) {
    p = credentials().then((c) => {
      const client = new SigV4Client({ accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}), service, region: config.region() });
      signers.set(service, { client, renewAt: c.expiration ? c.expiration.getTime() - REFRESH_MS : Infinity });
      return client;
    });
    pending.set(service, p);
    const done = () => void pending.delete(service);
    p.then(done, done);
  }
  return p;
}

export interface SigV4Options {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  service: string;
  region: string;
}

/** Headers a proxy or the client may change: left out of the signature (aws4fetch's list). */
const UNSIGNABLE = new Set(['authorization', 'content-type', 'content-length', 'user-agent', 'presigned-expires', 'expect', 'x-amzn-trace-id', 'range', 'connection']);
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface SignedRequest {
  url: URL;
  /** The request's headers (names lower-cased) with `x-amz-date`, `authorization` and the rest SigV4 adds. */
  headers: Record<string, string>;
}

/** Signs and sends requests for one service (no retries of its own: see `withRetries`). */
export class SigV4Client {
  /** The signing key of each day. */
  private readonly keys = new Map<string, Buffer>();

  constructor(private readonly o: SigV4Options) {}

  /**
   * The request signed (SigV4 in the `authorization` header). `init.headers`: a plain record;
   * `init.body`: a string or bytes (or none) unless the headers carry `x-amz-content-sha256`;
   * `datetime`: `YYYYMMDDTHHMMSSZ`, now by default.
   */
  sign(url: string, init: RequestInit, datetime = amzDate(new Date())): SignedRequest {
    const u = new URL(url);
    const headers = lowerCased(init.headers as Record<string, string> | undefined);
    const s3 = this.o.service === 's3';
    if (s3 && headers['x-amz-content-sha256'] === undefined) headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    headers['x-amz-date'] = datetime;
    if (this.o.sessionToken) headers['x-amz-security-token'] = this.o.sessionToken;
    const names = ['host', ...Object.keys(headers).filter((h) => !UNSIGNABLE.has(h))].sort();
    const signedHeaders = names.join(';');
    const canonicalHeaders = names.map((h) => `${h}:${h === 'host' ? u.host : headers[h]!.trim().replace(/\s+/g, ' ')}\n`).join('');
    const scope = `${datetime.slice(0, 8)}/${this.o.region}/${this.o.service}/aws4_request`;
    const canonical = [(init.method ?? 'GET').toUpperCase(), canonicalPath(u.pathname, s3), canonicalQuery(u.searchParams, s3), canonicalHeaders, signedHeaders, headers['x-amz-content-sha256'] ?? bodyHash(init.body)].join('\n');
    const toSign = `AWS4-HMAC-SHA256\n${datetime}\n${scope}\n${createHash('sha256').update(canonical).digest('hex')}`;
    const signature = createHmac('sha256', this.signingKey(datetime.slice(0, 8))).update(toSign).digest('hex');
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${this.o.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
    return { url: u, headers };
  }

  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const { url: u, headers } = this.sign(url, init);
    return fetch(u, { ...init, headers });
  }

  private signingKey(date: string): Buffer {
    let key = this.keys.get(date);
    if (key === undefined) {
      key = hmac(hmac(hmac(hmac('AWS4' + this.o.secretAccessKey, date), this.o.region), this.o.service), 'aws4_request');
      this.keys.clear();
      this.keys.set(date, key);
    }
    return key;
  }
}

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** `20261201T101500Z`. */
const amzDate = (d: Date): string => d.toISOString().replace(/[:-]|\.\d{3}/g, '');

function lowerCased(h: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (h === undefined) return out;
  // A Headers object or an array of pairs (both have forEach) would lose its entries here.
  if (typeof (h as unknown as Headers).forEach === 'function') throw new TypeError('signed fetch: headers must be a plain record of strings');
  for (const k of Object.keys(h)) if (k.toLowerCase() !== 'host') out[k.toLowerCase()] = String(h[k]);
  return out;
}

function bodyHash(body: RequestInit['body']): string {
  if (body == null) return EMPTY_SHA256;
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) throw new Error('body must be a string or bytes, unless the request has an X-Amz-Content-Sha256 header');
  return createHash('sha256').update(body).digest('hex');
}

/** RFC 3986 on top of encodeURIComponent (which leaves !'()* alone). */
const rfc3986 = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

/** The path, each segment encoded once more (S3: once, from its decoded form; others: slashes collapsed). */
function canonicalPath(pathname: string, s3: boolean): string {
  let p = pathname;
  if (s3) {
    try {
      p = decodeURIComponent(pathname.replace(/\+/g, ' '));
    } catch {
      p = pathname;
    }
  } else p = pathname.replace(/\/+/g, '/');
  return rfc3986(p).replace(/%2F/g, '/');
}

/** Query pairs encoded and sorted by key, then value (S3: the first of a repeated key only). */
function canonicalQuery(params: URLSearchParams, s3: boolean): string {
  const seen = new Set<string>();
  const pairs: Array<[string, string]> = [];
  for (const [k, v] of params) {
    if (!k || (s3 && seen.has(k))) continue;
    seen.add(k);
    pairs.push([rfc3986(k), rfc3986(v)]);
  }
  pairs.sort(([k1, v1], [k2, v2]) => (k1 < k2 ? -1 : k1 > k2 ? 1 : v1 < v2 ? -1 : v1 > v2 ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
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
