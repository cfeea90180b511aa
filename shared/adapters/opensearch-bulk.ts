/**
 * The stage's OpenSearch side: `_bulk` with a pre-built NDJSON body (the official client passes a
 * Buffer body through unchanged), per-item statuses only (`filter_path`), no client-side retries
 * (the stage retries per item, within the Lambda's time), and index + per-tenant alias creation
 * cached per instance. Also installs the index templates.
 */
import type { Client } from '@opensearch-project/opensearch';
import { getOpenSearch } from './opensearch.ts';
import { aliasFor, indexNames } from '../index/naming.ts';
import { logsTemplate, summariesTemplate, type TemplateOptions } from '../index/template.ts';
import type { BulkItemResult, IndexTargetSpec, SearchSink } from '../process/ports.ts';

type BulkResponseItem = Record<string, { status: number; error?: BulkItemResult['error'] } | undefined>;

export class OpenSearchSink implements SearchSink {
  private readonly ensured = new Set<string>();

  constructor(private readonly clientFn: () => Promise<Client> = getOpenSearch) {}

  async ensureTargets(targets: readonly IndexTargetSpec[]): Promise<void> {
    const todo = targets.filter((t) => !this.ensured.has(`${t.index}\u0000${t.tenant}`));
    if (todo.length === 0) return;
    const client = await this.clientFn();
    const indices = [...new Set(todo.map((t) => t.index))];
    await Promise.all(
      indices.map(async (index) => {
        try {
          await client.indices.create({ index }, { maxRetries: 0 });
        } catch (err) {
          if (errorType(err) !== 'resource_already_exists_exception') throw err;
        }
      }),
    );
    await Promise.all(
      todo.map(async (t) => {
        const alias = aliasFor(t.tenant, { index: t.index, ...(t.routing !== undefined ? { routing: t.routing } : {}) });
        await client.indices.putAlias(
          {
            index: t.index,
            name: alias.name,
            body: { ...(alias.filter ? { filter: alias.filter } : {}), ...(alias.routing ? { routing: alias.routing } : {}) },
          },
          { maxRetries: 0 },
        );
        this.ensured.add(`${t.index}\u0000${t.tenant}`);
      }),
    );
  }

  async bulk(body: Buffer, timeoutMs: number): Promise<BulkItemResult[]> {
    const client = await this.clientFn();
    const res = await client.bulk(
      // A Buffer body is sent as is (see Transport: a bulkBody that is a string or a Buffer is not re-serialized).
      { body: body as unknown as Record<string, unknown>[], filter_path: 'errors,items.*.status,items.*.error' },
      { requestTimeout: Math.max(1, Math.floor(timeoutMs)), maxRetries: 0 },
    );
    const items = ((res.body as { items?: BulkResponseItem[] }).items ?? []) as BulkResponseItem[];
    return items.map((entry) => {
      const r = entry.index ?? entry.create ?? entry.update ?? entry.delete;
      if (!r) return { status: 500, error: 'bulk item without a result' };
      return r.error !== undefined ? { status: r.status, error: r.error } : { status: r.status };
    });
  }

  /** Forget what was ensured (after indices were deleted, in tests). */
  reset(): void {
    this.ensured.clear();
  }
}

function errorType(err: unknown): string | undefined {
  const body = (err as { meta?: { body?: { error?: { type?: string } } } }).meta?.body;
  return body?.error?.type;
}

/**
 * Installs (or updates) the log and summary index templates, and adds fields new in the summary
 * template to the summary indices that already exist (they are `dynamic: strict`: a month's index
 * created before a field was added would refuse documents carrying it). Idempotent.
 */
export async function putIndexTemplates(client?: Client, o: TemplateOptions = {}): Promise<void> {
  const c = client ?? (await getOpenSearch());
  const logs = logsTemplate(o);
  const summaries = summariesTemplate(o);
  // One pair of templates per index prefix (a staging prefix gets its own, production's are untouched).
  const names = indexNames(o.prefix);
  await c.indices.putIndexTemplate({ name: names.logsTemplate, body: logs as never });
  await c.indices.putIndexTemplate({ name: names.summaryTemplate, body: summaries as never });
  // Summary indices only: the log indices are `dynamic: false` (an unmapped field is kept, not refused).
  await c.indices.putMapping({
    index: summaries.index_patterns.join(','),
    allow_no_indices: true,
    body: { properties: summaries.template.mappings.properties } as never,
  });
}
