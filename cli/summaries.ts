/**
 * Reading a tenant's per-minute summary contributions back from OpenSearch, for the CLI commands that
 * report on them (`sluice templates top`, `sluice trends`): one scroll over the summary indices of a
 * prefix, filtered, every page, the scroll cleared at the end.
 */
import type { Client } from '@opensearch-project/opensearch';
import { indexNames } from '../shared/index/naming.ts';
import type { SummaryDoc } from '../shared/summary/summary.ts';

export type SummaryClient = Pick<Client, 'search' | 'scroll' | 'clearScroll'>;

export interface SummaryScroll {
  prefix: string;
  /** OpenSearch filter clauses (the tenant's term first). */
  filter: object[];
  /** Documents per page. */
  size: number;
  /** Only these fields of each document, or all but these. */
  source: { includes: string[] } | { excludes: string[] };
}

/** Every matching contribution, as stored (the caller fills defaults and drops overlaps). */
export async function scrollSummaries(client: SummaryClient, q: SummaryScroll): Promise<SummaryDoc[]> {
  const docs: SummaryDoc[] = [];
  let res = await client.search({
    index: indexNames(q.prefix).summaryPattern,
    scroll: '1m',
    size: q.size,
    ignore_unavailable: true,
    allow_no_indices: true,
    ...('includes' in q.source ? { _source_includes: q.source.includes } : { _source_excludes: q.source.excludes }),
    body: { query: { bool: { filter: q.filter } }, sort: ['_doc'] },
  } as never);
  let scrollId: string | undefined;
  try {
    for (;;) {
      const body = res.body as { _scroll_id?: string; hits: { hits: Array<{ _source: SummaryDoc }> } };
      scrollId = body._scroll_id ?? scrollId;
      for (const h of body.hits.hits) docs.push(h._source);
      if (body.hits.hits.length === 0 || !scrollId) break;
      res = await client.scroll({ scroll_id: scrollId, scroll: '1m' } as never);
    }
  } finally {
    if (scrollId) await client.clearScroll({ scroll_id: scrollId } as never).catch(() => undefined);
  }
  return docs;
}
