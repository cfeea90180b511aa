/**
 * Helpers for the end-to-end suite: tenants, an HTTP client with bounded retries, a mixed-format
 * workload whose every event carries a unique marker, and readers for where events end up (the S3
 * archive, OpenSearch, logs.dlq, logs.deferred). Everything talks to the real local services.
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { ArchiveStore } from '../../shared/adapters/archive-store.ts';
import { DynamoTenantStore } from '../../shared/adapters/tenant-store.ts';
import { TopicReader } from '../../shared/adapters/kafka-consumer.ts';
import { decodeNdjsonGz } from '../../shared/archive/ndjson.ts';
import { RAW_PREFIX } from '../../shared/archive/keys.ts';
import type { RawEnvelope } from '../../shared/envelope/types.ts';
import type { Plan } from '../../shared/tenants/plans.ts';
import * as config from '../../shared/config.ts';

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A short random tag that makes tenant ids and markers unique to this run. */
export function runTag(): string {
  return `r${randomBytes(4).toString('hex')}`;
}

export async function addTenant(id: string, plan: string, overrides: Partial<Plan> = {}): Promise<string> {
  return (await new DynamoTenantStore().addTenant(id, plan, overrides)).token;
}

// ---------------------------------------------------------------------------------------------
// HTTP

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> | undefined;
}

export async function post(url: string, body: Buffer | string | undefined, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(url, { method: 'POST', headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : new Uint8Array(body) } : {}), signal: AbortSignal.timeout(120_000) });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/**
 * POSTs until a 202, retrying a network error or a 503 (what a well-behaved client does), at most
 * `attempts` times. The request carries an Idempotency-Key, so a retry re-creates the same event ids.
 */
export async function postUntilAccepted(url: string, body: Buffer | string, headers: Record<string, string>, attempts = 8): Promise<Answer & { tries: number }> {
  let last = '';
  for (let i = 1; i <= attempts; i++) {
    try {
      const a = await post(url, body, headers);
      if (a.status === 202) return { ...a, tries: i };
      if (a.status !== 503) throw new Error(`POST answered ${a.status}: ${a.text.slice(0, 300)}`);
      last = `503 ${a.text.slice(0, 200)}`;
    } catch (err) {
      if ((err as Error).message.startsWith('POST answered')) throw err;
      last = (err as Error).message;
    }
    await sleep(Math.min(5_000, 250 * 2 ** i));
  }
  throw new Error(`POST not accepted after ${attempts} attempts: ${last}`);
}

// ---------------------------------------------------------------------------------------------
// Workload: mixed formats, one marker per event

export interface TenantLoad {
  tenant: string;
  token: string;
}

export interface Request {
  tenant: string;
  token: string;
  kind: 'ndjson' | 'json-array' | 'text-stack' | 'gzip-ndjson';
  body: Buffer | string;
  headers: Record<string, string>;
  markers: string[];
}

/** Markers look like `mk-<tag>-<tenant>-<n>`; MARKER finds one in an event's raw text. */
export const MARKER = /mk-r[0-9a-f]{8}-[a-z0-9-]+?-\d+(?=\D|$)/;

export function markerOf(raw: string): string | undefined {
  return MARKER.exec(raw)?.[0];
}

/**
 * `requests` requests for the tenant, cycling through the formats; each carries `perRequest` events.
 * Returns the requests and the markers, one per event.
 */
export function workload(tag: string, t: TenantLoad, requests: number, perRequest: number): Request[] {
  const out: Request[] = [];
  let n = 0;
  const kinds: Request['kind'][] = ['ndjson', 'json-array', 'text-stack', 'gzip-ndjson'];
  const auth = { authorization: `Bearer ${t.token}` };
  for (let r = 0; r < requests; r++) {
    const kind = kinds[r % kinds.length]!;
    const markers = Array.from({ length: perRequest }, () => `mk-${tag}-${t.tenant}-${n++}`);
    const idem = { 'idempotency-key': `${tag}-${t.tenant}-${r}` };
    let body: Buffer | string;
    let headers: Record<string, string>;
    switch (kind) {
      case 'ndjson':
        body = markers.map((m, i) => JSON.stringify({ level: i % 7 === 0 ? 'error' : 'info', msg: `order ${i} placed for customer ${i * 7}`, mk: m, n: i })).join('\n');
        headers = { ...auth, ...idem, 'content-type': 'application/x-ndjson' };
        break;
      case 'json-array':
        body = JSON.stringify(markers.map((m, i) => ({ severity: 'warn', message: `cache miss for key user:${i}`, mk: m })));
        headers = { ...auth, ...idem, 'content-type': 'application/json' };
        break;
      case 'text-stack':
        // Each event is a log line followed by a Java stack trace: multi-line, one event each.
        body = markers
          .map(
            (m, i) =>
              `2024-05-01 10:00:${String(i % 60).padStart(2, '0')},123 ERROR [main] com.acme.Billing - charge failed ${m}\n` +
              `java.lang.IllegalStateException: card declined ${i}\n` +
              `\tat com.acme.billing.Charger.charge(Charger.java:42)\n` +
              `\tat com.acme.billing.Billing.run(Billing.java:17)\n` +
              `Caused by: java.io.IOException: timeout\n` +
              `\t... 2 more`,
          )
          .join('\n');
        headers = { ...auth, ...idem, 'content-type': 'text/plain', 'x-log-source': 'billing', 'x-log-tags': 'java,e2e' };
        break;
      case 'gzip-ndjson':
        body = gzipSync(markers.map((m, i) => `{"level":"debug","msg":"tick ${i}","mk":"${m}"}`).join('\n'));
        headers = { ...auth, ...idem, 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' };
        break;
    }
    out.push({ tenant: t.tenant, token: t.token, kind, body, headers, markers });
  }
  return out;
}

/** Sends the requests with `clients` concurrent clients; checks each answer's `accepted`. Returns per-tenant accepted counts. */
export async function sendAll(url: string, requests: readonly Request[], clients: number, opts: { paceMs?: number } = {}): Promise<Map<string, number>> {
  const accepted = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const req = requests[next++]!;
      const a = await postUntilAccepted(`${url}/v1/logs`, req.body, req.headers);
      if (a.json?.['accepted'] !== req.markers.length) {
        throw new Error(`${req.kind} request for ${req.tenant}: accepted ${String(a.json?.['accepted'])}, expected ${req.markers.length}`);
      }
      accepted.set(req.tenant, (accepted.get(req.tenant) ?? 0) + req.markers.length);
      if (opts.paceMs) await sleep(opts.paceMs);
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  return accepted;
}

// ---------------------------------------------------------------------------------------------
// Where events landed

export interface ArchivedLine {
  key: string;
  line: string;
  env: RawEnvelope;
}

/** Every line of every archive object under `prefix` (a tenant's by default). */
export async function archived(prefix: string): Promise<ArchivedLine[]> {
  const store = new ArchiveStore({ bucket: config.s3().archiveBucket });
  const out: ArchivedLine[] = [];
  const objects = await store.list(prefix);
  for (let i = 0; i < objects.length; i += 8) {
    const bodies = await Promise.all(objects.slice(i, i + 8).map(async (o) => ({ key: o.key, body: (await store.get(o.key))! })));
    for (const { key, body } of bodies) {
      for (const l of await decodeNdjsonGz(body)) {
        if (l.length === 0) continue;
        const line = l.toString('utf8');
        out.push({ key, line, env: JSON.parse(line) as RawEnvelope });
      }
    }
  }
  return out;
}

export const tenantArchivePrefix = (tenant: string) => `${RAW_PREFIX}tenant=${tenant}/`;

/** All archive object keys (to check that nothing landed outside the expected prefixes). */
export async function archiveKeys(prefix = RAW_PREFIX): Promise<string[]> {
  return (await new ArchiveStore({ bucket: config.s3().archiveBucket }).list(prefix)).map((o) => o.key);
}

export async function os(path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${config.opensearch().url}${path}`, {
    method: init.method ?? (init.body ? 'POST' : 'GET'),
    headers: { 'content-type': 'application/json' },
    ...(init.body ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export interface IndexedDoc {
  index: string;
  id: string;
  source: Record<string, unknown>;
}

/** Every document behind an index, alias or pattern (scrolling), with `_source` fields `fields`. */
export async function indexedDocs(target: string, fields: string[] = ['event_id', 'tenant', 'message', 'truncated']): Promise<IndexedDoc[]> {
  await os(`/${target}/_refresh`, { method: 'POST' });
  const first = await os(`/${target}/_search?scroll=1m&ignore_unavailable=true&allow_no_indices=true`, {
    body: { size: 5000, _source: fields, query: { match_all: {} }, sort: ['_doc'] },
  });
  if (first.status === 404) return [];
  if (first.status !== 200) throw new Error(`search ${target}: ${first.status} ${JSON.stringify(first.body).slice(0, 300)}`);
  const out: IndexedDoc[] = [];
  let page = first.body;
  for (let i = 0; i < 10_000; i++) {
    const hits = (page['hits'] as { hits: { _index: string; _id: string; _source: Record<string, unknown> }[] }).hits;
    for (const h of hits) out.push({ index: h._index, id: h._id, source: h._source ?? {} });
    const scrollId = page['_scroll_id'] as string | undefined;
    if (hits.length === 0 || !scrollId) {
      if (scrollId) await os('/_search/scroll', { method: 'DELETE', body: { scroll_id: scrollId } });
      break;
    }
    page = (await os('/_search/scroll', { body: { scroll: '1m', scroll_id: scrollId } })).body;
  }
  return out;
}

export async function countOf(target: string): Promise<number> {
  await os(`/${target}/_refresh`, { method: 'POST' });
  const r = await os(`/${target}/_count?ignore_unavailable=true&allow_no_indices=true`);
  return r.status === 200 ? Number(r.body['count']) : 0;
}

export interface TopicEntry {
  partition: number;
  offset: bigint;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

/** Every record of a topic from its log start to the high watermark seen now (bounded by `timeoutMs`). */
export async function readWholeTopic(topic: string, timeoutMs = 60_000): Promise<TopicEntry[]> {
  const reader = new TopicReader({ topic, groupId: `sluice-e2e-reader-${randomBytes(6).toString('hex')}` });
  try {
    const positions = await reader.positions();
    const out: TopicEntry[] = [];
    const ranges = positions.filter((p) => p.latest > p.earliest).map((p) => ({ partition: p.partition, start: p.earliest, end: p.latest }));
    if (ranges.length === 0) return out;
    const reached = await reader.read(ranges, {
      deadlineMs: Date.now() + timeoutMs,
      onRecord: (r) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of r.headers) if (k) headers[k.toString('utf8')] = v ? v.toString('utf8') : '';
        out.push({ partition: r.partition, offset: r.offset, key: r.key ? r.key.toString('utf8') : null, value: r.value ?? Buffer.alloc(0), headers });
      },
    });
    for (const r of ranges) if ((reached.get(r.partition) ?? 0n) < r.end) throw new Error(`read of ${topic}/${r.partition} did not finish in ${timeoutMs} ms`);
    return out;
  } finally {
    await reader.close();
  }
}

/** The envelope in a record value, or undefined when it is not one. */
export function envelopeOf(value: Buffer): RawEnvelope | undefined {
  try {
    const e = JSON.parse(value.toString('utf8')) as RawEnvelope;
    return typeof e === 'object' && e !== null && typeof e.id === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}

/** Polls `check` until it returns a value (not undefined) or `timeoutMs` passes; then throws with the last state. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>, everyMs = 2_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${(lastErr as Error).message})` : ''}`);
    await sleep(everyMs);
  }
}

/** Sum of one summary outcome for a tenant over the summary indices. */
export async function summaryOutcome(tenant: string, outcome: 'indexed' | 'deferred' | 'archive_only' | 'dlq' | 'deferred_indexed' | 'redeferred'): Promise<number> {
  await os('/sluice-summaries-*/_refresh', { method: 'POST' });
  const r = await os('/sluice-summaries-*/_search', {
    body: { size: 0, query: { term: { tenant } }, aggs: { n: { sum: { field: outcome } } } },
  });
  if (r.status !== 200) throw new Error(`summary search: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  return Number((r.body['aggregations'] as { n: { value: number } }).n.value);
}
