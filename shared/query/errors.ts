/**
 * The one error type of the read path: an HTTP status, a stable machine `code` and a message that
 * says what to do (the model is shared/ingest/errors.ts). The handler answers it as JSON.
 */
export type QueryErrorCode =
  | 'not_found' // 404: no such route
  | 'method_not_allowed' // 405 (Allow header)
  | 'missing_token' // 401
  | 'invalid_token' // 401: unknown or revoked
  | 'wrong_scope' // 403: an ingest token on a read route
  | 'bad_query' // 400: the query language (with `position`)
  | 'bad_parameter' // 400: from/to/size/cursor/limit
  | 'range_too_long' // 400: the time range is over the plan's cap
  | 'rate_limited' // 429 (Retry-After)
  | 'timeout' // 504: the search ran past the query timeout
  | 'unavailable' // 503 (Retry-After)
  | 'internal'; // 500

export class QueryError extends Error {
  override readonly name = 'QueryError';
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    readonly status: number,
    readonly code: QueryErrorCode,
    message: string,
    options: { retryAfterSeconds?: number; headers?: Record<string, string>; fields?: Record<string, string | number> } = {},
    readonly fields: Readonly<Record<string, string | number>> = options.fields ?? {},
  ) {
    super(message);
    const headers: Record<string, string> = { ...options.headers };
    if (options.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(options.retryAfterSeconds)));
    this.headers = headers;
  }

  toBody(requestId?: string): Record<string, unknown> {
    return { error: this.code, message: this.message, ...this.fields, ...(requestId !== undefined ? { requestId } : {}) };
  }

  static missingToken(): QueryError {
    return new QueryError(401, 'missing_token', 'No read token. Send "Authorization: Bearer <read token>"; issue one with `sluice tenants token <tenant> --scope read`.', {
      headers: { 'www-authenticate': 'Bearer realm="sluice-read"' },
    });
  }

  static invalidToken(): QueryError {
    return new QueryError(401, 'invalid_token', 'The read token is not known or was revoked. Check the token you send, or issue a new one with `sluice tenants token <tenant> --scope read`.', {
      headers: { 'www-authenticate': 'Bearer realm="sluice-read", error="invalid_token"' },
    });
  }

  static wrongScope(): QueryError {
    return new QueryError(403, 'wrong_scope', 'This is an ingest token: it can send logs but not read them. Use a read token (`sluice tenants token <tenant> --scope read`).', {
      headers: { 'www-authenticate': 'Bearer realm="sluice-read", error="insufficient_scope", scope="read"' },
    });
  }

  static rateLimited(retryAfterSeconds: number, perSecond: number): QueryError {
    return new QueryError(429, 'rate_limited', `Too many queries for this tenant (its plan allows ${perSecond} a second, with a burst above it). Retry after ${Math.max(1, Math.ceil(retryAfterSeconds))} s.`, { retryAfterSeconds });
  }

  static badParameter(name: string, problem: string): QueryError {
    return new QueryError(400, 'bad_parameter', `Parameter "${name}": ${problem}`, { fields: { parameter: name } });
  }
}

export const isQueryError = (e: unknown): e is QueryError => e instanceof QueryError;
