/**
 * A Kafka value -> a validated RawEnvelope, or the reason it is not one (which sends the record to
 * the DLQ with that reason). Pure. Checks what the later steps rely on: the version, a valid tenant
 * id (it names indices and routing), an id usable as an OpenSearch `_id` (at most 512 bytes), a
 * parseable receive time and the right types; everything else is left to the classifier.
 */
import { ENVELOPE_VERSION, type RawEnvelope } from '../envelope.ts';
import { isTenantId } from '../tenants/ids.ts';

export type DecodeResult = { ok: true; envelope: RawEnvelope } | { ok: false; error: string; tenant?: string; receivedAt?: string };

const MAX_ID_BYTES = 512;

export function decodeEnvelope(value: Buffer): DecodeResult {
  let v: unknown;
  try {
    v = JSON.parse(value.toString('utf8'));
  } catch (err) {
    return { ok: false, error: `invalid JSON: ${(err as Error).message}` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'envelope is not a JSON object' };
  const e = v as Record<string, unknown>;
  const tenant = isTenantId(e.tenant) ? e.tenant : undefined;
  const receivedAt = typeof e.receivedAt === 'string' && !Number.isNaN(Date.parse(e.receivedAt)) ? e.receivedAt : undefined;
  const fail = (error: string): DecodeResult => ({
    ok: false,
    error,
    ...(tenant ? { tenant } : {}),
    ...(receivedAt ? { receivedAt } : {}),
  });
  if (e.v !== ENVELOPE_VERSION) return fail(`unknown envelope version ${JSON.stringify(e.v)} (this consumer knows ${ENVELOPE_VERSION})`);
  if (!tenant) return fail(`invalid tenant id ${JSON.stringify(String(e.tenant).slice(0, 60))}`);
  if (typeof e.id !== 'string' || e.id === '' || Buffer.byteLength(e.id) > MAX_ID_BYTES) return fail('missing or invalid event id');
  if (!receivedAt) return fail('missing or invalid receivedAt');
  if (typeof e.raw !== 'string') return fail('raw is not a string');
  if (!Array.isArray(e.tags) || !e.tags.every((t) => typeof t === 'string')) return fail('tags is not a list of strings');
  if (e.source !== undefined && typeof e.source !== 'string') return fail('source is not a string');
  if (e.host !== undefined && typeof e.host !== 'string') return fail('host is not a string');
  if (typeof e.truncated !== 'boolean') return fail('truncated is not a boolean');
  if (typeof e.originalBytes !== 'number') return fail('originalBytes is not a number');
  if (typeof e.requestId !== 'string') return fail('requestId is not a string');
  return { ok: true, envelope: e as unknown as RawEnvelope };
}
