/**
 * OpenSearch behind retention's port (shared/retention/run.ts): list, refresh, the tenants in an
 * index, and the two deletions.
 */
import type { OpenSearchHttp } from './opensearch-http.ts';
import type { RetentionIndices } from '../retention/run.ts';

export class OpenSearchRetentionIndices implements RetentionIndices {
  constructor(private readonly client: OpenSearchHttp) {}

  async list(pattern: string): Promise<string[]> {
    return this.client.listIndices(pattern);
  }

  async refresh(indices: readonly string[]): Promise<void> {
    if (indices.length > 0) await this.client.refresh(indices.join(','), { ignoreUnavailable: true });
  }

  /** A composite aggregation on `tenant`, paged. */
  async tenantsIn(index: string): Promise<string[]> {
    const out: string[] = [];
    let after: Record<string, unknown> | undefined;
    for (;;) {
      const res = await this.client.search(index, {
        size: 0,
        aggs: { t: { composite: { size: 1000, sources: [{ tenant: { terms: { field: 'tenant' } } }], ...(after ? { after } : {}) } } },
      });
      const agg = (res as { aggregations?: { t?: { buckets: Array<{ key: { tenant: string } }>; after_key?: Record<string, unknown> } } }).aggregations?.t;
      for (const b of agg?.buckets ?? []) out.push(b.key.tenant);
      if (!agg?.after_key || (agg.buckets?.length ?? 0) === 0) return out;
      after = agg.after_key;
    }
  }

  async deleteIndex(index: string): Promise<void> {
    await this.client.deleteIndex(index, { ignoreUnavailable: true });
  }

  /**
   * A routed scroll over the tenants' ids and bulk deletes, which is what `_delete_by_query` does
   * inside OpenSearch (and works where that endpoint is missing, like the minimal distribution the
   * local services run). Idempotent; stops at the deadline.
   */
  async deleteTenantDocs(index: string, tenants: readonly string[], deadlineMs: number | undefined): Promise<{ deleted: number; complete: boolean }> {
    let deleted = 0;
    type Page = { _scroll_id?: string; hits: { hits: Array<{ _id: string; _routing?: string }> } };
    let res = await this.client.search<Page>(index, { size: 5000, _source: false, query: { terms: { tenant: tenants } }, sort: ['_doc'] }, { routing: tenants.join(','), scroll: '2m' });
    let scrollId = res._scroll_id;
    try {
      for (;;) {
        const hits = res.hits.hits;
        if (hits.length === 0) return { deleted, complete: true };
        deleted += await this.bulkDelete(index, hits);
        if (deadlineMs !== undefined && Date.now() >= deadlineMs) return { deleted, complete: false };
        res = await this.client.scroll<Page>(scrollId!, '2m');
        scrollId = res._scroll_id ?? scrollId;
      }
    } finally {
      if (scrollId) await this.client.clearScroll(scrollId).catch(() => undefined);
      await this.client.refresh(index).catch(() => undefined);
    }
  }

  private async bulkDelete(index: string, hits: ReadonlyArray<{ _id: string; _routing?: string }>): Promise<number> {
    const body = hits.map((h) => JSON.stringify({ delete: { _index: index, _id: h._id, ...(h._routing ? { routing: h._routing } : {}) } })).join('\n') + '\n';
    const out = await this.client.bulk<{ items?: Array<Record<string, { status: number; result?: string }>> }>(body, { refresh: false, filterPath: 'items.*.status,items.*.result', timeoutMs: 120_000, retry: true });
    let deleted = 0;
    for (const item of out?.items ?? []) {
      const r = item.delete;
      if (r?.result === 'deleted') deleted++;
      else if (r && r.status !== 404) throw new Error(`retention could not delete a document from ${index}: status ${r.status}`);
    }
    return deleted;
  }
}
