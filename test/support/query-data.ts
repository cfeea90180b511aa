/**
 * Log documents written straight into the real local OpenSearch as the process stage writes them
 * (the tenant's index by plan tier, created with its aliases by the stage's own sink), for the
 * read-path tests and bench: test/integration/query.test.ts, bench/query.ts.
 */
import { randomUUID } from 'node:crypto';
import { OpenSearchSink } from '../../shared/adapters/opensearch-bulk.ts';
import { getSearchClient } from '../../shared/adapters/opensearch-http.ts';
import { getOpenSearch } from '../../shared/adapters/opensearch.ts';
import { logIndex } from '../../shared/index/naming.ts';
import type { IndexTier } from '../../shared/tenants/plans.ts';

export interface TestDoc {
  '@timestamp': string;
  received_at?: string;
  message: string;
  level?: string;
  host?: string;
  template_id?: string;
  tags?: string[];
  fields?: Record<string, unknown>;
}


/** Indexes the documents of `tenant` (refreshing at the end when `refresh`); returns their event ids. */
export async function indexDocs(tenant: string, docs: readonly TestDoc[], o: { tier?: IndexTier; refresh?: boolean; prefix?: string } = {}): Promise<string[]> {
  const tier = o.tier ?? 'shared';
  const sink = new OpenSearchSink(getSearchClient, o.prefix);
  const ids: string[] = [];
  const lines: string[] = [];
  const targets = new Map<string, { index: string; tenant: string; routing?: string }>();
  for (const d of docs) {
    const t = logIndex(tenant, tier, d['@timestamp'], o.prefix);
    targets.set(t.index, { index: t.index, tenant, ...(t.routing ? { routing: t.routing } : {}) });
    const id = randomUUID();
    ids.push(id);
    lines.push(JSON.stringify({ index: { _index: t.index, _id: id, ...(t.routing ? { routing: t.routing } : {}) } }));
    lines.push(JSON.stringify({ format: 'json', tags: [], flags: [], fields: {}, received_at: d['@timestamp'], ...d, tenant, event_id: id }));
  }
  const failures = await sink.ensureTargets([...targets.values()]);
  if (failures.length > 0) throw new Error(`could not make the indices: ${failures.map((f) => f.error).join('; ')}`);
  for (let i = 0; i < lines.length; i += 20_000) {
    const items = await sink.bulk(Buffer.from(lines.slice(i, i + 20_000).join('\n') + '\n'), 120_000);
    const bad = items.find((r) => r.status >= 300);
    if (bad) throw new Error(`bulk item failed: ${JSON.stringify(bad)}`);
  }
  if (o.refresh !== false) await (await getOpenSearch()).indices.refresh({ index: [...targets.keys()] });
  return ids;
}
