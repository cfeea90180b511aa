/**
 * The stage's OpenSearch side: `_bulk` with a pre-built NDJSON body (sent unchanged by the small
 * client, ./opensearch-http.ts), per-item statuses only (`filter_path`), no client-side retries
 * (the stage retries per item, within the Lambda's time), and index + per-tenant alias creation
 * cached per instance. Also installs the index templates, and turns off the automatic creation of
 * the log indices (`action.auto_create_index`, see `disableLogIndexAutoCreate`): a write to a log
 * index that was deleted under us then fails (404 `index_not_found_exception`) instead of making the
 * index bare, without its aliases, and the stage makes it again with its aliases and retries.
 */
import { getSearchClient, OpenSearchError, type OpenSearchHttp } from './opensearch-http.ts';
import { aliasFor, indexNames } from '../index/naming.ts';
import { logsTemplate, summariesTemplate, type TemplateOptions } from '../index/template.ts';
import type { BulkItemResult, IndexTargetSpec, SearchSink, TargetFailure } from '../index/ports.ts';

type BulkResponseItem = Record<string, { status: number; error?: BulkItemResult['error'] } | undefined>;

export class OpenSearchSink implements SearchSink {
  private readonly ensured = new Set<string>();

  constructor(
    private readonly clientFn: () => OpenSearchHttp | Promise<OpenSearchHttp> = getSearchClient,
    private readonly prefix?: string,
  ) {}

  /**
   * Per index: created WITH its tenants' aliases in the same request (never bare, not even for a
   * moment); when it exists already, the aliases are added in one `_aliases` request. A failure
   * concerns only that index's targets (returned, not thrown).
   */
  async ensureTargets(targets: readonly IndexTargetSpec[]): Promise<TargetFailure[]> {
    const todo = targets.filter((t) => !this.ensured.has(`${t.index}\u0000${t.tenant}`));
    if (todo.length === 0) return [];
    const client = await this.clientFn();
    const byIndex = new Map<string, IndexTargetSpec[]>();
    for (const t of todo) {
      let l = byIndex.get(t.index);
      if (!l) byIndex.set(t.index, (l = []));
      l.push(t);
    }
    const failures: TargetFailure[] = [];
    await Promise.all(
      [...byIndex].map(async ([index, list]) => {
        try {
          await this.ensureIndex(client, index, list);
          for (const t of list) this.ensured.add(`${t.index}\u0000${t.tenant}`);
        } catch (err) {
          const error = describeError(err);
          for (const target of list) failures.push({ target, error });
        }
      }),
    );
    return failures;
  }

  forget(indices: readonly string[]): void {
    if (indices.length === 0) return;
    const gone = new Set(indices);
    for (const k of this.ensured) if (gone.has(k.slice(0, k.indexOf('\u0000')))) this.ensured.delete(k);
  }

  private async ensureIndex(client: OpenSearchHttp, index: string, list: IndexTargetSpec[]): Promise<void> {
    const aliases: Record<string, object> = {};
    for (const t of list) {
      const a = aliasFor(t.tenant, { index, ...(t.routing !== undefined ? { routing: t.routing } : {}) }, this.prefix);
      aliases[a.name] = { ...(a.filter ? { filter: a.filter } : {}), ...(a.routing ? { routing: a.routing } : {}) };
    }
    try {
      await client.createIndex(index, { aliases });
      return;
    } catch (err) {
      if (!(err instanceof OpenSearchError && err.type === 'resource_already_exists_exception')) throw err;
    }
    await client.updateAliases(Object.entries(aliases).map(([alias, def]) => ({ add: { index, alias, ...def } })));
  }

  async bulk(body: Buffer, timeoutMs: number): Promise<BulkItemResult[]> {
    const client = await this.clientFn();
    const res = await client.bulk<{ items?: BulkResponseItem[] }>(body, { filterPath: 'errors,items.*.status,items.*.error', timeoutMs: Math.max(1, Math.floor(timeoutMs)) });
    const items = res?.items ?? [];
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

function describeError(err: unknown): string {
  return err instanceof OpenSearchError && err.status > 0 && err.type ? `${err.type}: ${err.reason ?? ''}` : (err as Error).message;
}

/**
 * Installs (or updates) the log and summary index templates, and adds fields new in the summary
 * template to the summary indices that already exist (they are `dynamic: strict`: a month's index
 * created before a field was added would refuse documents carrying it). Idempotent.
 */
export async function putIndexTemplates(client?: OpenSearchHttp, o: TemplateOptions = {}): Promise<void> {
  const c = client ?? getSearchClient();
  const logs = logsTemplate(o);
  const summaries = summariesTemplate(o);
  // One pair of templates per index prefix (a staging prefix gets its own, production's are untouched).
  const names = indexNames(o.prefix);
  await c.putIndexTemplate(names.logsTemplate, logs);
  await c.putIndexTemplate(names.summaryTemplate, summaries);
  // Summary indices only: the log indices are `dynamic: false` (an unmapped field is kept, not refused).
  try {
    await disableLogIndexAutoCreate(c, o.prefix);
  } catch (err) {
    // Not fatal (a domain that refuses the cluster setting): indices are still made with their
    // aliases by the stage; only a write racing a deletion could then auto-create one bare.
    process.emitWarning(`action.auto_create_index not updated (${(err as Error).message}): a log index deleted under the stage may be re-created without its alias`);
  }
  await c.putMapping(summaries.index_patterns.join(','), { properties: summaries.template.mappings.properties }, { allowNoIndices: true });
}

/**
 * Adds `-<prefix>-logs-*` in front of the cluster's `action.auto_create_index` (a dynamic cluster
 * setting in OpenSearch 2.x, allowed on Amazon OpenSearch Service through `_cluster/settings`), so
 * that only Sluice makes its log indices, always with their aliases; every other index keeps the
 * behaviour it had (`true` becomes `-<prefix>-logs-*,+*`; `false` stays false; a pattern list keeps
 * its patterns after ours). Idempotent.
 */
export async function disableLogIndexAutoCreate(client: OpenSearchHttp, prefix?: string): Promise<string> {
  const body = await client.clusterSettings();
  const current = String(body.transient?.['action.auto_create_index'] ?? body.persistent?.['action.auto_create_index'] ?? body.defaults?.['action.auto_create_index'] ?? 'true');
  const next = autoCreateValue(current, indexNames(prefix).logsPattern);
  if (next !== current) await client.putClusterSettings({ persistent: { 'action.auto_create_index': next } });
  return next;
}

/** The `action.auto_create_index` value that refuses `pattern` and keeps the rest of `current`. */
export function autoCreateValue(current: string, pattern: string): string {
  const v = current.trim();
  if (v === 'false') return 'false';
  const deny = `-${pattern}`;
  if (v === 'true' || v === '') return `${deny},+*`;
  const parts = v.split(',').map((p) => p.trim()).filter((p) => p !== '');
  if (parts.includes(deny)) return v;
  return [deny, ...parts].join(',');
}
