/**
 * In-memory doubles of the stage's ports, for the unit tests and the bench (never production code):
 *  - `MemLedger`            the budget ledger (the real bucket math, state in a Map);
 *  - `MemSearch`            a search sink that keeps what it is sent; a `verdict` per item decides
 *                           its status; `autoCreate: false` makes it answer 404 for indices never
 *                           ensured (as OpenSearch does with auto-creation off for the log indices);
 *  - `nullSearch`           answers 201 for every item without parsing (the bench's CPU path);
 *  - `MemoryTemplateStore`  the template state store with the same conditional semantics as S3;
 *  - `memoryDeps()`         a StageDeps of these, a fixed clock that `sleep` advances, and the real classifier.
 */
import type { KafkaRecord } from '../../shared/adapters/kafka.ts';
import type { CeilingCounter, Cost } from '../../shared/ingest/ceiling.ts';
import { grant, type BucketState } from '../../shared/budget/bucket.ts';
import type { BudgetLedger, LedgerGrant } from '../../shared/budget/ports.ts';
import { toDocument } from '../../shared/classify/index.ts';
import type { BulkItemResult, IndexTargetSpec, SearchSink, TargetFailure } from '../../shared/index/ports.ts';
import type { StageDeps } from '../../shared/process/ports.ts';
import { TenantMiners } from '../../shared/process/templates.ts';
import type { MinerState } from '../../shared/templates/miner.ts';
import type { TemplateStateStore } from '../../shared/templates/ports.ts';
import { resolvePlan, type Plan } from '../../shared/tenants/plans.ts';

export class MemLedger implements BudgetLedger {
  readonly state = new Map<string, BucketState>();
  async take(tenant: string, plan: Plan, sizes: readonly number[], _k: string, now: () => number): Promise<LedgerGrant> {
    const g = grant(this.state.get(tenant), plan, sizes, now());
    this.state.set(tenant, g.state);
    return { ...g, replayed: false };
  }
}

export interface MemSearchOptions {
  /** The status of each item (by `_id`, and the bulk call's number from 1). Default 201. */
  verdict?: (id: string, call: number) => BulkItemResult;
  /** False: an item for an index never ensured gets 404 `index_not_found_exception`. Default true. */
  autoCreate?: boolean;
  /** Indices `ensureTargets` fails to make, with the reason. */
  failIndex?: (index: string) => string | undefined;
}

export class MemSearch implements SearchSink {
  readonly docs = new Map<string, { index: string; routing?: string; doc: Record<string, unknown> }>();
  /** Indices that exist, each with its aliases. */
  readonly indices = new Map<string, Set<string>>();
  readonly ensureCalls: IndexTargetSpec[][] = [];
  calls = 0;
  private readonly ensured = new Set<string>();
  private readonly o: MemSearchOptions;

  constructor(o: MemSearchOptions | MemSearchOptions['verdict'] = {}) {
    this.o = typeof o === 'function' ? { verdict: o } : o;
  }

  async ensureTargets(targets: readonly IndexTargetSpec[]): Promise<TargetFailure[]> {
    this.ensureCalls.push([...targets]);
    const failures: TargetFailure[] = [];
    for (const t of targets) {
      const k = `${t.index}\u0000${t.tenant}`;
      if (this.ensured.has(k)) continue;
      const why = this.o.failIndex?.(t.index);
      if (why !== undefined) {
        failures.push({ target: t, error: why });
        continue;
      }
      let aliases = this.indices.get(t.index);
      if (!aliases) this.indices.set(t.index, (aliases = new Set()));
      aliases.add(t.tenant);
      this.ensured.add(k);
    }
    return failures;
  }

  forget(indices: readonly string[]): void {
    for (const k of [...this.ensured]) if (indices.includes(k.split('\u0000')[0]!)) this.ensured.delete(k);
  }

  /** Deletes an index and its documents (as retention or an operator would); the ensure cache is NOT told. */
  deleteIndex(index: string): void {
    this.indices.delete(index);
    for (const [id, d] of this.docs) if (d.index === index) this.docs.delete(id);
  }

  async bulk(body: Buffer): Promise<BulkItemResult[]> {
    this.calls++;
    const lines = body.toString('utf8').split('\n');
    const out: BulkItemResult[] = [];
    for (let i = 0; i + 1 < lines.length; i += 2) {
      const a = JSON.parse(lines[i]!).index;
      if (this.o.autoCreate === false && !this.indices.has(a._index) && String(a._index).includes('-logs-')) {
        out.push({ status: 404, error: { type: 'index_not_found_exception', reason: `no such index [${a._index}]` } });
        continue;
      }
      const v = this.o.verdict?.(a._id, this.calls) ?? { status: 201 };
      if (v.status < 300) {
        if (!this.indices.has(a._index)) this.indices.set(a._index, new Set());
        this.docs.set(a._id, { index: a._index, routing: a.routing, doc: JSON.parse(lines[i + 1]!) });
      }
      out.push(v);
    }
    return out;
  }

  /** The documents a tenant's alias shows (indices carrying the tenant's alias). */
  visibleTo(tenant: string): Array<Record<string, unknown>> {
    return [...this.docs.values()].filter((d) => this.indices.get(d.index)?.has(tenant) && d.doc.tenant === tenant).map((d) => d.doc);
  }
}

/** Answers 201 for every item of the body (counts newlines): no network, no parsing. */
export const nullSearch: SearchSink = {
  async ensureTargets() {
    return [];
  },
  forget() {},
  async bulk(body) {
    let n = 0;
    for (let i = body.indexOf(0x0a); i >= 0; i = body.indexOf(0x0a, i + 1)) n++;
    return Array.from({ length: n / 2 }, () => ({ status: 201 }));
  },
};

/**
 * A `TemplateStateStore` in memory with the same conditional semantics (versions instead of ETags).
 * Several `TenantMiners` sharing one behave like instances sharing S3.
 */
export class MemoryTemplateStore implements TemplateStateStore {
  private readonly objects = new Map<string, { json: string; etag: string }>();
  private version = 0;
  gets = 0;
  puts = 0;

  async get(tenant: string, ifNoneMatch?: string) {
    this.gets++;
    const o = this.objects.get(tenant);
    if (!o) return undefined;
    if (ifNoneMatch !== undefined && ifNoneMatch === o.etag) return 'unchanged' as const;
    return { state: JSON.parse(o.json) as MinerState, etag: o.etag };
  }

  async put(tenant: string, state: MinerState, ifMatch: string | undefined) {
    const o = this.objects.get(tenant);
    if (ifMatch === undefined ? o !== undefined : o?.etag !== ifMatch) return undefined;
    this.puts++;
    const etag = `"v${++this.version}"`;
    this.objects.set(tenant, { json: JSON.stringify(state), etag });
    return etag;
  }

  /** The stored state (tests). */
  stored(tenant: string): MinerState | undefined {
    const o = this.objects.get(tenant);
    return o ? (JSON.parse(o.json) as MinerState) : undefined;
  }
}

export interface MemoryDeps {
  d: StageDeps;
  /** Everything produced to Kafka, in order. */
  produced: KafkaRecord[];
  /** Moves the clock on. */
  advance: (ms: number) => void;
}

/**
 * A StageDeps on the doubles above. `plans` maps tenants to plans (default: `standard`); `clock`
 * starts the fixed clock (default: `Date.now()` at the call); any other field overrides.
 */
export function memoryDeps({ plans: planMap = {}, clock: start, ...o }: Partial<Omit<StageDeps, 'plans'>> & { plans?: Record<string, Plan>; clock?: number } = {}): MemoryDeps {
  const produced: KafkaRecord[] = [];
  let clock = start ?? Date.now();
  const d: StageDeps = {
    plans: { planFor: async (t) => planMap[t] ?? resolvePlan('standard') },
    budget: new MemLedger(),
    search: new MemSearch(),
    kafka: { produce: async (r) => void produced.push(...r) },
    toDocument,
    templates: new TenantMiners(new MemoryTemplateStore()),
    now: () => clock,
    sleep: async (ms) => void (clock += ms),
    topics: { deferred: 'logs.deferred', dlq: 'logs.dlq', summary: 'logs.summary' },
    maxBulkBytes: 5 * 1024 * 1024,
    maxParkMs: 60_000,
    random: () => 0.5,
    indexPrefix: 'sluice',
    ...o,
  };
  return { d, produced, advance: (ms: number) => void (clock += ms) };
}

/** An in-memory counter with the DynamoDB adapter's contract (conditional add, counter as found on refusal); shared by instances like the table. */
export class MemoryCounter implements CeilingCounter {
  readonly items = new Map<string, Cost>();
  calls = 0;
  down = false;
  async take(tenant: string, window: number, amount: Cost, limit: Cost): Promise<{ taken: boolean; counter: Cost }> {
    this.calls++;
    if (this.down) throw new Error('counter unreachable');
    const k = `${tenant}#${window}`;
    const c = this.items.get(k) ?? { events: 0, bytes: 0 };
    if (c.events + amount.events > limit.events || c.bytes + amount.bytes > limit.bytes) return { taken: false, counter: { ...c } };
    const next = { events: c.events + amount.events, bytes: c.bytes + amount.bytes };
    this.items.set(k, next);
    return { taken: true, counter: { ...next } };
  }
}
