/**
 * The read path's latency (issue 22): p50/p99 of a search through the query function (in process:
 * the Lambda event, the read token, the rate limit, the query language, the translation, the
 * answer's JSON) beside the very same OpenSearch request sent directly, over a day of one tenant's
 * events in the shared tier. Target: the function at most 1.2 times the direct query.
 *
 * The events (1,000,000; 100,000 with --quick) are indexed once under their own index prefix
 * (`sluicebench`) and kept, so a later run reuses them; the figures say how many were searched.
 */
import { getOpenSearch } from '../shared/adapters/opensearch.ts';
import { putIndexTemplates } from '../shared/adapters/opensearch-bulk.ts';
import { DynamoTenantStore } from '../shared/adapters/tenant-store.ts';
import * as config from '../shared/config.ts';
import { tenantAlias } from '../shared/index/naming.ts';
import { queryLimits } from '../shared/query/limits.ts';
import { readSearch, searchRequest } from '../shared/query/request.ts';
import { resolvePlan } from '../shared/tenants/plans.ts';
import { apiGatewayV2Event } from '../local/http-events.ts';
import { indexDocs, type TestDoc } from '../test/support/query-data.ts';
import type { Bench, BenchFigure } from './harness.ts';

const PREFIX = 'sluicebench';
const TENANT = 'bench-query';
const PLAN = { name: 'enterprise', overrides: { indexTier: 'shared' as const } };
const LEVELS = ['info', 'info', 'info', 'debug', 'warn', 'error'];
const DAY_MS = 86_400_000;
const Q = 'level:error AND payment';

/** Yesterday (UTC), a whole day. */
function yesterday(): { fromMs: number; toMs: number } {
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  return { fromMs: today - DAY_MS, toMs: today };
}

function doc(i: number, fromMs: number, n: number): TestDoc {
  const at = new Date(fromMs + Math.floor((i / n) * DAY_MS)).toISOString();
  const kind = i % 4;
  const message = kind === 0 ? `payment ${i} failed for order ${i % 9973}` : kind === 1 ? `user ${i % 5000} logged in from 10.0.${i % 256}.${i % 199}` : kind === 2 ? `GET /api/items/${i % 777} 200 ${i % 900} ms` : `cache miss for key k${i % 12345}`;
  return { '@timestamp': at, message, level: LEVELS[i % LEVELS.length]!, host: `web-${i % 16}`, template_id: `t${kind}`, fields: { order: i % 9973 } };
}

async function ensureEvents(n: number, log: (m: string) => void): Promise<number> {
  const client = await getOpenSearch();
  await putIndexTemplates(undefined, { prefix: PREFIX });
  const store = new DynamoTenantStore();
  if (!(await store.getTenant(TENANT))) await store.addTenant(TENANT, PLAN.name, PLAN.overrides);
  const { fromMs, toMs } = yesterday();
  const count = async () => ((await client.count({ index: tenantAlias(TENANT, PREFIX), ignore_unavailable: true, body: { query: { range: { '@timestamp': { gte: fromMs, lt: toMs } } } } } as never)).body as { count: number }).count;
  const have = await count().catch(() => 0);
  if (have >= n) return have;
  log(`  indexing ${n.toLocaleString('en-US')} events of one tenant for yesterday (kept under the ${PREFIX}- prefix for later runs)...`);
  await client.indices.delete({ index: `${PREFIX}-logs-*`, ignore_unavailable: true } as never).catch(() => undefined);
  const t0 = Date.now();
  for (let i = 0; i < n; i += 50_000) {
    await indexDocs(TENANT, Array.from({ length: Math.min(50_000, n - i) }, (_, k) => doc(i + k, fromMs, n)), { prefix: PREFIX, refresh: false });
    if ((i / 50_000) % 4 === 3) log(`  ${(i + 50_000).toLocaleString('en-US')} indexed (${Math.round((Date.now() - t0) / 1000)} s)`);
  }
  await client.indices.refresh({ index: `${PREFIX}-logs-*` });
  await client.indices.forcemerge({ index: `${PREFIX}-logs-*`, max_num_segments: 1 } as never).catch(() => undefined);
  return count();
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const bench: Bench = {
  name: 'query',
  needsServices: true,
  async run({ quick, log }): Promise<BenchFigure[]> {
    const n = quick ? 100_000 : 1_000_000;
    const events = await ensureEvents(n, log);
    config.overrideSettings({ SLUICE_INDEX_PREFIX: PREFIX });
    const [{ query }, { logger }] = await Promise.all([import('../functions/query.ts'), import('../shared/observability.ts')]);
    const level = logger.getLevelName();
    logger.setLogLevel('WARN'); // the per-request INFO line would go to this terminal; on Lambda it goes to CloudWatch
    const token = await new DynamoTenantStore().issueToken(TENANT, 'read');
    const { fromMs, toMs } = yesterday();
    const url = `/v1/search?q=${encodeURIComponent(Q)}&from=${fromMs}&to=${toMs}&size=50`;
    const viaFunction = async () => {
      const r = (await query(apiGatewayV2Event({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } }), { awsRequestId: 'bench' })) as { statusCode: number; body: string };
      if (r.statusCode !== 200) throw new Error(`the query function answered ${r.statusCode}: ${r.body}`);
    };
    const client = await getOpenSearch();
    const limits = queryLimits(resolvePlan(PLAN.name, PLAN.overrides));
    const req = searchRequest(TENANT, readSearch({ q: Q, from: String(fromMs), to: String(toMs), size: '50' }, limits, Date.now()), config.queryRead().timeoutMs, PREFIX);
    const direct = () => client.search({ index: req.index, body: req.body, ignore_unavailable: true, allow_no_indices: true } as never);
    const rounds = quick ? 60 : 300; // interleaved, under the plan's query rate (50/s, burst 200)
    for (let i = 0; i < 15; i++) await Promise.all([viaFunction(), direct()]);
    const fn: number[] = [];
    const os: number[] = [];
    for (let i = 0; i < rounds; i++) {
      if (i % 2 === 0) fn.push(await time(viaFunction)), os.push(await time(direct));
      else os.push(await time(direct)), fn.push(await time(viaFunction));
      await new Promise((r) => setTimeout(r, 30));
    }
    config.overrideSettings({ SLUICE_INDEX_PREFIX: undefined });
    logger.setLogLevel(level);
    const detail = `q=${JSON.stringify(Q)} over a day of ${events.toLocaleString('en-US')} events of one tenant (shared tier), size 50, ${rounds} interleaved rounds, handler log level WARN`;
    return [
      { name: 'search via the query function, p50', value: pct(fn, 50), unit: 'ms', lowerIsBetter: true, detail },
      { name: 'search via the query function, p99', value: pct(fn, 99), unit: 'ms', lowerIsBetter: true, detail },
      { name: 'same search direct to OpenSearch, p50', value: pct(os, 50), unit: 'ms', lowerIsBetter: true, detail },
      { name: 'same search direct to OpenSearch, p99', value: pct(os, 99), unit: 'ms', lowerIsBetter: true, detail },
      { name: 'query function / direct, p50', value: pct(fn, 50) / pct(os, 50), unit: 'ratio', target: 1.2, lowerIsBetter: true, detail },
      { name: 'query function / direct, p99', value: pct(fn, 99) / pct(os, 99), unit: 'ratio', target: 1.2, lowerIsBetter: true, detail },
    ];
  },
};

export default bench;
