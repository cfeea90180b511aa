/**
 * Composable index templates (`PUT _index_template/<name>`) for the log indices and the summary
 * indices. Pure: `local/bootstrap.ts` (locally) and the post-deploy step (on AWS) install them.
 *
 * Log indices: `dynamic: false` at the top level (an unknown top-level field stays in `_source`
 * but is neither indexed nor mapped, so no document is refused over it and no tenant can add
 * mappings); the event's own key-values are in `fields`, a `flat_object` (one mapping whatever the
 * keys, searchable by dot path), so no tenant can blow up the mapping. Keywords carry `ignore_above`
 * so an overlong value is kept in `_source` instead of failing the document (Lucene's term limit is
 * 32,766 bytes); `flat_object` has no such setting, so the stage cuts overlong `fields` values and
 * key paths in the indexed copy (shared/process/documents.ts).
 *
 * The templates give no aliases (a tenant's alias is per tenant): a log index is only ever made by
 * the stage, with its aliases in the same request, and automatic creation of the log indices is
 * turned off (`disableLogIndexAutoCreate` in shared/adapters/opensearch-bulk.ts), so a write to a
 * deleted index fails instead of re-creating it bare.
 */
import { indexNames } from './naming.ts';

/** Template names for the default index prefix; `indexNames().logsTemplate` etc. for the current one. */
export const LOGS_TEMPLATE = 'sluice-logs';
export const SUMMARY_TEMPLATE = 'sluice-summaries';

export interface TemplateOptions {
  /** Index prefix (default: SLUICE_INDEX_PREFIX, `sluice`). */
  prefix?: string;
  shards?: number;
  replicas?: number;
  refreshInterval?: string;
}

const kw = (ignoreAbove = 1024) => ({ type: 'keyword', ignore_above: ignoreAbove });

export function logsTemplate(o: TemplateOptions = {}) {
  return {
    index_patterns: [indexNames(o.prefix).logsPattern],
    priority: 100,
    _meta: { owner: 'sluice', version: 2 },
    template: {
      settings: {
        number_of_shards: o.shards ?? 1,
        number_of_replicas: o.replicas ?? 0,
        refresh_interval: o.refreshInterval ?? '1s',
      },
      mappings: {
        dynamic: false,
        properties: {
          '@timestamp': { type: 'date' },
          received_at: { type: 'date' },
          message: { type: 'text', fields: { keyword: kw(1024) } },
          level: kw(64),
          format: kw(64),
          host: kw(),
          service: kw(),
          source: kw(),
          tenant: kw(64),
          region: kw(64),
          tags: kw(256),
          flags: kw(64),
          event_id: kw(256),
          template_id: kw(256),
          fields: { type: 'flat_object' },
        },
      },
    },
  };
}

const counts = { type: 'nested', properties: { key: kw(1024), count: { type: 'long' } } };
const double = { type: 'double' };
/** Trend statistics per field (shared/summary/stats.ts); the sketch is stored, not indexed (`binary`). */
const stats = {
  type: 'nested',
  properties: {
    field: kw(256), count: { type: 'long' }, min: double, max: double, sum: double,
    p50: double, p90: double, p95: double, p99: double, sketch: { type: 'binary' },
  },
};

export function summariesTemplate(o: TemplateOptions = {}) {
  return {
    index_patterns: [indexNames(o.prefix).summaryPattern],
    priority: 100,
    _meta: { owner: 'sluice', version: 4 },
    template: {
      settings: { number_of_shards: o.shards ?? 1, number_of_replicas: o.replicas ?? 0 },
      mappings: {
        dynamic: 'strict',
        properties: {
          tenant: kw(64),
          region: kw(64),
          minute: { type: 'date' },
          stage: kw(32),
          origin: {
            properties: {
              topic: kw(256),
              partition: { type: 'integer' },
              first_offset: { type: 'long' },
              last_offset: { type: 'long' },
            },
          },
          events: { type: 'long' },
          bytes: { type: 'long' },
          indexed: { type: 'long' },
          deferred: { type: 'long' },
          archive_only: { type: 'long' },
          dlq: { type: 'long' },
          deferred_indexed: { type: 'long' },
          redeferred: { type: 'long' },
          levels: counts,
          formats: counts,
          sources: counts,
          hosts: counts,
          templates: counts,
          stats,
          status_classes: counts,
        },
      },
    },
  };
}
