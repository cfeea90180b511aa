/**
 * Deterministic sampling for staging deployments: an event is in the sample when a stable hash of its
 * id falls below the fraction. The same id is in or out on every run, every instance and every stage
 * that uses the same fraction (so a replay, a retry or a second staging deployment sees the same
 * events), and the ids (UUIDv7, or derived from an Idempotency-Key) spread evenly over the hash. Pure.
 */

/** FNV-1a, 32 bits, over the UTF-16 code units of `s` (ids are ASCII). */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // A final avalanche (murmur3's fmix32): the ids share long prefixes, and FNV's low bits mix weakly.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** True when the event with this id (or, for a record that is not an envelope, this key) is in the sample. */
export function inSample(id: string, fraction: number): boolean {
  if (fraction >= 1) return true;
  if (fraction <= 0) return false;
  return fnv1a32(id) / 0x1_0000_0000 < fraction;
}
