/**
 * The read routes, each a plain function of the tenant, its limits and the query string, behind the
 * ports below (the OpenSearch adapter: shared/adapters/query-store.ts). Every OpenSearch request
 * is built by request.ts, inside the filter on the tenant.
 *
 *   GET /v1/search?q=&from=&to=&size=&cursor=   newest first, a page; `next` is the cursor of the next page
 *   GET /v1/tail?since=&q=&wait=&delay=         events received after the cursor, oldest first (long poll),
 *                                               up to `delay` s ago (5 by default: the pipeline's indexing lag)
 *   GET /v1/templates/top?from=&to=&limit=      the most frequent templates with their counts
 *   GET /v1/summaries?from=&to=&field=          per-minute events by level (and a numeric field's trend)
 */
import type { SummaryDoc } from '../summary/summary.ts';
import { encodeCursor, type Cursor } from './cursor.ts';
import { QueryError } from './errors.ts';
import { fieldTrend, perMinute, topTemplates, type TemplateLookup } from './insights.ts';
import type { QueryLimits } from './limits.ts';
import { readCursor, readQuery, readRange, readSearch, readSize, searchRequest, tailRequest, type OpenSearchRequest, type TimeRange } from './request.ts';

export interface SearchHit {
  source: Record<string, unknown>;
  sort: Cursor;
}

export interface ReadPorts {
  /** One search; `timedOut` when OpenSearch stopped at the request's timeout. */
  search(req: OpenSearchRequest): Promise<{ hits: SearchHit[]; timedOut: boolean }>;
  /** The tenant's `process` summary contributions of the minutes in the range (with their field statistics when `stats`). */
  summaries(tenant: string, range: TimeRange, stats?: boolean): Promise<SummaryDoc[]>;
  /** The tenant's template ids to their current template (its miner state). */
  templates(tenant: string): Promise<TemplateLookup>;
  settings: { prefix: string; timeoutMs: number; tailWaitMs: number; tailPollMs: number };
  now(): number;
  sleep(ms: number): Promise<void>;
}

type Query = Readonly<Record<string, string | undefined>>;
export type Route = (ports: ReadPorts, tenant: string, limits: QueryLimits, query: Query) => Promise<unknown>;

/** A document as the API shows it. */
export function toEvent(s: Record<string, unknown>) {
  return {
    time: s['@timestamp'], receivedAt: s.received_at, id: s.event_id, message: s.message, level: s.level, format: s.format,
    source: s.source, host: s.host, service: s.service, tags: s.tags ?? [], templateId: s.template_id, fields: s.fields ?? {}, flags: s.flags ?? [],
  };
}

async function run(ports: ReadPorts, req: OpenSearchRequest): Promise<SearchHit[]> {
  const out = await ports.search(req);
  if (out.timedOut) {
    throw new QueryError(504, 'timeout', `The search ran past ${Math.round(ports.settings.timeoutMs / 1000)} s. Narrow the time range or the query, and retry.`);
  }
  return out.hits;
}

const search: Route = async (ports, tenant, limits, query) => {
  const p = readSearch(query, limits, ports.now());
  const hits = await run(ports, searchRequest(tenant, p, ports.settings.timeoutMs, ports.settings.prefix));
  const last = hits[hits.length - 1];
  return {
    events: hits.map((h) => toEvent(h.source)),
    ...(hits.length === p.size && last ? { next: encodeCursor(last.sort) } : {}),
    from: new Date(p.fromMs).toISOString(),
    to: new Date(p.toMs).toISOString(),
    size: p.size,
  };
};

function waitMs(query: Query, max: number): number {
  const v = query.wait;
  if (v === undefined || v === '') return max;
  if (!/^\d{1,3}$/.test(v)) throw QueryError.badParameter('wait', `give whole seconds from 0 to ${Math.floor(max / 1000)}.`);
  return Math.min(max, Number(v) * 1000);
}

/** Default and largest tail delay: events received less than this long ago are left for the next poll. */
export const TAIL_DELAY_MS = 5_000;
const MAX_TAIL_DELAY_S = 30;

/**
 * The tail follows the receive time, and an event is searchable a few seconds after it was received
 * (process's batch window, the bulk, the index refresh). Reading only up to `delay` ago lets the
 * events received before that be indexed first, so a cursor does not pass them (as Loki's tail
 * `delay_for`); events indexed later still than that (a backlog, deferral) are not tailed. A tail
 * without a cursor starts now: its first events show `delay` s after they were received.
 */
function delayMs(query: Query): number {
  const v = query.delay;
  if (v === undefined || v === '') return TAIL_DELAY_MS;
  if (!/^\d{1,2}$/.test(v) || Number(v) > MAX_TAIL_DELAY_S) throw QueryError.badParameter('delay', `give whole seconds from 0 to ${MAX_TAIL_DELAY_S} (default ${TAIL_DELAY_MS / 1000}).`);
  return Number(v) * 1000;
}

const tail: Route = async (ports, tenant, limits, query) => {
  const delay = delayMs(query);
  const since = readCursor(query, 'since') ?? [ports.now(), ''];
  const dsl = readQuery(query);
  const size = readSize(query, limits);
  const deadline = ports.now() + waitMs(query, ports.settings.tailWaitMs);
  for (;;) {
    const hits = await run(ports, tailRequest(tenant, since, dsl, size, ports.settings.timeoutMs, ports.settings.prefix, ports.now() - delay));
    const last = hits[hits.length - 1];
    if (last) return { events: hits.map((h) => toEvent(h.source)), cursor: encodeCursor(last.sort) };
    const left = deadline - ports.now();
    if (left <= 0) return { events: [], cursor: encodeCursor(since) };
    await ports.sleep(Math.min(ports.settings.tailPollMs, left));
  }
};

const templatesTop: Route = async (ports, tenant, limits, query) => {
  const range = readRange(query, limits, ports.now());
  const v = query.limit;
  if (v !== undefined && v !== '' && (!/^\d{1,4}$/.test(v) || Number(v) < 1 || Number(v) > 100)) throw QueryError.badParameter('limit', 'give a whole number from 1 to 100.');
  const [docs, lookup] = await Promise.all([ports.summaries(tenant, range), ports.templates(tenant)]);
  return { templates: topTemplates(docs, lookup, v ? Number(v) : 20), from: new Date(range.fromMs).toISOString(), to: new Date(range.toMs).toISOString() };
};

const summaries: Route = async (ports, tenant, limits, query) => {
  const range = readRange(query, limits, ports.now());
  const field = query.field || undefined;
  if (field !== undefined && !/^[A-Za-z0-9_@][A-Za-z0-9_.@-]{0,127}$/.test(field)) throw QueryError.badParameter('field', 'give the name of a numeric field (e.g. latency_ms, response_time_ms); without it, no trend.');
  const docs = await ports.summaries(tenant, range, field !== undefined);
  return { minutes: perMinute(docs), ...(field !== undefined ? fieldTrend(docs, field) : {}), from: new Date(range.fromMs).toISOString(), to: new Date(range.toMs).toISOString() };
};

export const ROUTES: Readonly<Record<string, Route>> = Object.freeze({
  '/v1/search': search,
  '/v1/tail': tail,
  '/v1/templates/top': templatesTop,
  '/v1/summaries': summaries,
});

/** True for a request the query function answers (the local gateway sends these there, the rest to ingest). */
export function isReadRoute(method: string, path: string): boolean {
  return method.toUpperCase() === 'GET' && (path in ROUTES || path === '/console' || path === '/console/');
}
