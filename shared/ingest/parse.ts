/**
 * parseIngest: IngestRequest -> Kafka records. Pure: no I/O, no AWS or Kafka imports.
 *
 * The tenant comes only from `ctx.tenant` (resolved from the token by the handler). Nothing in the
 * body, headers, tags or path can set or change it; a "tenant" field inside a JSON event stays in raw.
 */
import { ENVELOPE_VERSION, type RawEnvelope } from '../envelope/types.ts';
import { envelopeValue, metadataPart, requestParts } from '../envelope/encode.ts';
import { IngestError } from './errors.ts';
import type { IngestRequest } from './http.ts';
import { decodeBody } from './decode.ts';
import { readMetadata } from './metadata.ts';
import { idempotentIds, MAX_EVENTS_PER_REQUEST, partitionKeys, timeIds, type EventIdSource } from './ids.ts';
import { fitJsonLiteral, splitBody, type BodyFormat } from './split.ts';

export interface IngestLimits {
  /** Max body size, on the wire and after Content-Encoding decoding. */
  maxBodyBytes: number;
  /** Max size of one event's raw; longer events are truncated (on a UTF-8 boundary) and flagged. */
  maxEventBytes: number;
  /** Max events in one request: past it, 413 `too_many_events` (the split stops there). */
  maxEventsPerRequest: number;
  /** What an event costs at least in `cost.bytes`, whatever its size: tiny events cannot amplify. */
  minEventBytes: number;
}

export const DEFAULT_LIMITS: Readonly<IngestLimits> = Object.freeze({
  maxBodyBytes: 6 * 1024 * 1024,
  maxEventBytes: 1024 * 1024,
  maxEventsPerRequest: 100_000,
  minEventBytes: 256,
});

export interface IngestContext {
  /** Tenant id from the token lookup. The only source of the tenant. */
  tenant: string;
  receivedAt: Date;
  limits?: Partial<IngestLimits>;
  /** Per-tenant partition spread (1 or absent = key is the tenant id). */
  spread?: number;
  /** The region of this stack (SLUICE_REGION), stamped on every envelope; absent only in tools and old tests. */
  region?: string;
}

export interface IngestRecord {
  /** Kafka key. */
  key: string;
  envelope: RawEnvelope;
  /** Kafka value: exactly `JSON.stringify(envelope)` as UTF-8. */
  value: Buffer;
}

export interface IngestSummary {
  accepted: number;
  truncated: number;
  invalidUtf8: number;
  format: BodyFormat;
  /** Decoded body size in bytes. */
  bodyBytes: number;
  /** The Idempotency-Key used for the ids, if any. */
  idempotencyKey: string | undefined;
  /** What the request costs against the tenant's ceiling: events, and bytes with each event at least `minEventBytes`. */
  cost: { events: number; bytes: number };
}

/**
 * The parsed request. Events are held compactly (raw string + size + flags); the Kafka records are
 * built on demand, so a million tiny events do not need a million envelopes and Buffers at once:
 *  - `records`: every record (built on first access, then cached): simple, fine for ordinary requests;
 *  - `batches(n)`: the same records, n at a time, nothing cached: produce batch by batch and memory
 *    stays bounded whatever the event count.
 * Both give identical keys, ids and values (ids are a pure function of the request and position).
 */
export interface IngestResult extends IngestSummary {
  readonly records: IngestRecord[];
  record(index: number): IngestRecord;
  batches(maxRecords?: number, maxBytes?: number): Generator<IngestRecord[], void, undefined>;
}

const IDEMPOTENCY_KEY_RE = /^[\x20-\x7e]{1,255}$/;

export function readIdempotencyKey(headers: Record<string, string>): string | undefined {
  const raw = headers['idempotency-key'];
  if (raw === undefined) return undefined;
  const k = raw.trim();
  if (k === '') return undefined;
  if (!IDEMPOTENCY_KEY_RE.test(k)) {
    throw new IngestError(
      400,
      'invalid_idempotency_key',
      'Idempotency-Key must be 1 to 255 printable ASCII characters (a UUID is a good choice).',
    );
  }
  return k;
}

function checkLimit(name: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 1 || v > 0x3fffffff) throw new RangeError(`${name} must be an integer in 1..2^30-1, got ${v}`);
  return v;
}

export function parseIngest(req: IngestRequest, ctx: IngestContext): IngestResult {
  const maxBodyBytes = checkLimit('maxBodyBytes', ctx.limits?.maxBodyBytes ?? DEFAULT_LIMITS.maxBodyBytes);
  const maxEventBytes = checkLimit('maxEventBytes', ctx.limits?.maxEventBytes ?? DEFAULT_LIMITS.maxEventBytes);
  const maxEvents = Math.min(MAX_EVENTS_PER_REQUEST, checkLimit('maxEventsPerRequest', ctx.limits?.maxEventsPerRequest ?? DEFAULT_LIMITS.maxEventsPerRequest));
  const minEventBytes = checkLimit('minEventBytes', ctx.limits?.minEventBytes ?? DEFAULT_LIMITS.minEventBytes);
  const tenant = ctx.tenant;
  if (typeof tenant !== 'string' || tenant.length === 0) throw new TypeError('ctx.tenant is required');

  const idempotencyKey = readIdempotencyKey(req.headers);
  const md = readMetadata(req);
  const body = decodeBody(req.body, req.headers['content-encoding'], maxBodyBytes);
  if (isBlank(body)) {
    throw new IngestError(400, 'empty_body', 'The request body is empty. Send log events as NDJSON, a JSON array, or text lines.');
  }

  const ids: EventIdSource = idempotencyKey === undefined ? timeIds(ctx.receivedAt) : idempotentIds(tenant, idempotencyKey);
  const keys = partitionKeys(tenant, ctx.spread ?? 1);
  const nKeys = keys.length;
  const keyOffset = ids.spreadOffset % nKeys;

  const receivedAt = ctx.receivedAt.toISOString();
  const requestId = req.requestId;
  const tags = Object.freeze(md.tags) as string[]; // shared by every envelope of the request
  const source = md.source;
  const host = md.host;

  const parts = requestParts(tenant, requestId, ctx.region);
  const mid = metadataPart(receivedAt, source, host, tags);
  // What the tenant's metadata adds to every envelope (up to ~3 KB with 32 long tags): charged per event.
  const metaBytes = Buffer.byteLength(mid) - metadataPart(receivedAt, undefined, undefined, []).length;
  const { makeEnvelope, slowEnvelope } = envelopeMakers(tenant, ctx.region, receivedAt, source, host, tags, requestId);

  const raws: string[] = [];
  let sizes = new Uint32Array(1024);
  let flags = new Uint8Array(1024); // bit 0 truncated, bit 1 invalid UTF-8
  let truncated = 0;
  let invalidUtf8 = 0;
  let costBytes = 0;

  // The event carried the body as text and nothing re-encoded it: no need to decode the Buffer again.
  const text = body === req.body && req.bodyText !== undefined && wellFormed(req.bodyText) ? req.bodyText : undefined;
  const maxLiteralBytes = 2 * maxEventBytes + 2;
  const format = splitBody(body, { maxEventBytes, maxEvents, contentType: req.headers['content-type'], ...(text !== undefined ? { text } : {}) }, (raw, originalBytes, cut, invalid) => {
    if (raws.length >= maxEvents) throw IngestError.tooManyEvents(maxEvents);
    const k = raws.length;
    if (k === sizes.length) {
      const s2 = new Uint32Array(k * 2);
      s2.set(sizes);
      sizes = s2;
      const f2 = new Uint8Array(k * 2);
      f2.set(flags);
      flags = f2;
    }
    // An event whose JSON literal would outgrow twice the event limit (control characters escape to 6
    // bytes each) is cut further, and flagged, so that its envelope stays well inside what a Lambda
    // invocation can carry.
    const fitted = fitJsonLiteral(raw, maxLiteralBytes);
    if (fitted !== raw) {
      raw = fitted;
      cut = true;
    }
    raws.push(raw);
    sizes[k] = originalBytes;
    costBytes += (originalBytes < minEventBytes ? minEventBytes : originalBytes) + metaBytes;
    flags[k] = (cut ? 1 : 0) | (invalid ? 2 : 0);
    if (cut) truncated++;
    if (invalid) invalidUtf8++;
  });

  const record = (i: number): IngestRecord => {
    const raw = raws[i];
    if (raw === undefined) throw new RangeError(`no event ${i}`);
    const f = flags[i]!;
    const cut = (f & 1) !== 0;
    const invalid = (f & 2) !== 0;
    const originalBytes = sizes[i]!;
    const id = ids.id(i);
    const value = Buffer.from(envelopeValue(parts, id, mid, raw, cut, originalBytes, invalid), 'utf8');
    const envelope = invalid ? slowEnvelope(id, raw, cut, originalBytes) : makeEnvelope(id, raw, cut, originalBytes);
    return { key: nKeys === 1 ? keys[0]! : keys[(keyOffset + i) % nKeys]!, envelope, value };
  };

  let all: IngestRecord[] | undefined;
  const n = raws.length;
  return {
    accepted: n,
    truncated,
    invalidUtf8,
    format,
    bodyBytes: body.length,
    idempotencyKey,
    cost: { events: n, bytes: costBytes },
    get records(): IngestRecord[] {
      if (all === undefined) {
        const out: IngestRecord[] = new Array<IngestRecord>(n);
        for (let i = 0; i < n; i++) out[i] = record(i);
        all = out;
      }
      return all;
    },
    record,
    *batches(maxRecords = 10_000, maxBytes = Infinity): Generator<IngestRecord[], void, undefined> {
      let batch: IngestRecord[] = [];
      let bytes = 0;
      for (let i = 0; i < n; i++) {
        const r = all?.[i] ?? record(i);
        if (batch.length > 0 && (batch.length >= maxRecords || bytes + r.value.length > maxBytes)) {
          yield batch;
          batch = [];
          bytes = 0;
        }
        batch.push(r);
        bytes += r.value.length;
      }
      if (batch.length > 0) yield batch;
    },
  };
}

type Make = (id: string, raw: string, truncated: boolean, originalBytes: number) => RawEnvelope;

/** The envelope builders of one request: one object shape per request (no optional keys added or deleted per event). */
function envelopeMakers(tenant: string, region: string | undefined, receivedAt: string, source: string | undefined, host: string | undefined, tags: string[], requestId: string) {
  const v = ENVELOPE_VERSION;
  // Keys in RawEnvelope's order (the value's). Without a region (tools, tests) the envelope has none.
  const makeEnvelope: Make =
    region !== undefined
      ? source !== undefined && host !== undefined
        ? (id, raw, truncated, originalBytes) => ({ v, tenant, region, id, receivedAt, source, host, tags, raw, truncated, originalBytes, requestId })
        : source !== undefined
          ? (id, raw, truncated, originalBytes) => ({ v, tenant, region, id, receivedAt, source, tags, raw, truncated, originalBytes, requestId })
          : host !== undefined
            ? (id, raw, truncated, originalBytes) => ({ v, tenant, region, id, receivedAt, host, tags, raw, truncated, originalBytes, requestId })
            : (id, raw, truncated, originalBytes) => ({ v, tenant, region, id, receivedAt, tags, raw, truncated, originalBytes, requestId })
      : source !== undefined && host !== undefined
        ? (id, raw, truncated, originalBytes) => ({ v, tenant, id, receivedAt, source, host, tags, raw, truncated, originalBytes, requestId })
        : source !== undefined
          ? (id, raw, truncated, originalBytes) => ({ v, tenant, id, receivedAt, source, tags, raw, truncated, originalBytes, requestId })
          : host !== undefined
            ? (id, raw, truncated, originalBytes) => ({ v, tenant, id, receivedAt, host, tags, raw, truncated, originalBytes, requestId })
            : (id, raw, truncated, originalBytes) => ({ v, tenant, id, receivedAt, tags, raw, truncated, originalBytes, requestId });
  const slowEnvelope: Make = (id, raw, truncated, originalBytes) => {
    const e: Partial<RawEnvelope> = region !== undefined ? { v, tenant, region, id, receivedAt } : { v, tenant, id, receivedAt };
    if (source !== undefined) e.source = source;
    if (host !== undefined) e.host = host;
    Object.assign(e, { tags, raw, truncated, originalBytes, invalidUtf8: true, requestId });
    return e as RawEnvelope;
  };
  return { makeEnvelope, slowEnvelope };
}

/** String.prototype.isWellFormed (ES2024, Node 20+): no lone surrogates, so UTF-8 round-trips exactly. */
function wellFormed(s: string): boolean {
  const f = (s as unknown as { isWellFormed?: () => boolean }).isWellFormed;
  return typeof f === 'function' ? f.call(s) : false;
}

function isBlank(b: Buffer): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}
