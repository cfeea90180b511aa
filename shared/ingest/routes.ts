/**
 * Routes and token extraction.
 *
 *   POST /v1/logs            token in Authorization: Bearer / X-Api-Key
 *   POST /v1/bulk            alias of /v1/logs
 *   POST /v1/inputs/{token}  for clients that cannot set headers
 *
 * Unknown path -> 404; known path, other method -> 405 with `Allow: POST`. A trailing slash is tolerated.
 */
import { IngestError } from './errors.ts';
import type { IngestRequest } from './http.ts';

export type IngestRoute = { kind: 'logs'; path: '/v1/logs' | '/v1/bulk' } | { kind: 'input'; pathToken: string };

const INPUTS_PREFIX = '/v1/inputs/';
const ALLOWED = 'POST';

export function matchRoute(req: Pick<IngestRequest, 'method' | 'path'>): IngestRoute {
  let path = req.path;
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  let route: IngestRoute | undefined;
  if (path === '/v1/logs' || path === '/v1/bulk') {
    route = { kind: 'logs', path };
  } else if (path.startsWith(INPUTS_PREFIX)) {
    const seg = path.slice(INPUTS_PREFIX.length);
    if (seg.length > 0 && !seg.includes('/')) route = { kind: 'input', pathToken: decodeSegment(seg) };
  }
  if (!route) {
    throw new IngestError(
      404,
      'not_found',
      `No route for ${req.path}. POST logs to /v1/logs (or /v1/bulk), or to /v1/inputs/<token> if your client cannot set headers.`,
    );
  }
  if (req.method !== 'POST') {
    throw new IngestError(405, 'method_not_allowed', `${req.method} is not allowed on ${req.path}; use POST.`, {
      headers: { allow: ALLOWED },
    });
  }
  return route;
}

function decodeSegment(seg: string): string {
  if (seg.indexOf('%') < 0) return seg;
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg; // malformed escape: keep it; the token check rejects it
  }
}

/** Printable ASCII without spaces, 1..1024 characters: anything else cannot be one of our tokens. */
const TOKEN_RE = /^[\x21-\x7e]{1,1024}$/;

function fromAuthorization(value: string): string | undefined {
  const v = value.trim();
  const sp = v.indexOf(' ');
  if (sp < 0) return undefined;
  const scheme = v.slice(0, sp).toLowerCase();
  const cred = v.slice(sp + 1).trim();
  if (scheme === 'bearer') return cred;
  if (scheme === 'basic') {
    // For shippers that can only do basic auth: the password is the token (or the user name if no password).
    const decoded = Buffer.from(cred, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return decoded;
    const pass = decoded.slice(colon + 1);
    return pass.length > 0 ? pass : decoded.slice(0, colon);
  }
  return undefined;
}

/**
 * The ingest token, from `Authorization: Bearer <t>` (or Basic, password = token), `X-Api-Key: <t>`,
 * or the `/v1/inputs/{token}` path. Several places may carry it but they must agree (400 otherwise).
 * Throws 401 `missing_token` / `invalid_token` (malformed). The tenant lookup is the caller's job.
 */
export function extractToken(req: Pick<IngestRequest, 'method' | 'path' | 'headers'>, route?: IngestRoute): string {
  const found: string[] = [];
  const auth = req.headers['authorization'];
  if (auth !== undefined && auth.trim() !== '') {
    const t = fromAuthorization(auth);
    if (t === undefined) {
      throw new IngestError(
        401,
        'invalid_token',
        'Unsupported Authorization scheme. Send "Authorization: Bearer <token>" (or an X-Api-Key header).',
        { headers: { 'www-authenticate': 'Bearer' } },
      );
    }
    found.push(t);
  }
  const apiKey = req.headers['x-api-key']?.trim();
  if (apiKey) found.push(apiKey);
  const r = route ?? tryRoute(req);
  if (r?.kind === 'input') found.push(r.pathToken);

  const first = found[0];
  if (first === undefined) throw IngestError.missingToken();
  for (const t of found) {
    if (t !== first) {
      throw new IngestError(
        400,
        'conflicting_tokens',
        'The request carries two different tokens (Authorization, X-Api-Key, path). Send exactly one.',
      );
    }
  }
  if (!TOKEN_RE.test(first)) throw IngestError.invalidToken('malformed');
  return first;
}

function tryRoute(req: Pick<IngestRequest, 'method' | 'path'>): IngestRoute | undefined {
  try {
    return matchRoute(req);
  } catch {
    return undefined;
  }
}
