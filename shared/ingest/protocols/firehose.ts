/**
 * Amazon Data Firehose HTTP endpoint delivery: POST /v1/firehose.
 *
 * Request (AWS "HTTP endpoint delivery request and response specifications"): headers
 * X-Amz-Firehose-Request-Id, X-Amz-Firehose-Access-Key (the tenant's token),
 * X-Amz-Firehose-Common-Attributes ({"commonAttributes": {...}}), Content-Encoding gzip optional; body
 * {"requestId": "...", "timestamp": <ms>, "records": [{"data": "<base64>"}]}.
 * Response: 200 {"requestId", "timestamp"}; on failure the same with "errorMessage" (Firehose retries
 * until its retry duration runs out, then backs the batch up to S3).
 *
 * A record is one event, except a CloudWatch Logs subscription payload (gzip JSON; or plain JSON when
 * the stream decompresses): DATA_MESSAGE gives one event per `logEvents` entry (its own timestamp,
 * `logGroup` as source, `logStream` as host), CONTROL_MESSAGE is acknowledged and skipped. Common
 * attributes are kept under fields.attributes (`source`/`host` ones also name the event's source/host).
 * Invalid base64, or a record whose gzip does not inflate, rejects the whole request: nothing stored.
 */
import { gunzipSync } from 'node:zlib';
import { IngestError } from '../errors.ts';
import { toResponse, type IngestRequest, type LambdaHttpResult } from '../http.ts';
import type { ProtocolEvent } from './events.ts';
import type { Decoded, ProtocolRoute } from './types.ts';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function bad(msg: string): IngestError {
  return new IngestError(400, 'malformed_request', msg);
}

/** The common attributes header, `{"commonAttributes": {...}}`; undefined when absent. */
export function commonAttributes(header: string | undefined): Record<string, string> | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(header);
  } catch {
    throw bad('X-Amz-Firehose-Common-Attributes is not JSON ({"commonAttributes": {...}}).');
  }
  const ca = (v as { commonAttributes?: unknown })?.commonAttributes;
  if (ca === undefined || ca === null) return undefined;
  if (typeof ca !== 'object' || Array.isArray(ca)) throw bad('X-Amz-Firehose-Common-Attributes: commonAttributes must be an object.');
  return Object.fromEntries(Object.entries(ca as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
}

interface CwlMessage {
  messageType: string;
  owner?: string;
  logGroup?: string;
  logStream?: string;
  subscriptionFilters?: string[];
  logEvents?: Array<{ id?: string; timestamp?: number; message?: string }>;
}

function asCwl(text: string): CwlMessage | undefined {
  if (!text.startsWith('{') || !text.includes('"messageType"')) return undefined;
  try {
    const v = JSON.parse(text) as CwlMessage;
    return typeof v.messageType === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

function cwlEvents(m: CwlMessage, attrs: Record<string, string> | undefined, i: number): ProtocolEvent[] {
  if (m.messageType === 'CONTROL_MESSAGE') return [];
  if (m.messageType !== 'DATA_MESSAGE' || !Array.isArray(m.logEvents)) throw bad(`records[${i}]: a CloudWatch Logs payload of messageType ${m.messageType} without logEvents.`);
  const cw = { owner: m.owner, log_group: m.logGroup, log_stream: m.logStream, subscription_filters: m.subscriptionFilters };
  return m.logEvents.map((e) => {
    const doc: Record<string, unknown> & { message: string } = { message: '' };
    if (typeof e.timestamp === 'number' && Number.isFinite(e.timestamp)) {
      delete (doc as { message?: string }).message; // key order: timestamp, message, ...
      doc.timestamp = new Date(e.timestamp).toISOString();
    }
    doc.message = typeof e.message === 'string' ? e.message : JSON.stringify(e.message ?? '');
    doc.cloudwatch = { ...cw, id: e.id };
    if (attrs) doc.attributes = attrs;
    return { doc, source: m.logGroup, host: m.logStream };
  });
}

export function decodeFirehose(body: Buffer, req: IngestRequest, maxBytes: number): Decoded {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw bad(`The body is not JSON (${(e as Error).message}).`);
  }
  const records = (v as { records?: unknown })?.records;
  if (!Array.isArray(records)) throw bad('The body has no "records" array.');
  const attrs = commonAttributes(req.headers['x-amz-firehose-common-attributes']);
  const events: ProtocolEvent[] = [];
  let budget = maxBytes;
  records.forEach((r: unknown, i) => {
    const data = (r as { data?: unknown })?.data;
    if (typeof data !== 'string' || data.length % 4 !== 0 || !BASE64.test(data)) throw bad(`records[${i}].data is not valid base64.`);
    let bytes: Buffer = Buffer.from(data, 'base64');
    if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
      try {
        bytes = gunzipSync(bytes, { maxOutputLength: Math.max(1, budget) });
      } catch (e) {
        throw bad(`records[${i}].data is gzip that does not inflate within the body limit (${(e as Error).message}).`);
      }
    }
    budget -= bytes.length;
    if (budget < 0) throw new IngestError(413, 'body_too_large', `The decoded records are over the body limit of ${maxBytes} bytes. Lower the stream's buffer size.`);
    const text = bytes.toString('utf8');
    const cwl = asCwl(text);
    if (cwl) {
      events.push(...cwlEvents(cwl, attrs, i));
      return;
    }
    const line = text.replace(/\r?\n$/, '');
    if (line.trim() === '') return;
    events.push(attrs ? { doc: { message: line, attributes: attrs }, source: attrs['source'], host: attrs['host'] } : { raw: line });
  });
  return { events, rejected: 0 };
}

function answer(req: IngestRequest, status: number, errorMessage?: string, headers: Record<string, string> = {}): LambdaHttpResult {
  const requestId = req.headers['x-amz-firehose-request-id'] ?? requestIdOf(req) ?? req.requestId;
  return toResponse(req.shape, status, { requestId, timestamp: Date.now(), ...(errorMessage !== undefined ? { errorMessage } : {}) }, headers);
}

function requestIdOf(req: IngestRequest): string | undefined {
  const m = /"requestId"\s*:\s*"([^"]{1,128})"/.exec(req.body.subarray(0, 256).toString('latin1'));
  return m?.[1];
}

/** The token: X-Amz-Firehose-Access-Key only (the "access key" of the stream's HTTP endpoint destination). */
export function firehoseToken(req: IngestRequest): string {
  const k = req.headers['x-amz-firehose-access-key']?.trim();
  if (!k) throw IngestError.missingToken();
  if (!/^[\x21-\x7e]{1,1024}$/.test(k)) throw IngestError.invalidToken('malformed');
  return k;
}

export function firehoseMatcher(path: string): ProtocolRoute | undefined {
  const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (p !== '/v1/firehose') return undefined;
  return {
    protocol: 'firehose',
    token: (r) => {
      if (r.method !== 'POST') throw new IngestError(405, 'method_not_allowed', `${r.method} is not allowed on ${r.path}; use POST.`, { headers: { allow: 'POST' } });
      return firehoseToken(r);
    },
    decode: (body, r, _at, limits) => decodeFirehose(body, r, limits.maxBodyBytes),
    answer: (r) => answer(r, 200),
    fail: (r, err) => answer(r, err.status, err.message, { ...err.headers }),
  };
}
