/**
 * Event ids and partition keys.
 *
 * Ids are RFC 9562 UUID strings (lower-case hex, so string order = byte order):
 *
 *  - Without Idempotency-Key: UUIDv7. 48-bit receive time (ms), then a 28-bit event counter (the event's
 *    position in the request) split over rand_a and the top of rand_b, then 46 random bits drawn once per
 *    request. Ids sort by receive time, and within a request by event position; two requests in the same
 *    millisecond differ in the 46 random bits.
 *
 *      tttttttt-tttt-7ccc-Vccc-crrrrrrrrrrr   (t time, c counter, V variant nibble 8..b, r random)
 *
 *  - With Idempotency-Key: UUIDv8 with the same layout, where time + random are replaced by
 *    SHA-256("sluice/idempotency/v1" 0 tenant 0 key): the same (tenant, key, position) always gives
 *    the same id, so a retried POST re-creates the same events; two tenants using the same key get
 *    different ids. These ids sort by position within the request only (no time component).
 */
import { createHash, randomBytes } from 'node:crypto';

/** Max events per request the 28-bit counter can number. */
export const MAX_EVENTS_PER_REQUEST = 1 << 28;

const HEX = '0123456789abcdef';
const HEX3: string[] = [];
for (let i = 0; i < 4096; i++) HEX3.push(HEX[(i >> 8) & 15]! + HEX[(i >> 4) & 15]! + HEX[i & 15]!);
const HEX1: string[] = HEX.split('');

export interface EventIdSource {
  /** The id of the event at `index` (0-based position in the request). */
  id(index: number): string;
  /** Deterministic per-request offset for partition spreading (random without idempotency key). */
  readonly spreadOffset: number;
}

function makeSource(prefix12: string, version: '7' | '8', variantNibble: number, tail11: string, spreadOffset: number): EventIdSource {
  const p = `${prefix12.slice(0, 8)}-${prefix12.slice(8, 12)}-${version}`;
  const v = HEX1[8 | (variantNibble & 3)]!;
  const tail = tail11;
  return {
    spreadOffset,
    id(index: number): string {
      if (index < 0 || index >= MAX_EVENTS_PER_REQUEST || !Number.isInteger(index)) {
        throw new RangeError(`event index ${index} out of range`);
      }
      return `${p}${HEX3[index >>> 16]!}-${v}${HEX3[(index >>> 4) & 0xfff]!}-${HEX1[index & 15]!}${tail}`;
    },
  };
}

/** UUIDv7 ids for one request received at `receivedAt`. */
export function timeIds(receivedAt: Date): EventIdSource {
  const ms = receivedAt.getTime();
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError('receivedAt is not a valid date');
  const ts = ms.toString(16).padStart(12, '0').slice(-12);
  const rnd = randomBytes(8);
  const hex = rnd.toString('hex'); // 16 hex
  return makeSource(ts, '7', rnd[7]!, hex.slice(0, 11), rnd.readUInt32BE(4));
}

/** UUIDv8 ids derived from (tenant, Idempotency-Key, position). */
export function idempotentIds(tenant: string, idempotencyKey: string): EventIdSource {
  const h = createHash('sha256').update('sluice/idempotency/v1').update('\0').update(tenant).update('\0').update(idempotencyKey).digest();
  const hex = h.toString('hex');
  return makeSource(hex.slice(0, 12), '8', h[6]!, hex.slice(12, 23), h.readUInt32BE(12));
}

/**
 * The Kafka key for an event: the tenant id, or with `spread > 1` one of `${tenant}#0`..`${tenant}#${spread-1}`
 * chosen by `eventIndex % spread`, so a high-volume tenant's events spread over several partitions.
 * (parseIngest passes `spreadOffset + position`, so small requests do not all land on `#0`.)
 */
export function partitionKey(tenant: string, spread: number, eventIndex: number): string {
  const s = Math.floor(spread);
  if (!(s > 1)) return tenant;
  return `${tenant}#${((eventIndex % s) + s) % s}`;
}

/** Precomputed keys for one request: `keys[(offset + i) % keys.length]`. */
export function partitionKeys(tenant: string, spread: number): string[] {
  const s = Math.floor(spread);
  if (!(s > 1)) return [tenant];
  const out: string[] = [];
  for (let i = 0; i < s; i++) out.push(partitionKey(tenant, s, i));
  return out;
}
