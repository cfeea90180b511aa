/**
 * Per-tenant template miners for the stages, cached per Lambda instance and persisted in a
 * `TemplateStateStore` (S3 in production: see shared/adapters/template-store.ts).
 *
 *  - Loaded lazily: the first batch with a tenant loads its state (one GET); later batches use the
 *    cached miner, revalidated at most every `refreshMs` (a conditional GET, usually a 304), and
 *    merged with what other instances stored meanwhile.
 *  - Written back at the end of a batch, conditionally on the version loaded, when the batch changed
 *    the templates (a new id, or a template generalised or merged); count-only changes (which only
 *    steer eviction) are written at most every `flushCountsMs`. On a conflict (another instance
 *    wrote first) the two states are merged (`mergeStates`: by id, so ids stay stable; the stored
 *    state wins nothing it should not) and written again. Last writer wins beyond that, which is
 *    acceptable: ids derive from the templates, not from who wrote.
 *  - Bounded: `maxClusters` per tenant (the miner's own bound, kept through merges) and
 *    `maxTenants` miners cached per instance (least recently used dropped after being written).
 *  - Never fails a batch: a load that fails starts an empty miner (the same template still gets the
 *    same id) whose first write merges with the stored state; a write that fails is retried with the
 *    next batch. Both are logged through `warn`.
 */
import { createMiner, type Miner, type MinerOptions, type MinerState } from '../templates/miner.ts';
import { DEFAULT_MAX_CLUSTERS, mergeStates } from '../templates/merge.ts';
import type { TemplateStateStore } from '../templates/ports.ts';
import type { TemplateMiners } from './ports.ts';

export interface TenantMinersOptions {
  /** Templates kept per tenant. Default 2000. */
  maxClusters?: number;
  /** Miners cached per instance. Default 500. */
  maxTenants?: number;
  /** How long a cached miner is used before its stored state is checked again. Default 60 s. */
  refreshMs?: number;
  /** Count-only changes are written at most this often. Default 60 s. */
  flushCountsMs?: number;
  /** Conflicting writes in a row before giving up until the next batch. Default 5. */
  maxAttempts?: number;
  now?: () => number;
  warn?: (msg: string, extra: Record<string, unknown>) => void;
}

interface Entry {
  miner: Miner;
  /** Version of the stored state this miner includes; undefined: none stored (or unknown after a failed load). */
  etag: string | undefined;
  /** id -> template as stored (a different template for an id is a change worth writing). */
  known: Map<string, string>;
  /** Templates changed since the last write. */
  dirty: boolean;
  /** Counts changed since the last write. */
  counted: boolean;
  checkedAt: number;
  writtenAt: number;
}

function knownOf(state: MinerState | undefined): Map<string, string> {
  const m = new Map<string, string>();
  if (state) for (const [id, template] of state.clusters) m.set(id, template);
  return m;
}

export class TenantMiners implements TemplateMiners {
  private readonly entries = new Map<string, Entry>();
  private readonly minerOptions: MinerOptions;
  private readonly maxClusters: number;
  private readonly maxTenants: number;
  private readonly refreshMs: number;
  private readonly flushCountsMs: number;
  private readonly maxAttempts: number;
  private readonly now: () => number;
  private readonly warn: (msg: string, extra: Record<string, unknown>) => void;
  /** Writes that found another writer first (for tests and metrics). */
  conflicts = 0;
  /** Successful writes. */
  writes = 0;

  constructor(
    private readonly store: TemplateStateStore,
    o: TenantMinersOptions = {},
  ) {
    this.maxClusters = o.maxClusters ?? DEFAULT_MAX_CLUSTERS;
    this.minerOptions = { maxClusters: this.maxClusters };
    this.maxTenants = Math.max(1, o.maxTenants ?? 500);
    this.refreshMs = o.refreshMs ?? 60_000;
    this.flushCountsMs = o.flushCountsMs ?? 60_000;
    this.maxAttempts = Math.max(1, o.maxAttempts ?? 5);
    this.now = o.now ?? Date.now;
    this.warn = o.warn ?? (() => undefined);
  }

  async prepare(tenants: Iterable<string>): Promise<void> {
    const now = this.now();
    const work: Promise<void>[] = [];
    for (const tenant of tenants) {
      const e = this.entries.get(tenant);
      if (!e) work.push(this.load(tenant));
      else {
        // Most recently used last.
        this.entries.delete(tenant);
        this.entries.set(tenant, e);
        if (now - e.checkedAt >= this.refreshMs) work.push(this.refresh(tenant, e));
      }
    }
    if (work.length > 0) await Promise.all(work);
  }

  add(tenant: string, message: string): string {
    const e = this.entries.get(tenant) ?? this.fresh(tenant, undefined, undefined);
    const r = e.miner.add(message);
    e.counted = true;
    if (e.known.get(r.templateId) !== r.template) {
      e.known.set(r.templateId, r.template);
      e.dirty = true;
    }
    return r.templateId;
  }

  matchOrAdd(tenant: string, message: string): string {
    const e = this.entries.get(tenant);
    const m = e?.miner.match(message);
    return m ? m.templateId : this.add(tenant, message);
  }

  async persist(deadline: number): Promise<void> {
    const now = this.now();
    const todo: Array<[string, Entry]> = [];
    for (const [tenant, e] of this.entries) {
      if (e.dirty || (e.counted && now - e.writtenAt >= this.flushCountsMs)) todo.push([tenant, e]);
    }
    if (todo.length > 0) {
      const all = Promise.all(todo.map(([tenant, e]) => this.write(tenant, e)));
      const left = deadline - now;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, left))));
      await Promise.race([all, timeout]);
      clearTimeout(timer);
    }
    // Bound the cache: drop the least recently used miners that have nothing unwritten.
    if (this.entries.size > this.maxTenants) {
      for (const [tenant, e] of this.entries) {
        if (this.entries.size <= this.maxTenants) break;
        if (!e.dirty) this.entries.delete(tenant);
      }
    }
  }

  /** The tenant's current miner (after `prepare`), for tests and the CLI. */
  minerOf(tenant: string): Miner | undefined {
    return this.entries.get(tenant)?.miner;
  }

  /** Cached tenants. */
  get size(): number {
    return this.entries.size;
  }

  private fresh(tenant: string, state: MinerState | undefined, etag: string | undefined): Entry {
    let miner: Miner;
    try {
      miner = createMiner(this.minerOptions, state);
    } catch (err) {
      this.warn('stored template state unreadable: starting afresh', { tenant, error: (err as Error).message });
      miner = createMiner(this.minerOptions);
      state = undefined;
    }
    const now = this.now();
    const e: Entry = { miner, etag, known: knownOf(state), dirty: false, counted: false, checkedAt: now, writtenAt: now };
    this.entries.set(tenant, e);
    return e;
  }

  private async load(tenant: string): Promise<void> {
    try {
      const got = await this.store.get(tenant);
      const stored = got === 'unchanged' ? undefined : got;
      this.fresh(tenant, stored?.state, stored?.etag);
    } catch (err) {
      this.warn('template state not loaded: mining afresh, merging on write', { tenant, error: (err as Error).message });
      this.fresh(tenant, undefined, undefined);
    }
  }

  private async refresh(tenant: string, e: Entry): Promise<void> {
    try {
      const got = e.etag === undefined ? await this.store.get(tenant) : await this.store.get(tenant, e.etag);
      e.checkedAt = this.now();
      if (got === 'unchanged' || got === undefined) return;
      this.adopt(e, got.state, got.etag);
    } catch (err) {
      this.warn('template state not refreshed', { tenant, error: (err as Error).message });
    }
  }

  /** Replaces the entry's miner with the merge of `stored` and its own state. */
  private adopt(e: Entry, stored: MinerState, etag: string): void {
    const merged = mergeStates(stored, e.miner.snapshot(), this.maxClusters);
    try {
      e.miner = createMiner(this.minerOptions, merged);
    } catch (err) {
      // An unreadable stored state: keep ours, and overwrite it on the next write.
      this.warn('stored template state unreadable: keeping the cached one', { error: (err as Error).message });
    }
    e.etag = etag;
    e.known = knownOf(stored);
    for (const [id, template] of merged.clusters) if (e.known.get(id) !== template) e.dirty = true;
  }

  private async write(tenant: string, e: Entry): Promise<void> {
    try {
      for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
        const state = e.miner.snapshot();
        const etag = await this.store.put(tenant, state, e.etag);
        if (etag !== undefined) {
          e.etag = etag;
          e.known = knownOf(state);
          e.dirty = false;
          e.counted = false;
          e.writtenAt = e.checkedAt = this.now();
          this.writes++;
          return;
        }
        this.conflicts++;
        const got = await this.store.get(tenant);
        if (got === undefined || got === 'unchanged') {
          e.etag = undefined;
          continue;
        }
        this.adopt(e, got.state, got.etag);
        e.dirty = true;
      }
      this.warn('template state not written: too many concurrent writers, retrying next batch', { tenant });
    } catch (err) {
      this.warn('template state not written, retrying next batch', { tenant, error: (err as Error).message });
    }
  }
}
