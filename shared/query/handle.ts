/**
 * One read request, start to answer, behind ports (functions/query.ts wires the tenant registry,
 * OpenSearch, the summaries and the template states):
 *
 *  1. normalize the event (API Gateway v2 or ALB) and route it; `GET /console` is the web console
 *     (a static page: no token, it asks for one);
 *  2. take the Bearer token and resolve it: unknown or revoked 401, an ingest token 403, a registry
 *     that cannot answer 503;
 *  3. take one of the tenant's queries from the rate shared by every instance (rate.ts: 429 with
 *     Retry-After past its plan's rate; 503 when the shared counter cannot answer), a search beside
 *     the counter's answer (admittedRun);
 *  4. run the route (routes.ts) with the tenant's limits; answer JSON, or the refusal with its status.
 */
import { errorResponse, normalizeRequest, toResponse, type IngestRequest, type LambdaHttpEvent, type LambdaHttpResult } from '../ingest/http.ts';
import { scopeOf, type Tenant, type TenantResolver } from '../tenants/registry.ts';
import { QueryError, isQueryError } from './errors.ts';
import { queryLimits, type QueryLimits } from './limits.ts';
import type { QueryRateLimiter, RateDecision } from './rate.ts';
import { ROUTES, type ReadPorts, type Route } from './routes.ts';

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

function refuse(taken: RateDecision, limits: QueryLimits): never {
  if (!taken.ok && taken.reason === 'unavailable') throw unavailable('the query rate', taken.retryAfterSeconds);
  throw QueryError.rateLimited(taken.ok ? 1 : taken.retryAfterSeconds, limits.queriesPerSecond);
}

/**
 * Runs the route once the tenant's query rate admits it. A refusal this instance already knows costs no
 * I/O and no search. Otherwise a search starts beside the shared counter's answer, so the counter's round
 * trip adds no latency; a refused one is abandoned (at most one per instance per rate window: after it the
 * refusal is known). A tail waits for the answer first, since it may long-poll for 20 s.
 */
async function admittedRun(ports: QueryPorts, req: IngestRequest, tenant: string, limits: QueryLimits, run: Route): Promise<unknown> {
  const known = ports.rate.known(tenant, limits.queriesPerSecond, limits.queriesBurst);
  if (known) refuse(known, limits);
  const taking = ports.rate.take(tenant, limits.queriesPerSecond, limits.queriesBurst);
  if (req.path === '/v1/tail') {
    const taken = await taking;
    if (!taken.ok) refuse(taken, limits);
    return run(ports, tenant, limits, req.query);
  }
  const running = run(ports, tenant, limits, req.query);
  running.catch(() => undefined); // abandoned when refused: its failure is nobody's answer
  const taken = await taking;
  if (!taken.ok) refuse(taken, limits);
  return running;
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
    const body = await admittedRun(ports, req, tenant.id, limits, run);
    ports.log.info('read', { tenant: tenant.id, requestId: req.requestId, path: req.path, ms: Date.now() - started });
    return toResponse(req.shape, 200, body, { 'cache-control': 'no-store' });
  } catch (err) {
    return failure(ports, req, err);
  }
}
