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
import type { RawEnvelope } from '../../envelope/types.ts';
import { envelopeValue, metadataPart, requestParts } from '../../envelope/encode.ts';
import { envelopeValueOf, literalParts, type LiteralParts } from '../../envelope/literal.ts';
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
  /** The raw already in its envelope form (shared/envelope/literal.ts), `bytes` its size: copied into the value as is. */
  lit?: Buffer;
  bytes?: number;
  source?: string | undefined;
  host?: string | undefined;
  tags?: string[] | undefined;
}

/**
 * A document event written as its envelope literal (OTLP records), `chunk[start, end)` of its
 * writer's chunk (no view per event: `lit` makes one when asked); `raw` decodes it back (tests, and
 * the cut of an event over the limit).
 */
export class LiteralEvent implements ProtocolEvent {
  readonly json = true;
  constructor(
    readonly chunk: Buffer,
    readonly start: number,
    readonly end: number,
    readonly bytes: number,
    readonly source: string | undefined,
    readonly host: string | undefined,
  ) {}

  get lit(): Buffer {
    return this.chunk.subarray(this.start, this.end);
  }

  get raw(): string {
    return JSON.parse(`"${this.lit.toString('utf8')}"`) as string;
  }
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
  /** The request's Idempotency-Key, if it had one (the ids are then derived from it). */
  idempotencyKey: string | undefined;
  /** What the request costs against the tenant's ceiling, as native ingest counts it: what serve.ts admits before delivery. */
  cost: { events: number; bytes: number };
  /** The id of event `index` (what the ES answer reports), without building its record. */
  id(index: number): string;
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

/** What events with the same source, host and tags share: the envelope's text from after the id to the raw. */
interface Meta {
  source: string | undefined;
  host: string | undefined;
  tags: readonly string[];
  /** `","receivedAt":...,"tags":[...],"raw":` */
  mid: string;
  /** The same parts as bytes, for literal events (made when first needed). */
  lit?: LiteralParts;
}

/** A protocol event's Kafka record: ingest reads only key and value; the envelope is decoded from the value when asked for. */
class ProtocolRecord implements IngestRecord {
  constructor(
    readonly key: string,
    readonly value: Buffer,
  ) {}

  get envelope(): RawEnvelope {
    return JSON.parse(this.value.toString('utf8')) as RawEnvelope;
  }
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
  const { items, sizes, cuts, metas, truncated, costBytes } = eventColumns(events, md, receivedAt, max, minEventBytes);
  const n = events.length;

  // The Kafka value from parts made once (shared/envelope/): only the raw is escaped per event, or copied when already a literal.
  const parts = requestParts(tenant, req.requestId, ctx.region);
  const record = (i: number): IngestRecord => {
    const item = items[i];
    if (item === undefined) throw new RangeError(`no event ${i}`);
    const meta = metas[i]!;
    const id = ids.id(i);
    const cut = cuts[i] === 1;
    const value =
      typeof item === 'string'
        ? Buffer.from(envelopeValue(parts, id, meta.mid, item, cut, sizes[i]!), 'utf8')
        : item instanceof LiteralEvent
          ? envelopeValueOf((meta.lit ??= literalParts(parts, meta.mid)), id, item.chunk, cut, sizes[i]!, item.start, item.end)
          : envelopeValueOf((meta.lit ??= literalParts(parts, meta.mid)), id, item, cut, sizes[i]!);
    return new ProtocolRecord(keys[(keyOffset + i) % keys.length]!, value);
  };
  return {
    accepted: n,
    truncated,
    bodyBytes,
    idempotencyKey,
    cost: { events: n, bytes: costBytes },
    id: (i) => ids.id(i),
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

/**
 * Per event, in columns (no object per event): the raw (text, or literal bytes), its size, whether it
 * was cut, its metadata; and what the request costs against the tenant's ceiling.
 */
function eventColumns(events: readonly ProtocolEvent[], md: ReturnType<typeof readMetadata>, receivedAt: string, max: number, minEventBytes: number) {
  const n = events.length;
  const items: Array<string | Buffer | LiteralEvent> = new Array<string | Buffer | LiteralEvent>(n);
  const sizes = new Float64Array(n);
  const cuts = new Uint8Array(n);
  const metas: Meta[] = new Array<Meta>(n);
  const baseTags = Object.freeze(md.tags) as string[];
  const tagCache = new Map<string, string[]>();
  const baseMidLength = `","receivedAt":"${receivedAt}","tags":[],"raw":`.length;
  let last: Meta | undefined;
  let truncated = 0;
  let costBytes = 0;
  // Events of one request mostly share their source and host (an ES index, an OTLP resource): clean each distinct one once.
  let rawSource: string | undefined;
  let rawHost: string | undefined;
  let source: string | undefined = md.source;
  let host: string | undefined = md.host;
  for (let i = 0; i < n; i++) {
    const ev = events[i]!;
    if (ev.source !== rawSource) {
      rawSource = ev.source;
      source = ev.source === undefined ? md.source : (cleanValue(ev.source, METADATA_LIMITS.sourceChars) ?? md.source);
    }
    if (ev.host !== rawHost) {
      rawHost = ev.host;
      host = ev.host === undefined ? md.host : (cleanValue(ev.host.toLowerCase(), METADATA_LIMITS.hostChars) ?? md.host);
    }
    const tags = ev.tags === undefined || ev.tags.length === 0 ? baseTags : mergedTags(tagCache, baseTags, ev.tags);
    if (last === undefined || source !== last.source || host !== last.host || tags !== last.tags) last = { source, host, tags, mid: metadataPart(receivedAt, source, host, tags) };
    metas[i] = last;
    let bytes: number;
    if (ev instanceof LiteralEvent && ev.bytes <= max && ev.end - ev.start <= 2 * max) {
      // The common case for literal events: within the limits, copied into the value as is (from its chunk).
      items[i] = ev;
      bytes = ev.bytes;
    } else if (ev.lit !== undefined && ev.bytes! <= max && ev.lit.length <= 2 * max) {
      items[i] = ev.lit;
      bytes = ev.bytes!;
    } else {
      const fitted = fitEvent(ev, max);
      bytes = fitted.bytes;
      items[i] = fitted.raw;
      if (fitted.cut) {
        cuts[i] = 1;
        truncated++;
      }
    }
    sizes[i] = bytes;
    // As parse.ts charges the tenant's ceiling: the event (at least minEventBytes) plus its metadata.
    costBytes += (bytes < minEventBytes ? minEventBytes : bytes) + last.mid.length - baseMidLength;
  }
  return { items, sizes, cuts, metas, truncated, costBytes };
}

/** An event's raw text within the event limit (and its JSON literal within twice that), its size as received, and whether it was cut. */
function fitEvent(ev: ProtocolEvent, max: number): { raw: string; bytes: number; cut: boolean } {
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
  return { raw, bytes, cut };
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
