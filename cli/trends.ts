/**
 * `sluice trends --tenant <id> --field <name> [--from <time>] [--to <time>] [--json]`: a tenant's
 * per-minute figures of one numeric field (count, p50, p95, p99, max) with a terminal chart of p95.
 *
 * The figures come from the per-minute summaries in OpenSearch: each contribution carries, per
 * tracked field, its count/min/max/sum and a DDSketch; the contributions of a minute (several
 * batches, partitions, both stages) are merged, overlapping ones counted once as everywhere else
 * (`keptContributions`). Minutes without values of the field are left out. Without `--field`, the
 * fields that have values in the range are listed.
 */
import { parseArgs } from 'node:util';
import { getOpenSearch } from '../shared/adapters/opensearch.ts';
import { parseTime, timeRange } from '../shared/archive/range.ts';
import * as config from '../shared/config.ts';
import { keptContributions, type SummaryDoc } from '../shared/summary/summary.ts';
import { renderTrend, trendFields, trendPoints, type TrendPoint } from '../shared/summary/trends.ts';
import { assertTenantId } from '../shared/tenants/ids.ts';
import { writeLine, type CommandIO } from './io.ts';
import { scrollSummaries, type SummaryClient } from './summaries.ts';

const USAGE = `Usage: sluice trends --tenant <id> --field <name> [--from <time>] [--to <time>] [--json]

Per-minute figures of a numeric field of the tenant's events (event time): count, p50, p95, p99
and max, with a chart of p95. Percentiles come from mergeable sketches (relative error 1 %).
Tracked fields: access logs response_time_ms and bytes, JVM GC pause_ms, JSON/logfmt latency_ms,
duration, ... (see shared/summary/stats.ts) and the fields the tenant's plan names (statsFields).

Options:
  --tenant <id>    the tenant (required)
  --field <name>   the field (without it: the fields with values in the range)
  --from <time>    ISO 8601 (no zone = UTC), "now", or a duration ago (30m, 2h, 7d); default 1h
  --to <time>      same forms, exclusive; default now
  --json           a JSON array of {"minute","count","min","max","p50","p90","p95","p99"}`;

export interface TrendOptions {
  tenant: string;
  fromMs: number;
  toMs: number;
  /** Index prefix of the summaries (the command passes the configured `SLUICE_INDEX_PREFIX`). */
  prefix: string;
  client?: SummaryClient;
}

/** The tenant's summary contributions of minutes in [from, to) (both stages), only what trends read. */
export async function trendContributions(o: TrendOptions): Promise<SummaryDoc[]> {
  const tenant = assertTenantId(o.tenant);
  const client = o.client ?? (await getOpenSearch());
  const docs = await scrollSummaries(client, {
    prefix: o.prefix,
    filter: [{ term: { tenant } }, { range: { minute: { gte: new Date(o.fromMs).toISOString(), lt: new Date(o.toMs).toISOString() } } }],
    size: 2000,
    source: { includes: ['tenant', 'minute', 'stage', 'origin', 'stats'] },
  });
  return keptContributions(docs);
}

/** The field's points per minute for the tenant and range. */
export async function trend(o: TrendOptions & { field: string }): Promise<TrendPoint[]> {
  return trendPoints(await trendContributions(o), o.field);
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      tenant: { type: 'string' },
      field: { type: 'string' },
      from: { type: 'string', default: '1h' },
      to: { type: 'string', default: 'now' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
}

export async function trendsCommand(argv: string[], io: CommandIO, client?: SummaryClient): Promise<number> {
  let values: ReturnType<typeof parse>;
  let range: { fromMs: number; toMs: number };
  try {
    values = parse(argv);
    if (values.help) {
      writeLine(io.stdout, USAGE);
      return 0;
    }
    if (!values.tenant) throw new Error('--tenant is required');
    const now = Date.now();
    range = timeRange(parseTime(values.from, now), parseTime(values.to, now));
  } catch (err) {
    writeLine(io.stderr, `sluice trends: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const o = { tenant: values.tenant, ...range, prefix: config.indexPrefix(), ...(client ? { client } : {}) };
  const docs = await trendContributions(o);
  const span = `${new Date(range.fromMs).toISOString()} .. ${new Date(range.toMs).toISOString()}`;
  if (!values.field) {
    const fields = trendFields(docs);
    if (values.json) writeLine(io.stdout, JSON.stringify(fields));
    else if (fields.length === 0) writeLine(io.stderr, `no numeric fields for ${values.tenant} in ${span}`);
    else for (const f of fields) writeLine(io.stdout, `${f.field}\t${f.count}`);
    return 0;
  }
  const points = trendPoints(docs, values.field);
  if (values.json) {
    writeLine(io.stdout, JSON.stringify(points));
    return 0;
  }
  if (points.length === 0) {
    writeLine(io.stderr, `no values of ${values.field} for ${values.tenant} in ${span}`);
    return 0;
  }
  for (const l of renderTrend(values.field, points)) writeLine(io.stdout, l);
  return 0;
}
