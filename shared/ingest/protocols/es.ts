/**
 * Elasticsearch-compatible ingest under /es, for shippers that speak only Elasticsearch's API
 * (Filebeat, Logstash, rsyslog omelasticsearch, syslog-ng elasticsearch-http(), Vector, Fluent Bit):
 *
 *   GET|HEAD /es, /es/            cluster info (version.number ES_VERSION, X-Elastic-Product header)
 *   POST|PUT /es/_bulk, /es/{index}/_bulk    index and create actions; one item per action, in order
 *   POST|PUT /es/{index}/_doc[/{id}], /es/{index}/_create/{id}    a single document
 *   anything else (_cluster/health, _nodes/http, _license, _xpack, templates, ILM, pipelines...)
 *                                 a harmless stub: the shipper's probes succeed, nothing is changed
 *
 * Token: the Basic password (any user name), `Authorization: ApiKey <base64(id:key)>` (the key part,
 * or the whole value when it is not id:key), or Bearer / X-Api-Key as elsewhere. One document is one
 * event; its line is the raw as sent (Sluice classifies it; a line that is not JSON is stored as text,
 * never lost). The index name becomes the event's source. `delete` and `update` actions are refused
 * item by item (Sluice stores logs, it does not edit them) and counted in `errors`.
 */
import { IngestError } from '../errors.ts';
import { toResponse, type IngestRequest, type LambdaHttpResult, type RequestShape } from '../http.ts';
import { extractToken } from '../routes.ts';
import type { ProtocolEvent, ProtocolResult } from './events.ts';
import type { Decoded, ProtocolRoute } from './types.ts';

/** The version shippers are told: Filebeat/Logstash 8.x and Vector accept an 8.x cluster. */
export const ES_VERSION = '8.17.0';
const PRODUCT = { 'x-elastic-product': 'Elasticsearch' } as const;
const CLUSTER = 'sluice';

function clusterInfo(): Record<string, unknown> {
  return {
    name: 'sluice-ingest',
    cluster_name: CLUSTER,
    cluster_uuid: 'c2x1aWNlLWluZ2VzdC0x',
    version: {
      number: ES_VERSION,
      build_flavor: 'default',
      build_type: 'docker',
      build_hash: '0000000000000000000000000000000000000000',
      build_date: '2024-12-11T12:08:05.663969764Z',
      build_snapshot: false,
      lucene_version: '9.12.0',
      minimum_wire_compatibility_version: '7.17.0',
      minimum_index_compatibility_version: '7.0.0',
    },
    tagline: 'You Know, for Search',
  };
}

function json(shape: RequestShape, status: number, body: unknown, head = false, headers: Record<string, string> = {}): LambdaHttpResult {
  const r = toResponse(shape, status, head ? '' : body, { ...PRODUCT, 'content-type': 'application/json; charset=UTF-8', ...headers });
  return r;
}

/** The stub answers for what shippers probe or set up; undefined for the ingest paths. */
export function esStub(req: IngestRequest, rest: string[]): LambdaHttpResult | undefined {
  const head = req.method === 'HEAD';
  const [first, second] = rest;
  const shape = req.shape;
  if (rest.length === 0) {
    if (req.method === 'GET' || head) return json(shape, 200, clusterInfo(), head);
    throw new IngestError(405, 'method_not_allowed', `${req.method} is not allowed on /es/; use GET or HEAD, or POST /es/_bulk.`, { headers: { allow: 'GET, HEAD' } });
  }
  if (isIngestPath(rest)) return undefined;
  if (head) return json(shape, 200, '', true);
  if (req.method !== 'GET') return json(shape, 200, { acknowledged: true });
  switch (first) {
    case '_cluster':
      return json(shape, 200, { cluster_name: CLUSTER, status: 'green', timed_out: false, number_of_nodes: 1, number_of_data_nodes: 1, active_primary_shards: 0, active_shards: 0, relocating_shards: 0, initializing_shards: 0, unassigned_shards: 0 });
    case '_nodes':
      return json(shape, 200, { _nodes: { total: 0, successful: 0, failed: 0 }, cluster_name: CLUSTER, nodes: {} });
    case '_license':
      return json(shape, 200, { license: { status: 'active', uid: '00000000-0000-0000-0000-000000000000', type: 'basic', issue_date_in_millis: 0, max_nodes: 1000, issued_to: CLUSTER, issuer: 'elasticsearch' } });
    case '_xpack':
      return json(shape, 200, { build: {}, license: { status: 'active', type: 'basic', mode: 'basic' }, features: { ilm: { available: false, enabled: false } } });
    case '_index_template':
      return json(shape, 200, { index_templates: second ? [{ name: second, index_template: { index_patterns: [`${second}*`], template: {}, composed_of: [] } }] : [] });
    case '_template':
    case '_component_template':
    case '_ilm':
    case '_ingest':
      return json(shape, 200, second ? { [rest[rest.length - 1]!]: {} } : {});
    default:
      return json(shape, 200, {});
  }
}

function isIngestPath(rest: string[]): boolean {
  const n = rest.length;
  if (n === 1 && rest[0] === '_bulk') return true;
  if (n === 2 && rest[1] === '_bulk' && !rest[0]!.startsWith('_')) return true;
  if ((n === 2 || n === 3) && rest[1] === '_doc' && !rest[0]!.startsWith('_')) return true;
  return n === 3 && rest[1] === '_create' && !rest[0]!.startsWith('_');
}

function segments(path: string): string[] | undefined {
  if (path !== '/es' && !path.startsWith('/es/')) return undefined;
  return path
    .slice(3)
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

/** The token: ApiKey (key of id:key), else Basic password / Bearer / X-Api-Key as native ingest reads them. */
export function esToken(req: IngestRequest): string {
  const auth = req.headers['authorization']?.trim();
  if (auth !== undefined && /^apikey\s/i.test(auth)) {
    const v = auth.slice(6).trim();
    const decoded = Buffer.from(v, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const key = colon > 0 && /^[\x21-\x7e]+$/.test(decoded) && Buffer.from(decoded).toString('base64').replace(/=+$/, '') === v.replace(/=+$/, '') ? decoded.slice(colon + 1) : v;
    return extractToken({ ...req, headers: { ...req.headers, authorization: `Bearer ${key}` } }, { kind: 'logs', path: '/v1/logs' });
  }
  return extractToken(req, { kind: 'logs', path: '/v1/logs' });
}

type Item = { action: string; index: string; id?: string; event?: number; error?: { status: number; type: string; reason: string } };

function badBulk(reason: string): IngestError {
  return new IngestError(400, 'malformed_request', reason);
}

interface Action {
  kind: string;
  index: string | undefined;
  id: string | undefined;
}

/** One action/metadata line, checked; throws the 400 that names the line. */
function parseAction(line: string, lineNo: number, urlIndex: string | undefined): Action {
  let action: unknown;
  try {
    action = JSON.parse(line);
  } catch {
    throw badBulk(`Malformed action/metadata line [${lineNo}], expected a JSON object like {"index":{}}.`);
  }
  const keys = typeof action === 'object' && action !== null && !Array.isArray(action) ? Object.keys(action) : [];
  if (keys.length !== 1) throw badBulk(`Malformed action/metadata line [${lineNo}], expected a single action (index, create, update or delete).`);
  const kind = keys[0]!;
  const meta = (action as Record<string, unknown>)[kind];
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw badBulk(`Malformed action/metadata line [${lineNo}]: the ${kind} action's metadata must be an object.`);
  const m = meta as Record<string, unknown>;
  const index = typeof m._index === 'string' && m._index !== '' ? m._index : urlIndex;
  const id = typeof m._id === 'string' ? m._id : typeof m._id === 'number' ? String(m._id) : undefined;
  return { kind, index, id };
}

/** A bulk body: action line, then (for index/create) its document line. */
export function decodeBulk(body: Buffer, urlIndex: string | undefined): Decoded {
  const text = body.toString('utf8');
  const events: ProtocolEvent[] = [];
  const items: Item[] = [];
  let rejected = 0;
  let pos = 0;
  let lineNo = 0;
  const next = (): string | undefined => {
    while (pos < text.length) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) nl = text.length;
      const end = nl > pos && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      const start = pos;
      pos = nl + 1;
      lineNo++;
      // A line that starts with a non-space character is not blank: no trim for the usual line.
      if (end > start && text.charCodeAt(start) > 32) return text.slice(start, end);
      const line = text.slice(start, end);
      if (line.trim() !== '') return line;
    }
    return undefined;
  };
  // Shippers repeat the same few action lines: parse and check each distinct one once.
  const parsed = new Map<string, Action>();
  for (let line = next(); line !== undefined; line = next()) {
    let action = parsed.get(line);
    if (action === undefined) {
      action = parseAction(line, lineNo, urlIndex);
      if (parsed.size < 64) parsed.set(line, action);
    }
    const { kind, index, id } = action;
    if (kind === 'delete') {
      rejected++;
      items.push({ action: kind, index: index ?? CLUSTER, ...(id !== undefined ? { id } : {}), error: { status: 405, type: 'illegal_argument_exception', reason: 'Sluice stores logs and does not delete them; the delete action was not applied.' } });
      continue;
    }
    if (kind !== 'index' && kind !== 'create' && kind !== 'update') throw badBulk(`Unknown action [${kind}] on line [${lineNo}]; use index or create.`);
    const doc = next();
    if (doc === undefined) throw badBulk(`The ${kind} action on line [${lineNo}] has no document line after it. Nothing of this request was stored.`);
    if (kind === 'update') {
      rejected++;
      items.push({ action: kind, index: index ?? CLUSTER, ...(id !== undefined ? { id } : {}), error: { status: 405, type: 'illegal_argument_exception', reason: 'Sluice stores logs and does not update them; send the document with an index or create action.' } });
      continue;
    }
    if (index === undefined) {
      rejected++;
      items.push({ action: kind, index: CLUSTER, error: { status: 400, type: 'action_request_validation_exception', reason: 'Validation Failed: 1: index is missing;' } });
      continue;
    }
    items.push({ action: kind, index, ...(id !== undefined ? { id } : {}), event: events.length });
    events.push({ raw: doc, source: index });
  }
  if (items.length === 0) throw badBulk('Validation Failed: 1: no requests added;');
  const d: Decoded = { events, rejected, detail: items };
  return d;
}

function bulkAnswer(shape: RequestShape, items: Item[], result: ProtocolResult, tookMs: number): LambdaHttpResult {
  let errors = false;
  const out = items.map((it, seq) => {
    if (it.error) {
      errors = true;
      return { [it.action]: { _index: it.index, _id: it.id ?? null, status: it.error.status, error: { type: it.error.type, reason: it.error.reason } } };
    }
    const id = it.id ?? result.id(it.event!);
    return { [it.action]: { _index: it.index, _id: id, _version: 1, result: 'created', _shards: { total: 1, successful: 1, failed: 0 }, _seq_no: seq, _primary_term: 1, status: 201 } };
  });
  return json(shape, 200, { took: tookMs, errors, items: out });
}

/** Errors as Elasticsearch words them: {error: {root_cause, type, reason}, status}. */
export function esError(shape: RequestShape, err: IngestError): LambdaHttpResult {
  const type =
    err.status === 401 ? 'security_exception' : err.status === 429 ? 'es_rejected_execution_exception' : err.status === 413 ? 'content_too_long_exception' : err.status === 503 ? 'unavailable_shards_exception' : err.status === 404 ? 'resource_not_found_exception' : err.status >= 500 ? 'exception' : err.code === 'malformed_request' ? 'illegal_argument_exception' : 'parse_exception';
  const headers: Record<string, string> = { ...err.headers };
  if (err.status === 401) headers['www-authenticate'] = 'Basic realm="sluice", ApiKey';
  const cause = { type, reason: err.message };
  return json(shape, err.status, { error: { root_cause: [cause], ...cause }, status: err.status }, false, headers);
}

export function esMatcher(path: string, req: IngestRequest): ProtocolRoute | undefined {
  const rest = segments(path);
  if (rest === undefined) return undefined;
  const started = Date.now();
  const single = rest[1] === '_doc' || rest[1] === '_create';
  const urlIndex = rest.length >= 2 ? rest[0] : undefined;
  return {
    protocol: 'es',
    probe: (r) => esStub(r, rest),
    token: (r) => {
      if (r.method !== 'POST' && r.method !== 'PUT') {
        throw new IngestError(405, 'method_not_allowed', `${r.method} is not allowed on ${r.path}; use POST.`, { headers: { allow: 'POST, PUT' } });
      }
      return esToken(r);
    },
    decode: (body) => {
      if (!single) return decodeBulk(body, urlIndex);
      const text = body.toString('utf8').trim();
      if (text === '') throw badBulk('request body is required');
      const id = rest[2];
      return { events: [{ raw: text, source: urlIndex }], rejected: 0, detail: [{ action: rest[1] === '_create' ? 'create' : 'index', index: urlIndex!, ...(id !== undefined ? { id } : {}), event: 0 }] };
    },
    answer: (r, decoded, result) => {
      const items = decoded.detail as Item[];
      if (!single) return bulkAnswer(r.shape, items, result, Date.now() - started);
      const it = items[0]!;
      return json(r.shape, 201, { _index: it.index, _id: it.id ?? result.id(0), _version: 1, result: 'created', _shards: { total: 1, successful: 1, failed: 0 }, _seq_no: 0, _primary_term: 1 });
    },
    fail: (r, err) => esError(r.shape, err),
  };
}
