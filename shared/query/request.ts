/**
 * A read route's parameters, checked, and the OpenSearch requests they become. Pure.
 *
 * Every request searches the tenant's alias (`sluice-tenant-<id>`: only the indices holding its
 * documents, filtered on the tenant and routed to its shard in the shared ones) AND filters on
 * `tenant` itself, so the alias is a convenience and the filter the boundary: the tenant's own
 * query (translate.ts) is one more clause inside that filter, never beside it.
 */
import { tenantAlias } from '../index/naming.ts';
import { decodeCursor, CursorError, type Cursor } from './cursor.ts';
import { QueryError } from './errors.ts';
import { DEFAULT_RANGE_MS, DEFAULT_SIZE, type QueryLimits } from './limits.ts';
import { parseQuery, QueryParseError } from './parse.ts';
import { readTime } from './time.ts';
import { toDsl, type Dsl } from './translate.ts';

/** The document fields a search returns (nothing else of `_source`). */
export const RESULT_FIELDS = ['@timestamp', 'received_at', 'message', 'level', 'format', 'source', 'host', 'service', 'tags', 'template_id', 'fields', 'event_id', 'flags'];

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

export interface SearchParams extends TimeRange {
  query: Dsl;
  size: number;
  cursor: Cursor | undefined;
}

export interface OpenSearchRequest {
  index: string;
  body: Dsl;
}

type Query = Readonly<Record<string, string | undefined>>;

function time(query: Query, name: string, fallback: number, now: number): number {
  const v = query[name];
  if (v === undefined || v === '') return fallback;
  const ms = readTime(v, now);
  if (ms === undefined) throw QueryError.badParameter(name, `cannot read ${JSON.stringify(v.slice(0, 40))}; give ISO 8601 (2024-05-01T10:00Z), ms since the epoch, "now" or a duration ago (15m, 2h, 7d).`);
  return ms;
}

/** `from`/`to`: the last hour by default; `from` before `to`, the range no longer than the plan allows. */
export function readRange(query: Query, limits: QueryLimits, now: number): TimeRange {
  const toMs = time(query, 'to', now, now);
  const fromMs = time(query, 'from', toMs - DEFAULT_RANGE_MS, now);
  if (fromMs >= toMs) throw QueryError.badParameter('from', '"from" must be before "to".');
  if (toMs - fromMs > limits.maxRangeMs) {
    const hours = Math.round(limits.maxRangeMs / 3_600_000);
    throw new QueryError(400, 'range_too_long', `The time range is longer than your plan allows (${hours} h). Narrow "from"/"to", or page through shorter ranges.`, { fields: { maxRangeMs: limits.maxRangeMs } });
  }
  return { fromMs, toMs };
}

/** `size`: a whole number from 1; above the plan's cap it is cut to the cap. */
export function readSize(query: Query, limits: QueryLimits, fallback = DEFAULT_SIZE): number {
  const v = query.size;
  if (v === undefined || v === '') return Math.min(fallback, limits.maxSize);
  if (!/^\d{1,7}$/.test(v) || Number(v) < 1) throw QueryError.badParameter('size', `give a whole number from 1 to ${limits.maxSize}.`);
  return Math.min(Number(v), limits.maxSize);
}

export function readCursor(query: Query, name: string): Cursor | undefined {
  const v = query[name];
  if (v === undefined || v === '') return undefined;
  try {
    return decodeCursor(v);
  } catch (err) {
    if (err instanceof CursorError) throw QueryError.badParameter(name, err.message);
    throw err;
  }
}

/** `q` in the query language, as an OpenSearch clause; a 400 with the position when it cannot be read. */
export function readQuery(query: Query): Dsl {
  try {
    return toDsl(parseQuery(query.q ?? ''));
  } catch (err) {
    if (err instanceof QueryParseError) throw new QueryError(400, 'bad_query', `${err.message}. See docs/read-api.md for the query language.`, { fields: { position: err.position } });
    throw err;
  }
}

export function readSearch(query: Query, limits: QueryLimits, now: number): SearchParams {
  return { ...readRange(query, limits, now), query: readQuery(query), size: readSize(query, limits), cursor: readCursor(query, 'cursor') };
}

const tenantFilter = (tenant: string) => ({ term: { tenant } });

/** Newest first (event time, then id), a page after `cursor`, inside the tenant filter. */
export function searchRequest(tenant: string, p: SearchParams, timeoutMs: number, prefix?: string): OpenSearchRequest {
  const filter = [tenantFilter(tenant), { range: { '@timestamp': { gte: p.fromMs, lt: p.toMs, format: 'epoch_millis' } } }, p.query];
  return {
    index: tenantAlias(tenant, prefix),
    body: {
      query: { bool: { filter } },
      sort: [{ '@timestamp': { order: 'desc' } }, { event_id: { order: 'desc' } }],
      size: p.size,
      ...(p.cursor ? { search_after: p.cursor } : {}),
      _source: { includes: RESULT_FIELDS },
      track_total_hits: false,
      timeout: `${timeoutMs}ms`,
    },
  };
}

/** Events received after `since` (receive time, then id) and at most at `untilMs`, oldest first, matching `query`, inside the tenant filter. */
export function tailRequest(tenant: string, since: Cursor, query: Dsl, size: number, timeoutMs: number, prefix?: string, untilMs?: number): OpenSearchRequest {
  const received = { gte: since[0], ...(untilMs !== undefined ? { lte: untilMs } : {}), format: 'epoch_millis' };
  return {
    index: tenantAlias(tenant, prefix),
    body: {
      query: { bool: { filter: [tenantFilter(tenant), { range: { received_at: received } }, query] } },
      sort: [{ received_at: { order: 'asc' } }, { event_id: { order: 'asc' } }],
      size,
      search_after: since,
      _source: { includes: RESULT_FIELDS },
      track_total_hits: false,
      timeout: `${timeoutMs}ms`,
    },
  };
}
