/**
 * A small OpenSearch client for the Lambdas (process, deferred, retention, setup): the REST calls
 * Sluice makes and nothing else, over fetch, signed with SigV4 (`es`, ./signed-fetch.ts) on Amazon
 * OpenSearch Service (OPENSEARCH_AUTH=sigv4), plain HTTP against the local node. It stands in for
 * @opensearch-project/opensearch (about 170 KiB of bundled code with its JSON and signing helpers,
 * which require() all 40 API namespaces at load). The CLI and the tests keep the official client
 * (./opensearch.ts): it checks this one from outside.
 *
 * As the official client does: JSON bodies as `application/json`, `_bulk` bodies (NDJSON, a string
 * or bytes) sent unchanged as `application/x-ndjson`, a 30 s request timeout unless told, a non-2xx
 * answer thrown as an error carrying OpenSearch's error `type` and `reason`. Retries: idempotent
 * calls retry a 502/503/504 answer, a timeout or a failed connection twice, with jittered backoff
 * (25 ms, 50 ms; ./signed-fetch.ts); the stage's `_bulk`, index creation and alias changes do not
 * (the stage retries per item or per target, within its own deadline).
 */
import * as config from '../config.ts';
import { signer, withRetries } from './signed-fetch.ts';

/** An answer OpenSearch gave with a non-2xx status (`status`), or no answer at all (`status` 0). */
export class OpenSearchError extends Error {
  override readonly name = 'OpenSearchError';
  constructor(
    message: string,
    readonly status: number,
    /** OpenSearch's error type (`resource_already_exists_exception`, ...); `timeout` / `connection` for no answer. */
    readonly type: string | undefined,
    readonly reason: string | undefined,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  /** A JSON body (serialized here). */
  json?: unknown;
  /** An NDJSON body (`_bulk`), sent as is. */
  ndjson?: string | Uint8Array;
  /** Milliseconds before the request is given up (an OpenSearchError of type `timeout`). Default 30,000. */
  timeoutMs?: number;
  /** Retry a 502/503/504, a timeout or a failed connection (idempotent calls only). Default true. */
  retry?: boolean;
}

type Fetch = (url: string, init: RequestInit) => Promise<Response>;
const DEFAULT_TIMEOUT_MS = 30_000;
const RETRIED = new Set([0, 502, 503, 504]);
const transient = (err: unknown): boolean => err instanceof OpenSearchError && RETRIED.has(err.status);
const name = (index: string): string => encodeURIComponent(index);

export class OpenSearchHttp {
  readonly url: string;
  readonly #fetch: Fetch;

  /** `sigv4`: each request signed with config.awsCredentials() for the `es` service of config.region(). */
  constructor(o: { url: string; auth?: 'none' | 'sigv4' }) {
    this.url = o.url.replace(/\/+$/, '');
    this.#fetch = o.auth === 'sigv4' ? async (url, init) => (await signer('es')).fetch(url, init) : (url, init) => fetch(url, init);
  }

  /** One REST call; the parsed JSON answer (undefined for an empty one). */
  async request<T = Record<string, unknown>>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const url = this.url + path + queryString(o.query);
    // No compressed answers (fetch asks for them by default): the official client does not ask
    // either, and gzipping every _bulk answer costs the node CPU that indexing needs.
    const headers: Record<string, string> = { 'accept-encoding': 'identity' };
    let body: string | Uint8Array | undefined;
    if (o.ndjson !== undefined) {
      headers['content-type'] = 'application/x-ndjson';
      body = o.ndjson;
    } else if (o.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(o.json);
    }
    const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const once = () => this.#send<T>(method, url, path, { method, headers, ...(body !== undefined ? { body } : {}) }, timeoutMs);
    return o.retry === false ? once() : withRetries(once, transient);
  }

  async #send<T>(method: string, url: string, path: string, init: RequestInit, timeoutMs: number): Promise<T> {
    let res: Response;
    let text: string;
    try {
      res = await this.#fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      text = await res.text();
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      const what = timedOut ? `no answer within ${timeoutMs} ms` : `no connection (${describeCause(err)})`;
      throw new OpenSearchError(`OpenSearch ${method} ${path}: ${what}`, 0, timedOut ? 'timeout' : 'connection', what);
    }
    const parsed = parse(text);
    if (res.ok) return parsed as T;
    const e = (parsed as { error?: { type?: string; reason?: string } | string } | undefined)?.error;
    const type = typeof e === 'object' ? e.type : undefined;
    const reason = typeof e === 'object' ? e.reason : typeof e === 'string' ? e : text.slice(0, 300) || undefined;
    throw new OpenSearchError(`OpenSearch ${method} ${path}: ${type ? `${type}: ` : ''}${reason ?? ''} (${res.status})`, res.status, type, reason, parsed);
  }

  // --- the calls Sluice makes ---------------------------------------------------------------------

  /**
   * `POST /_bulk` with a pre-built NDJSON body. Not retried unless `retry` (the stage retries per
   * item; retention's deletes may be retried whole).
   */
  bulk<T = Record<string, unknown>>(ndjson: string | Uint8Array, o: { filterPath?: string; timeoutMs?: number; refresh?: boolean; retry?: boolean } = {}): Promise<T> {
    const query: Query = { filter_path: o.filterPath, refresh: o.refresh };
    return this.request<T>('POST', '/_bulk', { ndjson, query, retry: o.retry ?? false, ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}) });
  }

  /** `PUT /<index>` with its settings, mappings and aliases; never retried. */
  createIndex(index: string, body: object = {}): Promise<unknown> {
    return this.request('PUT', `/${name(index)}`, { json: body, retry: false });
  }

  /** `POST /_aliases`; never retried. */
  updateAliases(actions: readonly object[]): Promise<unknown> {
    return this.request('POST', '/_aliases', { json: { actions }, retry: false });
  }

  /** `DELETE /<index>` (a name, never a pattern: expand_wildcards=none). */
  deleteIndex(index: string, o: { ignoreUnavailable?: boolean } = {}): Promise<unknown> {
    return this.request('DELETE', `/${name(index)}`, { query: { ignore_unavailable: o.ignoreUnavailable, expand_wildcards: 'none' } });
  }

  /** `POST /<indices>/_refresh`. */
  refresh(indices: string, o: { ignoreUnavailable?: boolean } = {}): Promise<unknown> {
    return this.request('POST', `/${name(indices)}/_refresh`, { query: { ignore_unavailable: o.ignoreUnavailable } });
  }

  /** `GET /_cat/indices/<pattern>?format=json&h=index`: the open indices' names. */
  async listIndices(pattern: string): Promise<string[]> {
    const rows = await this.request<Array<{ index: string }> | undefined>('GET', `/_cat/indices/${name(pattern)}`, { query: { format: 'json', h: 'index', expand_wildcards: 'open' } });
    return (rows ?? []).map((r) => r.index);
  }

  /** `PUT /_index_template/<name>`. */
  putIndexTemplate(template: string, body: object): Promise<unknown> {
    return this.request('PUT', `/_index_template/${name(template)}`, { json: body });
  }

  /** `PUT /<indices>/_mapping`. */
  putMapping(indices: string, body: object, o: { allowNoIndices?: boolean } = {}): Promise<unknown> {
    return this.request('PUT', `/${name(indices)}/_mapping`, { json: body, query: { allow_no_indices: o.allowNoIndices } });
  }

  /** `GET /_cluster/settings`, flat, with the defaults. */
  clusterSettings(): Promise<Record<'persistent' | 'transient' | 'defaults', Record<string, unknown> | undefined>> {
    return this.request('GET', '/_cluster/settings', { query: { include_defaults: true, flat_settings: true } });
  }

  /** `PUT /_cluster/settings`. */
  putClusterSettings(body: object): Promise<unknown> {
    return this.request('PUT', '/_cluster/settings', { json: body });
  }

  /** `POST /<index>/_search` (with `scroll`, `routing`, ... as query parameters). */
  search<T = Record<string, unknown>>(index: string, body: object, query: Query = {}): Promise<T> {
    return this.request<T>('POST', `/${name(index)}/_search`, { json: body, query });
  }

  /** `POST /_search/scroll`: the next page of a scroll. */
  scroll<T = Record<string, unknown>>(scrollId: string, keepAlive: string): Promise<T> {
    return this.request<T>('POST', '/_search/scroll', { json: { scroll_id: scrollId, scroll: keepAlive } });
  }

  /** `DELETE /_search/scroll`. */
  clearScroll(scrollId: string): Promise<unknown> {
    return this.request('DELETE', '/_search/scroll', { json: { scroll_id: scrollId } });
  }
}

function queryString(q: Query | undefined): string {
  if (!q) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(q)) if (v !== undefined) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

function parse(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function describeCause(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err as Error).message;
}

let client: OpenSearchHttp | undefined;

/** The configured node (config.opensearch()), one client per instance. */
export function getSearchClient(): OpenSearchHttp {
  return (client ??= new OpenSearchHttp(config.opensearch()));
}

/** Forgets the client (e.g. after a test changed OPENSEARCH_URL). */
export function resetSearchClient(): void {
  client = undefined;
}
