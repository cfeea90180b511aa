/**
 * RawEnvelope -> its Kafka value, the JSON text of `logs.raw` records. Pure.
 *
 * Ingest writes millions of envelopes a second that differ only in id, raw and sizes, so the value is
 * built by concatenation from parts made once per request (or per metadata change), in RawEnvelope's
 * field order: `head + id + meta + JSON.stringify(raw) + tail + originalBytes + end`. Only the raw is
 * escaped per event. The result equals `JSON.stringify(envelope)` of the same envelope
 * (test/unit/envelope/roundtrip.test.ts holds that, and that ./decode.ts gives the envelope back).
 */
import { ENVELOPE_VERSION, type RawEnvelope } from './types.ts';

/** The parts of a request's envelopes that do not change from event to event. */
export interface RequestParts {
  /** `{"v":1,"tenant":"…"[,"region":"…"],"id":"` */
  head: string;
  /** `,"requestId":"…"}` */
  end: string;
  /** `,"invalidUtf8":true,"requestId":"…"}` */
  endInvalid: string;
}

const TAIL_OK = ',"truncated":false,"originalBytes":';
const TAIL_CUT = ',"truncated":true,"originalBytes":';

/** `region`: the accepting stack's (ingest always gives it); left out only by tools re-encoding a record that had none. */
export function requestParts(tenant: string, requestId: string, region?: string): RequestParts {
  const end = `,"requestId":${JSON.stringify(requestId)}}`;
  const reg = region === undefined ? '' : `,"region":${JSON.stringify(region)}`;
  return { head: `{"v":${ENVELOPE_VERSION},"tenant":${JSON.stringify(tenant)}${reg},"id":"`, end, endInvalid: `,"invalidUtf8":true${end}` };
}

/** `","receivedAt":"…"[,"source":…][,"host":…],"tags":[…],"raw":` — the metadata between id and raw. */
export function metadataPart(receivedAt: string, source: string | undefined, host: string | undefined, tags: readonly string[]): string {
  return (
    `","receivedAt":"${receivedAt}"` +
    (source !== undefined ? `,"source":${JSON.stringify(source)}` : '') +
    (host !== undefined ? `,"host":${JSON.stringify(host)}` : '') +
    `,"tags":${JSON.stringify(tags)},"raw":`
  );
}

/** One event's value from its request's parts. `id` must need no JSON escaping (ingest's ids are UUIDs). */
export function envelopeValue(p: RequestParts, id: string, meta: string, raw: string, truncated: boolean, originalBytes: number, invalidUtf8 = false): string {
  return p.head + id + meta + JSON.stringify(raw) + (truncated ? TAIL_CUT : TAIL_OK) + originalBytes + (invalidUtf8 ? p.endInvalid : p.end);
}

/** The value of a whole envelope (the CLI, tests, replay tools): the same text the parts give. */
export function encodeEnvelope(e: RawEnvelope): string {
  return envelopeValue(requestParts(e.tenant, e.requestId, e.region), e.id, metadataPart(e.receivedAt, e.source, e.host, e.tags), e.raw, e.truncated, e.originalBytes, e.invalidUtf8 === true);
}
