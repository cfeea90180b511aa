/**
 * A Kafka value -> a validated RawEnvelope, or the reason it is not one (which sends the record to
 * the DLQ with that reason). Pure. Checks what the later steps rely on: the version, a valid tenant
 * id (it names indices and routing), an id usable as an OpenSearch `_id` (at most 512 bytes), a
 * parseable receive time and the right types; everything else is left to the classifier.
 */
import { ENVELOPE_VERSION, type RawEnvelope } from './types.ts';
import { isTenantId } from '../tenants/ids.ts';
import { isRegionName } from '../tenants/home.ts';

export type DecodeResult = { ok: true; envelope: RawEnvelope } | { ok: false; error: string; tenant?: string; receivedAt?: string };

const MAX_ID_BYTES = 512;

/**
 * Tenant ids and receive times already validated (a batch repeats a few of each: every event of one
 * ingest request has the same receive time), each mapped to one copy of its text. The envelope is
 * given that copy, so the batch's later steps read one string already in cache instead of one per
 * event, and the duplicates die young instead of being promoted with the batch. Bounded caches.
 */
const validTenants = new Map<string, string>();
const validTimes = new Map<string, string>();
const CACHE_MAX = 4096;

/** The tenant id's shared copy, or undefined when it is not a valid id. */
function tenantOf(t: unknown): string | undefined {
  if (typeof t !== 'string') return undefined;
  const known = validTenants.get(t);
  if (known !== undefined) return known;
  if (!isTenantId(t)) return undefined;
  if (validTenants.size >= CACHE_MAX) validTenants.clear();
  validTenants.set(t, t);
  return t;
}

/** The receive time's shared copy, or undefined when it does not parse. */
function timeOf(t: unknown): string | undefined {
  if (typeof t !== 'string') return undefined;
  const known = validTimes.get(t);
  if (known !== undefined) return known;
  if (Number.isNaN(Date.parse(t))) return undefined;
  if (validTimes.size >= CACHE_MAX) validTimes.clear();
  validTimes.set(t, t);
  return t;
}

function failure(error: string, tenant: string | undefined, receivedAt: string | undefined): DecodeResult {
  const r: { ok: false; error: string; tenant?: string; receivedAt?: string } = { ok: false, error };
  if (tenant) r.tenant = tenant;
  if (receivedAt) r.receivedAt = receivedAt;
  return r;
}

function allStrings(a: unknown[]): boolean {
  for (let i = 0; i < a.length; i++) if (typeof a[i] !== 'string') return false;
  return true;
}

/**
 * `defaultRegion`: the region given to an envelope that has none (written before regions; see
 * RawEnvelope.region); the stage passes its own SLUICE_REGION. Without it such an envelope stays
 * without a region.
 */
export function decodeEnvelopeText(text: string, defaultRegion?: string): DecodeResult {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `invalid JSON: ${(err as Error).message}` };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'envelope is not a JSON object' };
  const e = v as Record<string, unknown>;
  const tenant = tenantOf(e.tenant);
  const receivedAt = timeOf(e.receivedAt);
  if (e.v !== ENVELOPE_VERSION) return failure(`unknown envelope version ${JSON.stringify(e.v)} (this consumer knows ${ENVELOPE_VERSION})`, tenant, receivedAt);
  if (!tenant) return failure(`invalid tenant id ${JSON.stringify(String(e.tenant).slice(0, 60))}`, tenant, receivedAt);
  const id = e.id;
  // A UTF-8 character takes at most 3 bytes per UTF-16 unit: short ids need no byte count.
  if (typeof id !== 'string' || id === '' || (id.length * 3 > MAX_ID_BYTES && Buffer.byteLength(id) > MAX_ID_BYTES)) return failure('missing or invalid event id', tenant, receivedAt);
  if (!receivedAt) return failure('missing or invalid receivedAt', tenant, receivedAt);
  e.tenant = tenant;
  e.receivedAt = receivedAt;
  if (typeof e.raw !== 'string') return failure('raw is not a string', tenant, receivedAt);
  if (!Array.isArray(e.tags) || !allStrings(e.tags)) return failure('tags is not a list of strings', tenant, receivedAt);
  if (e.source !== undefined && typeof e.source !== 'string') return failure('source is not a string', tenant, receivedAt);
  if (e.host !== undefined && typeof e.host !== 'string') return failure('host is not a string', tenant, receivedAt);
  if (typeof e.truncated !== 'boolean') return failure('truncated is not a boolean', tenant, receivedAt);
  if (typeof e.originalBytes !== 'number') return failure('originalBytes is not a number', tenant, receivedAt);
  if (typeof e.requestId !== 'string') return failure('requestId is not a string', tenant, receivedAt);
  if (e.region === undefined) {
    if (defaultRegion !== undefined) e.region = defaultRegion;
  } else if (!isRegionName(e.region)) return failure(`invalid region ${JSON.stringify(String(e.region).slice(0, 40))}`, tenant, receivedAt);
  return { ok: true, envelope: e as unknown as RawEnvelope };
}
