/**
 * `sluice templates top --tenant <id> [--since <time>] [--limit N] [--json]`: a tenant's most
 * frequent message templates since a time (default the last 24 hours).
 *
 * Counts come from the per-minute summaries in OpenSearch (`templates` of the `process` stage's
 * contributions, overlapping contributions counted once as everywhere else); the texts from the
 * tenant's persisted miner state (S3, `templates/<tenant>.json.gz`), following merges: an id
 * retired by a merge counts for the template it was merged into. A template evicted from the
 * miner state since is listed with its id and no text; `(other)` sums the templates beyond the
 * per-contribution cap.
 */
import { parseArgs } from 'node:util';
import { getOpenSearch } from '../shared/adapters/opensearch.ts';
import { S3TemplateStore } from '../shared/adapters/template-store.ts';
import { parseTime } from '../shared/archive/range.ts';
import * as config from '../shared/config.ts';
import { OTHER, templateTotals, type SummaryDoc } from '../shared/summary/summary.ts';
import { createMiner, type MinerState } from '../shared/templates/miner.ts';
import { assertTenantId } from '../shared/tenants/ids.ts';
import { writeLine, type CommandIO } from './io.ts';
import { scrollSummaries, type SummaryClient } from './summaries.ts';

const USAGE = `Usage: sluice templates top --tenant <id> [--since <time>] [--limit N] [--json]

Lists the tenant's most frequent message templates since <time> (default 24h): count, template id
and template text, most frequent first. Counts come from the per-minute summaries in OpenSearch,
texts from the tenant's template state in S3.

Options:
  --tenant <id>     the tenant (required)
  --since <time>    ISO 8601 (no zone = UTC), "now", or a duration ago (30m, 2h, 7d); default 24h
  --limit N         templates listed (default 20)
  --json            one JSON object per line: {"count","templateId","template"}
  --bucket <name>   the bucket holding the template states (default: the archive bucket)`;

export interface TopTemplate {
  count: number;
  templateId: string;
  /** Undefined when the template is no longer in the miner state (or for `(other)`). */
  template: string | undefined;
}

export interface TopOptions {
  tenant: string;
  sinceMs: number;
  limit: number;
  /** Index prefix of the summaries (the command passes the configured `SLUICE_INDEX_PREFIX`). */
  prefix: string;
  client?: SummaryClient;
  store?: Pick<S3TemplateStore, 'get'>;
}

/** The summaries' contributions of the tenant's `process` stage since a time (all pages). */
async function contributionsSince(client: NonNullable<TopOptions['client']>, prefix: string, tenant: string, sinceMs: number): Promise<SummaryDoc[]> {
  const docs = await scrollSummaries(client, {
    prefix,
    filter: [{ term: { tenant } }, { term: { stage: 'process' } }, { range: { minute: { gte: new Date(sinceMs).toISOString() } } }],
    size: 5000,
    source: { excludes: ['levels', 'formats', 'sources', 'hosts'] },
  });
  return docs.map((d) => Object.assign({ levels: [], formats: [], sources: [], hosts: [] }, d));
}

/** The top templates of a tenant (see the module doc). */
export async function topTemplates(o: TopOptions): Promise<TopTemplate[]> {
  const tenant = assertTenantId(o.tenant);
  const client = o.client ?? (await getOpenSearch());
  const store = o.store ?? new S3TemplateStore();
  const [docs, stored] = await Promise.all([contributionsSince(client, o.prefix, tenant, o.sinceMs), store.get(tenant)]);
  const state: MinerState | undefined = stored && stored !== 'unchanged' ? stored.state : undefined;
  const miner = state ? createMiner({ maxClusters: state.clusters.length + 1 }, state) : undefined;
  const totals = templateTotals(docs, (id) => miner?.get(id)?.templateId ?? id);
  return totals.slice(0, Math.max(0, o.limit)).map(({ key, count }) => ({
    count,
    templateId: key,
    template: key === OTHER ? undefined : miner?.get(key)?.template,
  }));
}

export async function templatesTopCommand(argv: string[], io: CommandIO): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        tenant: { type: 'string' },
        since: { type: 'string', default: '24h' },
        limit: { type: 'string', default: '20' },
        json: { type: 'boolean', default: false },
        bucket: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    writeLine(io.stderr, `sluice templates top: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    writeLine(io.stdout, USAGE);
    return 0;
  }
  if (!values.tenant) {
    writeLine(io.stderr, `sluice templates top: --tenant is required\n${USAGE}`);
    return 2;
  }
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    writeLine(io.stderr, 'sluice templates top: --limit needs a positive integer');
    return 2;
  }
  const sinceMs = parseTime(values.since);
  const top = await topTemplates({
    tenant: values.tenant,
    sinceMs,
    limit,
    prefix: config.indexPrefix(),
    ...(values.bucket ? { store: new S3TemplateStore({ bucket: values.bucket }) } : {}),
  });
  if (values.json) {
    for (const t of top) writeLine(io.stdout, JSON.stringify(t));
    return 0;
  }
  if (top.length === 0) {
    writeLine(io.stderr, `no template counts for ${values.tenant} since ${new Date(sinceMs).toISOString()}`);
    return 0;
  }
  const w = Math.max(5, ...top.map((t) => String(t.count).length));
  const idw = Math.max(11, ...top.map((t) => t.templateId.length));
  writeLine(io.stdout, `${'COUNT'.padStart(w)}  ${'TEMPLATE_ID'.padEnd(idw)}  TEMPLATE`);
  for (const t of top) {
    const text = t.template === undefined ? (t.templateId === OTHER ? '(templates beyond the per-minute cap)' : '(no longer in the miner state)') : t.template.replace(/[\r\n]+/g, ' ');
    writeLine(io.stdout, `${String(t.count).padStart(w)}  ${t.templateId.padEnd(idw)}  ${text}`);
  }
  return 0;
}
