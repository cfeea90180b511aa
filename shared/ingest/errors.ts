/**
 * The one error type of the ingest path. Everything the client did wrong (or that we cannot do right
 * now) is an `IngestError` with an HTTP status, a stable machine `code` and a message that tells the
 * client what to do. `errorResponse` (http.ts) turns it into the answer in the request's own shape.
 */

export type IngestErrorCode =
  | 'not_found' // 404: no such route
  | 'method_not_allowed' // 405: route exists, method does not (Allow header set)
  | 'missing_token' // 401: no Authorization / X-Api-Key / path token
  | 'invalid_token' // 401: malformed, unknown or revoked token
  | 'conflicting_tokens' // 400: two different tokens in one request
  | 'empty_body' // 400: nothing but whitespace
  | 'body_too_large' // 413: wire or decoded body over maxBodyBytes
  | 'bad_encoding' // 400: gzip/deflate/zstd data that does not decode
  | 'unsupported_encoding' // 415: Content-Encoding we do not know
  | 'invalid_idempotency_key' // 400
  | 'too_many_events' // 413: more events in one request than the per-request cap
  | 'over_ceiling' // 413: one request costs more than the tenant's ceiling allows in a whole window
  | 'rate_limited' // 429 (Retry-After): past the tenant's hard ceiling; `reason` says which
  | 'malformed_request' // 400: a body that claims a protocol (OTLP, ES bulk, HEC, Loki, Firehose) and breaks it
  | 'unsupported_media_type' // 415: a protocol route given a Content-Type it does not speak
  | 'unavailable' // 503 (Retry-After)
  | 'unsupported_event' // 500: the Lambda was wired to something that is not API Gateway v2 / ALB
  | 'internal'; // 500

export interface IngestErrorOptions {
  /** Seconds; sent as `Retry-After` (429/503). */
  retryAfterSeconds?: number;
  /** Extra response headers (e.g. `Allow`, `WWW-Authenticate`). */
  headers?: Record<string, string>;
  /** A named reason, sent in the body beside `error` (e.g. which ceiling a 429 hit). */
  reason?: string;
  /** More fields of the body (e.g. how many events a 503 stored). */
  fields?: Record<string, string | number>;
  cause?: unknown;
}

export class IngestError extends Error {
  override readonly name = 'IngestError';
  readonly status: number;
  readonly code: IngestErrorCode;
  readonly retryAfterSeconds: number | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly reason: string | undefined;
  readonly fields: Readonly<Record<string, string | number>>;

  constructor(status: number, code: IngestErrorCode, message: string, options: IngestErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = status;
    this.code = code;
    const headers: Record<string, string> = { ...options.headers };
    if (options.retryAfterSeconds !== undefined) {
      this.retryAfterSeconds = Math.max(0, Math.ceil(options.retryAfterSeconds));
      headers['retry-after'] = String(this.retryAfterSeconds);
    } else {
      this.retryAfterSeconds = undefined;
    }
    this.headers = headers;
    this.reason = options.reason;
    this.fields = { ...options.fields };
  }

  /** The JSON body sent to the client. */
  toBody(requestId?: string): { error: IngestErrorCode; reason?: string; message: string; requestId?: string } & Record<string, unknown> {
    return {
      error: this.code,
      ...(this.reason !== undefined ? { reason: this.reason } : {}),
      message: this.message,
      ...this.fields,
      ...(requestId !== undefined ? { requestId } : {}),
    };
  }

  /** 401 for a token the tenant lookup does not know or that was revoked (the handler throws this). */
  static invalidToken(reason: 'unknown' | 'revoked' | 'malformed' = 'unknown'): IngestError {
    const what = reason === 'revoked' ? 'has been revoked' : reason === 'malformed' ? 'is malformed' : 'is not known';
    return new IngestError(
      401,
      'invalid_token',
      `The ingest token ${what}. Check the token your client sends (Authorization: Bearer <token>, X-Api-Key, or /v1/inputs/<token>) or create a new one.`,
      { headers: { 'www-authenticate': 'Bearer error="invalid_token"' } },
    );
  }

  static missingToken(): IngestError {
    return new IngestError(
      401,
      'missing_token',
      'No ingest token. Send it as "Authorization: Bearer <token>", as an "X-Api-Key: <token>" header, or POST to /v1/inputs/<token>.',
      { headers: { 'www-authenticate': 'Bearer' } },
    );
  }

  /** 503 with Retry-After: the pipeline cannot take the data right now; the client should retry as is. */
  static unavailable(retryAfterSeconds: number, detail = 'Ingest is temporarily unavailable.'): IngestError {
    return new IngestError(503, 'unavailable', `${detail} Retry the same request after ${Math.ceil(retryAfterSeconds)} s.`, {
      retryAfterSeconds,
    });
  }

  /** 429 with Retry-After (and the named reason, e.g. `events_ceiling`). */
  static rateLimited(retryAfterSeconds: number, detail = 'Too many requests for this tenant.', reason?: string): IngestError {
    return new IngestError(429, 'rate_limited', `${detail} Retry after ${Math.ceil(retryAfterSeconds)} s.`, {
      retryAfterSeconds,
      ...(reason !== undefined ? { reason } : {}),
    });
  }

  /** 413: more events in one request than `max`. */
  static tooManyEvents(max: number): IngestError {
    return new IngestError(
      413,
      'too_many_events',
      `More than ${max} events in one request; nothing was accepted. Split the batch (or send fewer, larger events).`,
    );
  }
}

export function isIngestError(e: unknown): e is IngestError {
  return e instanceof IngestError;
}
