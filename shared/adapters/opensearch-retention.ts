/**
 * OpenSearch behind retention's port (shared/retention/run.ts): list, refresh, the tenants in an
 * index, and the two deletions.
 */
import type { Client } from '@opensearch-project/opensearch';
import type { RetentionIndices } from '../retention/run.ts';

export class OpenSearchRetentionIndices implements RetentionIndices {
  constructor(private readonly client: Client) {}

  async list(pattern: string): Promise<string[]> {
    const cat = await this.client.cat.indices({ index: pattern, format: 'json', h: 'index', expand_wildcards: 'open' } as never);
    return ((cat.body as unknown as Array<{ index: string }>) ?? []).map((r) => r.index);
  }

  async refresh(indices: readonly string[]): Promise<void> {
    if (indices.length > 0) await this.client.indices.refresh({ index: indices.join(','), ignore_unavailable: true } as never);
  }

  /** A composite aggregation on `tenant`, paged. */
  async tenantsIn(index: string): Promise<string[]> {
    const out: string[] = [];
    let after: Record<string, unknown> | undefined;
    for (;;) {
      const res = await this.client.search({
        index,
        body: { size: 0, aggs: { t: { composite: { size: 1000, sources: [{ tenant: { terms: { field: 'tenant' } } }], ...(after ? { after } : {}) } } } },
      } as never);
      const agg = (res.body as { aggregations?: { t?: { buckets: Array<{ key: { tenant: string } }>; after_key?: Record<string, unknown> } } }).aggregations?.t;
      for (const b of agg?.buckets ?? []) out.push(b.key.tenant);
      if (!agg?.after_key || (agg.buckets?.length ?? 0) === 0) return out;
      after = agg.after_key;
    }
  }

  async deleteIndex(index: string): Promise<void> {
    await this.client.indices.delete({ index, ignore_unavailable: true, expand_wildcards: 'none' } as never);
  }

  /**
   * A routed scroll over the tenants' ids and bulk deletes, which is what `_delete_by_query` does
   * inside OpenSearch (and works where that endpoint is missing, like the minimal distribution the
   * local services run). Idempotent; stops at the deadline.
   */
  async deleteTenantDocs(index: string, tenants: readonly string[], deadlineMs: number | undefined): Promise<{ deleted: number; complete: boolean }> {
    let deleted = 0;
    let res = await this.client.search({
      index, routing: tenants.join(','), scroll: '2m', size: 5000, _source: false,
      body: { query: { terms: { tenant: tenants } }, sort: ['_doc'] },
    } as never);
    let scrollId = (res.body as { _scroll_id?: string })._scroll_id;
    try {
      for (;;) {
        const hits = (res.body as { hits: { hits: Array<{ _id: string; _routing?: string }> } }).hits.hits;
        if (hits.length === 0) return { deleted, complete: true };
        deleted += await this.bulkDelete(index, hits);
        if (deadlineMs !== undefined && Date.now() >= deadlineMs) return { deleted, complete: false };
        res = await this.client.scroll({ scroll_id: scrollId, scroll: '2m' } as never);
        scrollId = (res.body as { _scroll_id?: string })._scroll_id ?? scrollId;
      }
    } finally {
      if (scrollId) await this.client.clearScroll({ scroll_id: scrollId } as never).catch(() => undefined);
      await this.client.indices.refresh({ index } as never).catch(() => undefined);
    }
  }

  private async bulkDelete(index: string, hits: ReadonlyArray<{ _id: string; _routing?: string }>): Promise<number> {
    const body = hits.map((h) => JSON.stringify({ delete: { _index: index, _id: h._id, ...(h._routing ? { routing: h._routing } : {}) } })).join('\n') + '\n';
    const out = await this.client.bulk({ body: body as never, refresh: false, filter_path: 'items.*.status,items.*.result' } as never, { requestTimeout: 120_000 });
    let deleted = 0;
    for (const item of (out.body as { items?: Array<Record<string, { status: number; result?: string }>> }).items ?? []) {
      const r = item.delete;
      if (r?.result === 'deleted') deleted++;
      else if (r && r.status !== 404) throw new Error(`retention could not delete a document from ${index}: status ${r.status}`);
    }
    return deleted;
  }
}
