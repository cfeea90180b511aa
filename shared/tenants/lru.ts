/**
 * A bounded map with a time to live per entry and least-recently-used eviction (a JavaScript Map
 * keeps insertion order: a hit re-inserts the key at the end, the first key is the eldest).
 * `get` returns undefined for a missing or expired entry; `stale` returns an expired one still held.
 */
export class TtlLru<V> {
  private readonly map = new Map<string, { value: V; expires: number }>();

  constructor(
    readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  }

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (e === undefined || e.expires <= this.now()) return undefined;
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  /** The entry even when expired (not refreshed), if it was not evicted and expired less than `maxAgeMs` ago. */
  stale(key: string, maxAgeMs: number): V | undefined {
    const e = this.map.get(key);
    return e !== undefined && this.now() - e.expires < maxAgeMs ? e.value : undefined;
  }

  set(key: string, value: V, ttlMs: number): void {
    this.map.delete(key);
    if (this.map.size >= this.maxEntries) {
      const eldest = this.map.keys().next();
      if (!eldest.done) this.map.delete(eldest.value);
    }
    this.map.set(key, { value, expires: this.now() + ttlMs });
  }

  delete(key: string): void {
    this.map.delete(key);
  }
}
