/**
 * What every protocol decoder produces, and how it becomes Kafka records: the same envelope as the
 * native path (shared/envelope/), the same ids and partition keys (ids.ts), the same per-event limit
 * (cut and flagged `truncated`), the same request metadata (X-Log-Source/-Host/-Tags) as defaults.
 *
 * A protocol event is either a `doc` (an object that becomes the raw's JSON text; when it is over the
 * event limit its `message` is shortened first, so time, level and fields survive) or a `raw` text
 * (cut like a native line). `source`/`host`/`tags` come from the protocol (OTLP's service.name, an ES
 * index, a Loki stream's labels...) and win over the request's headers.
 */
import { ENVELOPE_VERSION, type RawEnvelope } from '../../envelope/types.ts';
import { envelopeValue, metadataPart, requestParts } from '../../envelope/encode.ts';
import { IngestError } from '../errors.ts';
import type { IngestRequest } from '../http.ts';
import { idempotentIds, MAX_EVENTS_PER_REQUEST, partitionKeys, timeIds } from '../ids.ts';
import { cleanValue, METADATA_LIMITS, parseTags, readMetadata } from '../metadata.ts';
import { readIdempotencyKey, type IngestLimits, type IngestRecord } from '../parse.ts';
import { fitJsonLiteral, truncateUtf8 } from '../split.ts';

export type EventDoc = Record<string, unknown> & { message?: string };

export interface ProtocolEvent {
  /** The event as an object: its JSON text is the raw. */
  doc?: EventDoc;
  /** The raw text; with `json`, it is the JSON text of a document (cut inside its message when too long, so it stays JSON). */
  raw?: string;
  json?: boolean;
  source?: string | undefined;
  host?: string | undefined;
  tags?: string[] | undefined;
}

export interface ProtocolContext {
  tenant: string;
  receivedAt: Date;
  limits: IngestLimits;
  spread?: number;
  /** This stack's region (SLUICE_REGION), stamped on every envelope (shared/envelope/types.ts). */
  region?: string;
}

/** The accepted events of one request, as Kafka records built batch by batch (memory stays bounded). */
export interface ProtocolResult {
  accepted: number;
  truncated: number;
  bodyBytes: number;
  /** What the request costs against the tenant's ceiling (as native ingest counts it). */
  cost: { events: number; bytes: number };
  record(index: number): IngestRecord;
  batches(maxRecords?: number, maxBytes?: number): Generator<IngestRecord[], void, undefined>;
}

/** `doc` as JSON text of at most `max` bytes: the message is cut first; the text itself as a last resort. */
export function fitDoc(doc: EventDoc, max: number): { raw: string; bytes: number; cut: boolean } {
  const raw = JSON.stringify(doc);
  const bytes = Buffer.byteLength(raw);
  if (bytes <= max) return { raw, bytes, cut: false };
  const message = doc.message;
  if (typeof message === 'string') {
    const msgBytes = Buffer.byteLength(JSON.stringify(message));
    const room = max - (bytes - msgBytes) - 2;
    if (room > 0) {
      // JSON escaping may grow the message: cut by its literal size, then by bytes.
      const cutMsg = fitJsonLiteral(truncateUtf8(message, room), room + 2);
      const again = JSON.stringify({ ...doc, message: cutMsg });
      if (Buffer.byteLength(again) <= max) return { raw: again, bytes, cut: true };
    }
  }
  return { raw: truncateUtf8(raw, max), bytes, cut: true };
}

interface Compact {
  raw: string;
  bytes: number;
  cut: boolean;
  source: string | undefined;
  host: string | undefined;
  tags: readonly string[];
  /** The envelope's text from after the id to the raw: `","receivedAt":...,"tags":[...],"raw":` (shared by events alike). */
  mid: string;
}

/** Builds the records of `events` for the request `req` (its metadata headers are the defaults). */
export function buildResult(req: IngestRequest, events: readonly ProtocolEvent[], ctx: ProtocolContext, bodyBytes: number): ProtocolResult {
  const maxEvents = Math.min(ctx.limits.maxEventsPerRequest ?? MAX_EVENTS_PER_REQUEST, MAX_EVENTS_PER_REQUEST);
  if (events.length > maxEvents) throw IngestError.tooManyEvents(maxEvents);
  const minEventBytes = ctx.limits.minEventBytes ?? 0;
  const tenant = ctx.tenant;
  const max = ctx.limits.maxEventBytes;
  const md = readMetadata(req);
  const idempotencyKey = readIdempotencyKey(req.headers);
  const ids = idempotencyKey === undefined ? timeIds(ctx.receivedAt) : idempotentIds(tenant, idempotencyKey);
  const keys = partitionKeys(tenant, ctx.spread ?? 1);
  const keyOffset = ids.spreadOffset % keys.length;
  const receivedAt = ctx.receivedAt.toISOString();
  const baseTags = Object.freeze(md.tags) as string[];
  const tagCache = new Map<string, string[]>();
  let lastSource: string | undefined;
  let lastHost: string | undefined;
  let lastTags: readonly string[] | undefined;
  let lastMid = '';
  let costBytes = 0;
  const baseMidLength = `","receivedAt":"${receivedAt}","tags":[],"raw":`.length;

  let truncated = 0;
  const compact: Compact[] = new Array<Compact>(events.length);
  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!;
    let raw: string;
    let bytes: number;
    let cut: boolean;
    if (ev.raw === undefined && ev.doc !== undefined) ({ raw, bytes, cut } = fitDoc(ev.doc, max));
    else {
      const text = ev.raw ?? '';
      bytes = Buffer.byteLength(text);
      cut = bytes > max;
      // Over the limit: a doc-backed raw is cut inside its message (it stays JSON), plain text on a character boundary.
      raw = !cut ? text : ev.json === true ? fitDoc(JSON.parse(text) as EventDoc, max).raw : truncateUtf8(text, max);
    }
    const fitted = fitJsonLiteral(raw, 2 * max + 2);
    if (fitted !== raw) {
      raw = fitted;
      cut = true;
    }
    if (cut) truncated++;
    const source = ev.source === undefined ? md.source : (cleanValue(ev.source, METADATA_LIMITS.sourceChars) ?? md.source);
    const host = ev.host === undefined ? md.host : (cleanValue(ev.host.toLowerCase(), METADATA_LIMITS.hostChars) ?? md.host);
    const tags = ev.tags === undefined || ev.tags.length === 0 ? baseTags : mergedTags(tagCache, baseTags, ev.tags);
    const mid = midOf(source, host, tags);
    compact[i] = { raw, bytes, cut, source, host, tags, mid };
    // As parse.ts charges the tenant's ceiling: the event (at least minEventBytes) plus its metadata.
    costBytes += (bytes < minEventBytes ? minEventBytes : bytes) + mid.length - baseMidLength;
  }

  // The Kafka value from parts made once (shared/envelope/encode.ts): only the raw is escaped per event.
  function midOf(source: string | undefined, host: string | undefined, tags: readonly string[]): string {
    if (source === lastSource && host === lastHost && tags === lastTags) return lastMid;
    lastSource = source;
    lastHost = host;
    lastTags = tags;
    lastMid = metadataPart(receivedAt, source, host, tags);
    return lastMid;
  }

  const parts = requestParts(tenant, req.requestId, ctx.region);
  const record = (i: number): IngestRecord => {
    const c = compact[i];
    if (c === undefined) throw new RangeError(`no event ${i}`);
    const id = ids.id(i);
    const envelope: RawEnvelope = (ctx.region === undefined ? { v: ENVELOPE_VERSION, tenant, id, receivedAt } : { v: ENVELOPE_VERSION, tenant, region: ctx.region, id, receivedAt }) as RawEnvelope;
    if (c.source !== undefined) envelope.source = c.source;
    if (c.host !== undefined) envelope.host = c.host;
    envelope.tags = c.tags as string[];
    envelope.raw = c.raw;
    envelope.truncated = c.cut;
    envelope.originalBytes = c.bytes;
    envelope.requestId = req.requestId;
    const value = envelopeValue(parts, id, c.mid, c.raw, c.cut, c.bytes);
    return { key: keys[(keyOffset + i) % keys.length]!, envelope, value: Buffer.from(value, 'utf8') };
  };
  const n = compact.length;
  return {
    accepted: n,
    truncated,
    bodyBytes,
    cost: { events: n, bytes: costBytes },
    record,
    *batches(maxRecords = 10_000, maxBytes = Infinity) {
      let batch: IngestRecord[] = [];
      let size = 0;
      for (let i = 0; i < n; i++) {
        const r = record(i);
        if (batch.length > 0 && (batch.length >= maxRecords || size + r.value.length > maxBytes)) {
          yield batch;
          batch = [];
          size = 0;
        }
        batch.push(r);
        size += r.value.length;
      }
      if (batch.length > 0) yield batch;
    },
  };
}

function mergedTags(cache: Map<string, string[]>, base: readonly string[], extra: readonly string[]): string[] {
  const k = extra.join('\u0000');
  let t = cache.get(k);
  if (t === undefined) {
    t = Object.freeze(parseTags(base.join(','), extra.map((x) => x.replace(/,/g, '_')).join(','))) as string[];
    cache.set(k, t);
  }
  return t;
}
