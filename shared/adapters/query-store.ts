/**
 * The read path's ports over the real stores: searches on OpenSearch (the official client,
 * shared/adapters/opensearch.ts), the tenant's summary contributions (one scroll, filtered on the
 * tenant), and its template texts from its miner state in S3 (cached a minute per instance).
 * Only ever runs requests built by shared/query/request.ts or filtered on the tenant here.
 */
import type { Client } from '@opensearch-project/opensearch';
import { getOpenSearch } from './opensearch.ts';
import { S3TemplateStore } from './template-store.ts';
import { indexNames } from '../index/naming.ts';
import { QueryError } from '../query/errors.ts';
import type { TemplateLookup } from '../query/insights.ts';
import type { OpenSearchRequest, TimeRange } from '../query/request.ts';
import type { SearchHit } from '../query/routes.ts';
import type { SummaryDoc } from '../summary/summary.ts';
import { TtlLru } from '../tenants/lru.ts';
import { createMiner } from '../templates/miner.ts';

const SUMMARY_DEFAULTS = () => ({ levels: [], formats: [], sources: [], hosts: [], templates: [], status_classes: [] });

function unavailable(err: unknown): never {
  const name = (err as Error)?.name;
  if (name === 'TimeoutError') throw new QueryError(504, 'timeout', 'The search took too long. Narrow the time range or the query, and retry.');
  if (name === 'ConnectionError' || name === 'NoLivingConnectionsError') throw new QueryError(503, 'unavailable', 'The search cluster cannot be reached right now. Retry after 5 s.', { retryAfterSeconds: 5 });
  throw err;
}

export async function searchOpenSearch(req: OpenSearchRequest, timeoutMs: number, client?: Client): Promise<{ hits: SearchHit[]; timedOut: boolean }> {
  const c = client ?? (await getOpenSearch());
  const res = await c
    .search({ index: req.index, body: req.body, ignore_unavailable: true, allow_no_indices: true } as never, { requestTimeout: timeoutMs + 2_000 })
    .catch(unavailable);
  const body = res.body as unknown as { timed_out?: boolean; hits: { hits: Array<{ _source: Record<string, unknown>; sort: [number, string] }> } };
  return { timedOut: body.timed_out === true, hits: body.hits.hits.map((h) => ({ source: h._source, sort: h.sort })) };
}

/** The tenant's `process` contributions of [from, to), every page of one scroll (their field statistics only when `stats`). */
export async function tenantSummaries(tenant: string, range: TimeRange, prefix: string, timeoutMs: number, o: { stats?: boolean; client?: Client } = {}): Promise<SummaryDoc[]> {
  const c = o.client ?? (await getOpenSearch());
  const filter = [{ term: { tenant } }, { term: { stage: 'process' } }, { range: { minute: { gte: range.fromMs, lt: range.toMs, format: 'epoch_millis' } } }];
  const docs: SummaryDoc[] = [];
  const opts = { requestTimeout: timeoutMs + 2_000 };
  let res = await c
    .search({ index: indexNames(prefix).summaryPattern, scroll: '1m', size: 5000, ignore_unavailable: true, allow_no_indices: true, ...(o.stats ? {} : { _source_excludes: ['stats'] }), body: { query: { bool: { filter } }, sort: ['_doc'] } } as never, opts)
    .catch(unavailable);
  let scrollId: string | undefined;
  try {
    for (;;) {
      const body = res.body as unknown as { _scroll_id?: string; hits: { hits: Array<{ _source: SummaryDoc }> } };
      scrollId = body._scroll_id ?? scrollId;
      for (const h of body.hits.hits) docs.push(Object.assign(SUMMARY_DEFAULTS(), h._source));
      if (body.hits.hits.length === 0 || !scrollId) break;
      res = await c.scroll({ scroll_id: scrollId, scroll: '1m' } as never, opts).catch(unavailable);
    }
  } finally {
    if (scrollId) await c.clearScroll({ scroll_id: scrollId } as never).catch(() => undefined);
  }
  return docs;
}

/** Template ids to their current template, from the tenant's miner state in S3 (cached for `ttlMs`). */
export class TemplateTexts {
  private readonly cache = new TtlLru<TemplateLookup>(1_000);
  constructor(
    private readonly store: Pick<S3TemplateStore, 'get'> = new S3TemplateStore(),
    private readonly ttlMs = 60_000,
  ) {}

  async lookup(tenant: string): Promise<TemplateLookup> {
    const hit = this.cache.get(tenant);
    if (hit) return hit;
    const stored = await this.store.get(tenant);
    const state = stored && stored !== 'unchanged' ? stored.state : undefined;
    const miner = state ? createMiner({ maxClusters: state.clusters.length + 1 }, state) : undefined;
    const lookup: TemplateLookup = (id) => {
      const t = miner?.get(id);
      return t ? { templateId: t.templateId, template: t.template } : undefined;
    };
    this.cache.set(tenant, lookup, this.ttlMs);
    return lookup;
  }
}
