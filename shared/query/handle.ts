/**
 * One read request, start to answer, behind ports (functions/query.ts wires the tenant registry,
 * OpenSearch, the summaries and the template states):
 *
 *  1. normalize the event (API Gateway v2 or ALB) and route it; `GET /console` is the web console
 *     (a static page: no token, it asks for one);
 *  2. take the Bearer token and resolve it: unknown or revoked 401, an ingest token 403, a registry
 *     that cannot answer 503;
 *  3. take one of the tenant's queries from the rate shared by every instance (rate.ts: 429 with
 *     Retry-After past its plan's rate; 503 when the shared counter cannot answer);
 *  4. run the route (routes.ts) with the tenant's limits; answer JSON, or the refusal with its status.
 */
import { errorResponse, normalizeRequest, toResponse, type IngestRequest, type LambdaHttpEvent, type LambdaHttpResult } from '../ingest/http.ts';
import { scopeOf, type Tenant, type TenantResolver } from '../tenants/registry.ts';
import { QueryError, isQueryError } from './errors.ts';
import { queryLimits } from './limits.ts';
import type { QueryRateLimiter } from './rate.ts';
import { ROUTES, type ReadPorts } from './routes.ts';

type Log = (message: string, data: Record<string, unknown>) => void;

export interface QueryPorts extends ReadPorts {
  tenants: TenantResolver;
  rate: QueryRateLimiter;
  /** The console page (HTML). */
  consolePage(): string;
  log: { info: Log; error: Log };
}

const unavailable = (what: string, seconds: number): QueryError =>
  new QueryError(503, 'unavailable', `Sluice could not check ${what} right now. Retry after ${seconds} s.`, { retryAfterSeconds: seconds });

function bearer(req: IngestRequest): string {
  const h = req.headers.authorization;
  if (!h) throw QueryError.missingToken();
  const m = /^Bearer\s+(\S{1,512})\s*$/i.exec(h);
  if (!m) throw QueryError.missingToken();
  return m[1]!;
}

async function authenticate(ports: QueryPorts, req: IngestRequest): Promise<Tenant> {
  const token = bearer(req);
  const tenant = await ports.tenants.resolve(token).catch((err: unknown) => {
    ports.log.error('tenant registry unreachable', { requestId: req.requestId, error: err as Error });
    throw unavailable('the token', 5);
  });
  if (!tenant) throw QueryError.invalidToken();
  if (scopeOf(tenant) !== 'read') throw QueryError.wrongScope();
  return tenant;
}

function route(req: IngestRequest) {
  const r = ROUTES[req.path];
  if (!r) throw new QueryError(404, 'not_found', `No read route ${req.path}. The routes are ${Object.keys(ROUTES).join(', ')} and /console.`);
  if (req.method !== 'GET') throw new QueryError(405, 'method_not_allowed', `${req.path} answers GET only.`, { headers: { allow: 'GET' } });
  return r;
}

function failure(ports: QueryPorts, req: IngestRequest, err: unknown): LambdaHttpResult {
  if (isQueryError(err)) {
    if (err.status >= 500) ports.log.error('read failed', { requestId: req.requestId, code: err.code });
    return toResponse(req.shape, err.status, err.toBody(req.requestId), { ...err.headers, 'cache-control': 'no-store' });
  }
  ports.log.error('read failed', { requestId: req.requestId, path: req.path, error: err as Error });
  return errorResponse(req.shape, err, req.requestId);
}

export async function handleQuery(ports: QueryPorts, event: LambdaHttpEvent, requestId: string): Promise<LambdaHttpResult> {
  const req = normalizeRequest(event, { fallbackRequestId: requestId });
  if (req.method === 'GET' && (req.path === '/console' || req.path === '/console/')) {
    return toResponse(req.shape, 200, ports.consolePage(), { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache', 'x-frame-options': 'DENY', 'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'" });
  }
  const started = Date.now();
  try {
    const run = route(req);
    const tenant = await authenticate(ports, req);
    const limits = queryLimits(tenant.plan);
    const taken = await ports.rate.take(tenant.id, limits.queriesPerSecond, limits.queriesBurst);
    if (!taken.ok && taken.reason === 'unavailable') throw unavailable('the query rate', taken.retryAfterSeconds);
    if (!taken.ok) throw QueryError.rateLimited(taken.retryAfterSeconds, limits.queriesPerSecond);
    const body = await run(ports, tenant.id, limits, req.query);
    ports.log.info('read', { tenant: tenant.id, requestId: req.requestId, path: req.path, ms: Date.now() - started });
    return toResponse(req.shape, 200, body, { 'cache-control': 'no-store' });
  } catch (err) {
    return failure(ports, req, err);
  }
}
