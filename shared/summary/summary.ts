/**
 * Per-tenant, per-minute summaries. Pure.
 *
 * Replay safety: a batch writes one *contribution* per (tenant, minute of event time, stage,
 * topic-partition) whose `_id` is derived from the batch's identity on that partition (first and
 * last offset of the batch). The contribution is recomputed from the batch every time, so
 * processing the same batch twice writes the same document with the same id (an overwrite, never
 * an increment). A minute's figures are the sum of its contributions (`mergeContributions`).
 *
 * If the same offsets are processed again in a *different* batch (a retry that polled more records
 * from the same start offset), the contributions overlap on the partition: `mergeContributions`
 * keeps, among overlapping contributions of one (tenant, minute, stage, topic, partition), the one
 * covering the widest range, which is exact when the ranges share a start (Lambda retrying from the
 * committed offset). Arbitrary re-batching (an offset reset to the middle of an old batch) can
 * still over- or under-count that minute; see the stage's README.
 *
 * Trend statistics (`stats`, `status_classes`; see stats.ts) are counted for every classified event
 * of the slot, in either stage: the process stage classifies the events it indexes now, the deferred
 * stage the deferred ones when it indexes them, so each event's numbers are counted once (events
 * that stay archive-only are never classified and have none). They are part of the contribution,
 * so they are as replay-safe as the counts; a minute's figures merge the kept contributions'
 * sketches (`keptContributions`, then shared/summary/trends.ts).
 *
 * Stages: `process` counts every decodable event once (events, bytes, levels, formats, sources,
 * hosts, templates) and its outcome (indexed, deferred, archive_only, dlq); `deferred` counts only outcomes
 * (deferred_indexed, redeferred, archive_only, dlq), so events are never counted twice and
 * `deferred - deferred_indexed` is what is still waiting.
 */

import { StatsAcc, observe, toFieldStats, toStatusClasses, type FieldStats } from './stats.ts';

export type Outcome = 'indexed' | 'deferred' | 'archive_only' | 'dlq' | 'deferred_indexed' | 'redeferred';
export type Stage = 'process' | 'deferred';

export const NONE = '(none)';
export const OTHER = '(other)';
/** Distinct hosts / sources / templates kept per contribution; the rest are summed under `(other)`. */
export const MAX_KEYS = 200;

export interface KeyCount {
  key: string;
  count: number;
}

export interface SummaryDoc {
  tenant: string;
  /**
   * The region the events were accepted in (their envelopes'), so that an aggregation cluster that
   * indexes several regions keeps their figures apart. Absent in contributions written before regions.
   */
  region?: string;
  /** Minute of event time, ISO 8601 (`YYYY-MM-DDTHH:MM:00.000Z`). */
  minute: string;
  stage: Stage;
  origin: { topic: string; partition: number; first_offset: number; last_offset: number };
  events: number;
  bytes: number;
  indexed: number;
  deferred: number;
  archive_only: number;
  dlq: number;
  deferred_indexed: number;
  redeferred: number;
  levels: KeyCount[];
  formats: KeyCount[];
  sources: KeyCount[];
  hosts: KeyCount[];
  /** Events per template id (`template_id` of the documents); absent in contributions written before templates. */
  templates?: KeyCount[];
  /** Numeric fields' figures and sketches (stats.ts); absent in contributions written before issue 20. */
  stats?: FieldStats[];
  /** Access logs' 1xx..5xx counts; absent in contributions written before issue 20. */
  status_classes?: KeyCount[];
}

export interface Contribution {
  id: string;
  doc: SummaryDoc;
}

export interface SummaryEvent {
  tenant: string;
  timestamp: string;
  level?: string | undefined;
  format?: string | undefined;
  source?: string | undefined;
  host?: string | undefined;
  /** Template id from the miner. */
  template?: string | undefined;
  bytes: number;
}

/** Minute of an ISO timestamp (`...Z` fast path; anything else through Date). */
export function minuteOf(ts: string): string {
  if (ts.length >= 16 && ts.charCodeAt(ts.length - 1) === 0x5a && ts.charCodeAt(10) === 0x54 /* T */) {
    return ts.slice(0, 16) + ':00.000Z';
  }
  let ms = Date.parse(ts);
  if (Number.isNaN(ms)) ms = 0;
  return new Date(ms - (((ms % 60_000) + 60_000) % 60_000)).toISOString();
}

/** `region` (when the events had one) is the id's last part, so ids of contributions written before regions stay as they were. */
export function contributionId(tenant: string, minute: string, stage: Stage, origin: SummaryDoc['origin'], region?: string): string {
  const id = `${tenant}|${minute.slice(0, 16)}|${stage}|${origin.topic}|${origin.partition}|${origin.first_offset}-${origin.last_offset}`;
  return region ? `${id}|${region}` : id;
}

interface Acc {
  tenant: string;
  /** '' when the events had no region. */
  region: string;
  minute: string;
  topic: string;
  partition: number;
  events: number;
  bytes: number;
  outcomes: Record<Outcome, number>;
  levels: Map<string, number>;
  formats: Map<string, number>;
  sources: Map<string, number>;
  hosts: Map<string, number>;
  templates: Map<string, number>;
  /** Made on the first event with numbers to track. */
  stats: StatsAcc | undefined;
}

/** The accumulator of one (tenant, minute, topic, partition): get it once per event with `slot`. */
export type SummarySlot = Acc;

/** Formats with automatic trend fields (stats.ts); other formats only have the plan's named ones. */
const TRACKED_FORMATS = new Set(['access_common', 'access_combined', 'jvm_gc', 'jvm_unified', 'json', 'logfmt']);

const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/**
 * `YYYY-MM-DDTHH:MM` of an ISO timestamp (a slice on the `...Z` fast path); the whole `minuteOf`
 * when that is not a 4-digit-year ISO string. `minuteFromKey` inverts it.
 */
function minuteKey(ts: string): string {
  if (ts.length >= 16 && ts.charCodeAt(ts.length - 1) === 0x5a && ts.charCodeAt(10) === 0x54 /* T */) return ts.slice(0, 16);
  const m = minuteOf(ts);
  return m.length === 24 ? m.slice(0, 16) : m;
}

const minuteFromKey = (k: string): string => (k.length === 16 ? k + ':00.000Z' : k);

/** Accumulates a batch's events; `contributions()` gives the documents to write. */
export class SummaryBuilder {
  /** topic\0partition -> region -> tenant -> minute key -> accumulator (no per-event key strings). */
  private readonly accs = new Map<string, Map<string, Map<string, Map<string, Acc>>>>();
  /** Offset range of the batch per topic-partition (the batch's identity). */
  private readonly ranges = new Map<string, { topic: string; partition: number; first: number; last: number }>();
  private lastTopic = '';
  private lastPartition = -1;
  private lastTp: Map<string, Map<string, Map<string, Acc>>> | undefined;
  private lastRange: { topic: string; partition: number; first: number; last: number } | undefined;

  constructor(readonly stage: Stage) {}

  /** Every record of the batch (decodable or not) extends its partition's range. */
  seen(topic: string, partition: number, offset: number): void {
    let r = this.lastRange;
    if (r === undefined || r.topic !== topic || r.partition !== partition) {
      // Records come grouped by partition: one key string per group, not per record.
      const k = `${topic}\u0000${partition}`;
      r = this.ranges.get(k);
      if (!r) this.ranges.set(k, (r = { topic, partition, first: offset, last: offset }));
      this.lastRange = r;
    }
    if (offset < r.first) r.first = offset;
    if (offset > r.last) r.last = offset;
  }

  /** The accumulator an event of this tenant, time, partition and region (its envelope's) counts into. */
  slot(topic: string, partition: number, tenant: string, timestamp: string, region = ''): SummarySlot {
    let tp: Map<string, Map<string, Map<string, Acc>>> | undefined;
    if (this.lastTp !== undefined && topic === this.lastTopic && partition === this.lastPartition) tp = this.lastTp;
    else {
      const k = `${topic}\u0000${partition}`;
      tp = this.accs.get(k);
      if (!tp) this.accs.set(k, (tp = new Map()));
      this.lastTopic = topic;
      this.lastPartition = partition;
      this.lastTp = tp;
    }
    let byTenant = tp.get(region);
    if (!byTenant) tp.set(region, (byTenant = new Map()));
    let byMinute = byTenant.get(tenant);
    if (!byMinute) byTenant.set(tenant, (byMinute = new Map()));
    const mk = minuteKey(timestamp);
    let a = byMinute.get(mk);
    if (!a) {
      a = {
        tenant, region, minute: minuteFromKey(mk), topic, partition, events: 0, bytes: 0,
        outcomes: { indexed: 0, deferred: 0, archive_only: 0, dlq: 0, deferred_indexed: 0, redeferred: 0 },
        levels: new Map(), formats: new Map(), sources: new Map(), hosts: new Map(), templates: new Map(), stats: undefined,
      };
      byMinute.set(mk, a);
    }
    return a;
  }

  /** Counts an event (its size and dimensions) into its slot. Stage `process` only. */
  eventAt(a: SummarySlot, bytes: number, level: string | undefined, format: string | undefined, source: string | undefined, host: string | undefined, template: string | undefined): void {
    a.events++;
    a.bytes += bytes;
    inc(a.levels, level ?? NONE);
    inc(a.formats, format ?? NONE);
    inc(a.sources, source || NONE);
    inc(a.hosts, host || NONE);
    if (template !== undefined) inc(a.templates, template);
  }

  /**
   * Counts a classified event's numbers (the format's automatic fields, the plan's named ones) and,
   * for an access log, its status class. Both stages (see the module doc).
   */
  statsAt(a: SummarySlot, format: string, fields: Record<string, unknown>, named: readonly string[]): void {
    if (named.length === 0 && !TRACKED_FORMATS.has(format)) return;
    observe((a.stats ??= new StatsAcc()), format, fields, named);
  }

  /** Counts an event (its size and dimensions). Stage `process` only. */
  event(topic: string, partition: number, e: SummaryEvent): void {
    this.eventAt(this.slot(topic, partition, e.tenant, e.timestamp), e.bytes, e.level, e.format, e.source, e.host, e.template);
  }

  /** Counts what happened to an event. */
  outcome(topic: string, partition: number, tenant: string, timestamp: string, outcome: Outcome, region?: string): void {
    this.slot(topic, partition, tenant, timestamp, region).outcomes[outcome]++;
  }

  contributions(): Contribution[] {
    const out: Contribution[] = [];
    for (const tp of this.accs.values()) {
      for (const byTenant of tp.values()) {
        for (const byMinute of byTenant.values()) {
          for (const a of byMinute.values()) out.push(this.contribution(a));
        }
      }
    }
    out.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    return out;
  }

  private contribution(a: Acc): Contribution {
    const r = this.ranges.get(`${a.topic}\u0000${a.partition}`);
    const origin = {
      topic: a.topic,
      partition: a.partition,
      first_offset: r?.first ?? 0,
      last_offset: r?.last ?? 0,
    };
    const doc: SummaryDoc = {
      tenant: a.tenant,
      ...(a.region !== '' ? { region: a.region } : {}),
      minute: a.minute,
      stage: this.stage,
      origin,
      events: a.events,
      bytes: a.bytes,
      ...a.outcomes,
      levels: toCounts(a.levels, Infinity),
      formats: toCounts(a.formats, Infinity),
      sources: toCounts(a.sources, MAX_KEYS),
      hosts: toCounts(a.hosts, MAX_KEYS),
      templates: toCounts(a.templates, MAX_KEYS),
      stats: a.stats ? toFieldStats(a.stats) : [],
      status_classes: a.stats ? toStatusClasses(a.stats) : [],
    };
    return { id: contributionId(a.tenant, a.minute, this.stage, origin, a.region), doc };
  }
}

/** Sorted by count desc then key; beyond `max` keys the rest are summed under `(other)`. */
export function toCounts(m: Map<string, number>, max: number): KeyCount[] {
  const all = [...m].map(([key, count]) => ({ key, count }));
  all.sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  if (all.length <= max) return all;
  const kept = all.slice(0, max - 1);
  const rest = all.slice(max - 1).reduce((s, c) => s + c.count, 0);
  kept.push({ key: OTHER, count: rest });
  return kept;
}

export interface MinuteSummary {
  tenant: string;
  /** Absent for contributions written before regions (and kept apart from those with one). */
  region?: string;
  minute: string;
  events: number;
  bytes: number;
  indexed: number;
  deferred: number;
  archive_only: number;
  dlq: number;
  deferred_indexed: number;
  redeferred: number;
  levels: Record<string, number>;
  formats: Record<string, number>;
  sources: Record<string, number>;
  hosts: Record<string, number>;
  templates: Record<string, number>;
  /** Access logs' 1xx..5xx counts. */
  status_classes: Record<string, number>;
}

/**
 * The contributions that count: among overlapping contributions of one (tenant, minute, stage,
 * topic, partition), the widest (see the module doc).
 */
export function keptContributions<T extends SummaryDoc>(docs: readonly T[]): T[] {
  const groups = new Map<string, T[]>();
  for (const d of docs) {
    const k = `${d.tenant}\u0000${d.region ?? ''}\u0000${d.minute}\u0000${d.stage}\u0000${d.origin.topic}\u0000${d.origin.partition}`;
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(d);
  }
  const kept: T[] = [];
  for (const g of groups.values()) {
    // Widest first; keep a contribution only if it overlaps none already kept.
    g.sort(
      (a, b) =>
        b.origin.last_offset - b.origin.first_offset - (a.origin.last_offset - a.origin.first_offset) ||
        a.origin.first_offset - b.origin.first_offset,
    );
    const taken: T[] = [];
    for (const d of g) {
      if (taken.some((t) => d.origin.first_offset <= t.origin.last_offset && t.origin.first_offset <= d.origin.last_offset)) continue;
      taken.push(d);
    }
    kept.push(...taken);
  }
  return kept;
}

/**
 * Sums contributions into one summary per (tenant, region, minute), after dropping contributions that
 * overlap a wider one on the same (tenant, minute, stage, topic, partition) (see the module doc).
 */
export function mergeContributions(docs: readonly SummaryDoc[]): MinuteSummary[] {
  const kept = keptContributions(docs);
  const out = new Map<string, MinuteSummary>();
  for (const d of kept) {
    const k = `${d.tenant}\u0000${d.region ?? ''}\u0000${d.minute}`;
    let s = out.get(k);
    if (!s) {
      s = {
        tenant: d.tenant, ...(d.region !== undefined ? { region: d.region } : {}), minute: d.minute, events: 0, bytes: 0, indexed: 0, deferred: 0, archive_only: 0, dlq: 0,
        deferred_indexed: 0, redeferred: 0, levels: {}, formats: {}, sources: {}, hosts: {}, templates: {}, status_classes: {},
      };
      out.set(k, s);
    }
    s.events += d.events;
    s.bytes += d.bytes;
    s.indexed += d.indexed;
    s.deferred += d.deferred;
    s.archive_only += d.archive_only;
    s.dlq += d.dlq;
    s.deferred_indexed += d.deferred_indexed;
    s.redeferred += d.redeferred;
    for (const [field, list] of [['levels', d.levels], ['formats', d.formats], ['sources', d.sources], ['hosts', d.hosts], ['templates', d.templates ?? []], ['status_classes', d.status_classes ?? []]] as const) {
      const target = s[field];
      for (const { key, count } of list) target[key] = (target[key] ?? 0) + count;
    }
  }
  const key = (m: MinuteSummary) => `${m.tenant}\u0000${m.minute}\u0000${m.region ?? ''}`;
  return [...out.values()].sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

/**
 * Events per template id over contributions (overlapping contributions dropped as in
 * `mergeContributions`), with ids mapped through `resolve` (e.g. a retired id to the id of the
 * template it was merged into) and summed; the `(other)` bucket is kept as it is. Most frequent
 * first, ties by id.
 */
export function templateTotals(docs: readonly SummaryDoc[], resolve: (id: string) => string = (id) => id): KeyCount[] {
  const totals = new Map<string, number>();
  for (const m of mergeContributions(docs)) {
    for (const [id, n] of Object.entries(m.templates)) {
      const k = id === OTHER ? id : resolve(id);
      totals.set(k, (totals.get(k) ?? 0) + n);
    }
  }
  return toCounts(totals, Infinity);
}
