/**
 * The process stage wired to the real local adapters, for integration tests: each test gives its own
 * topics (and any overrides, e.g. a fixed clock), and reads back what the stage indexed.
 */
import type { Client } from '@opensearch-project/opensearch';
import { produce } from '../../shared/adapters/kafka.ts';
import { DynamoBudgetStore } from '../../shared/adapters/budget-store.ts';
import { OpenSearchSink } from '../../shared/adapters/opensearch-bulk.ts';
import { S3TemplateStore } from '../../shared/adapters/template-store.ts';
import { DynamoTenantStore } from '../../shared/adapters/tenant-store.ts';
import { toDocument } from '../../shared/classify/index.ts';
import { tenantAlias } from '../../shared/index/naming.ts';
import { CachedPlans } from '../../shared/process/plans.ts';
import type { StageDeps } from '../../shared/process/ports.ts';
import { TenantMiners } from '../../shared/process/templates.ts';
import type { SummaryDoc } from '../../shared/summary/summary.ts';

export function stageDeps(topics: StageDeps['topics'], over: Partial<StageDeps> = {}): StageDeps {
  return {
    plans: new CachedPlans(new DynamoTenantStore(), 60_000),
    budget: new DynamoBudgetStore(),
    search: new OpenSearchSink(),
    kafka: { produce },
    toDocument,
    templates: new TenantMiners(new S3TemplateStore()),
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    topics: { deferred: topics.deferred, dlq: topics.dlq, summary: topics.summary },
    maxBulkBytes: 5 * 1024 * 1024,
    maxParkMs: 10_000,
    random: Math.random,
    ...over,
  };
}

export interface IndexedDoc {
  _index: string;
  _id: string;
  _routing?: string;
  _source: Record<string, unknown>;
}

/** Every document a tenant's alias shows, after a refresh. */
export async function docsOf(os: Client, tenant: string): Promise<IndexedDoc[]> {
  await os.indices.refresh({ index: 'sluice-logs-*' });
  const res = await os.search({ index: tenantAlias(tenant), body: { size: 10_000, query: { match_all: {} } } });
  return res.body.hits.hits as never;
}

/** A tenant's summary contribution documents, after a refresh. */
export async function summariesOf(os: Client, tenant: string): Promise<SummaryDoc[]> {
  await os.indices.refresh({ index: 'sluice-summaries-*' });
  const res = await os.search({ index: 'sluice-summaries-*', body: { size: 10_000, query: { term: { tenant } } } });
  return (res.body.hits.hits as Array<{ _source: SummaryDoc }>).map((h) => h._source);
}
