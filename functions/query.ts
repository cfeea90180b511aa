/**
 * query: the read path. API Gateway HTTP API and the ALB invoke it for GET /v1/search, /v1/tail,
 * /v1/templates/top, /v1/summaries (a tenant's read token in `Authorization: Bearer`) and the web
 * console at /console. The request flow is shared/query/handle.ts; this file wires it.
 */
import type { Context } from 'aws-lambda';
import { setTimeout as sleep } from 'node:timers/promises';
import * as config from '../shared/config.ts';
import { DynamoTenantStore } from '../shared/adapters/tenant-store.ts';
import { DynamoCeilingCounter } from '../shared/adapters/ingest-ceiling.ts';
import { searchOpenSearch, tenantSummaries, TemplateTexts } from '../shared/adapters/query-store.ts';
import type { LambdaHttpEvent, LambdaHttpResult } from '../shared/ingest/http.ts';
import { handleQuery, type QueryPorts } from '../shared/query/handle.ts';
import { QueryRateLimiter } from '../shared/query/rate.ts';
import { CachedTenantResolver } from '../shared/tenants/registry.ts';
import { lambdaHandler } from '../shared/middleware.ts';
import { logger } from '../shared/observability.ts';
import { CONSOLE_HTML } from '../web/console/page.generated.ts';

const texts = new TemplateTexts();

/** The ports over the real stores; the settings are read per request (tests change them). */
export function queryPorts(): QueryPorts {
  const tenants = new CachedTenantResolver(new DynamoTenantStore(), config.tenantCacheTtlMs());
  // One counter per tenant per window in the budget table, shared by every query instance (shared/query/rate.ts).
  const rate = new QueryRateLimiter(new DynamoCeilingCounter(config.dynamodb().budgetTable, 1000, 'QUERYRATE'), {
    onCounterError: (error) => logger.warn('query rate counter unreachable; refusing reads (503) until it answers', { error: error as Error }),
  });
  return {
    tenants,
    rate,
    get settings() {
      return { prefix: config.indexPrefix(), ...config.queryRead() };
    },
    search: (req) => searchOpenSearch(req, config.queryRead().timeoutMs),
    summaries: (tenant, range, stats) => tenantSummaries(tenant, range, config.indexPrefix(), config.queryRead().timeoutMs, { stats: stats === true }),
    templates: (tenant) => texts.lookup(tenant),
    consolePage: () => CONSOLE_HTML,
    now: Date.now,
    sleep: (ms) => sleep(ms),
    log: logger,
  };
}

const ports = queryPorts();

export const query = (event: LambdaHttpEvent, context: Pick<Context, 'awsRequestId'>): Promise<LambdaHttpResult> => handleQuery(ports, event, context.awsRequestId);

export const handler = lambdaHandler(query, [config.queryRead, config.tenantCacheTtlMs, config.dynamodb, config.opensearch, config.s3]);
