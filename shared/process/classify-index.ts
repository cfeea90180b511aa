/**
 * Step 4: classify, mine, count, and stream the admitted documents into bulk requests.
 *
 *  - Each event is classified (`toDocument`) and its template mined; the tenant and id come from
 *    the envelope only, whatever the event's text said. A classifier that throws sends the event to
 *    the DLQ (`classify`).
 *  - The per-event budget (./slow.ts): an event whose classification and mining overran it is
 *    indexed as text, and so are the later events of its shape.
 *  - The deadline: every `CHECK_EVERY` events or 50 ms (and after any slow event) the time is checked; past
 *    the batch's classification deadline the events not classified yet are deferred (original
 *    bytes, due at once, reason `deadline`) and the batch completes.
 *  - Each classified event's numbers and status class go into its summary slot's trend statistics
 *    (shared/summary/stats.ts), in both stages.
 *  - Over-budget (deferred, archive-only) events are not classified or mined: counted in the
 *    summaries by what their envelope knows (`countUnclassified`), not indexed.
 *  - Admitted events go to the target of ./targets.ts (bounded window, capped new indices), their
 *    `fields` cut when too large to index (./documents.ts), and into the bulk pipeline; each new
 *    target is ensured (index + alias) before the first request that needs it. An item refused
 *    because its index is gone (deleted by retention or an operator) has the index made again with
 *    its alias and is retried; an index that cannot be made refuses only its own items (DLQ
 *    `index`, with the reason).
 */
import { jsonString } from '../index/bulk.ts';
import { indexNames } from '../index/naming.ts';
import type { BulkItemResult } from '../index/ports.ts';
import type { LogDocument } from '../classify/types.ts';
import type { RawEnvelope } from '../envelope/types.ts';
import { BulkPipeline, type BulkOutcome } from './indexing.ts';
import { TargetCache, RESLICED_FLAG, type ResolvedTarget } from './targets.ts';
import { cutLargeValues, SLOW_FLAG, stampDocument, textDocument } from './documents.ts';
import { SlowShapes } from './slow.ts';
import { toDeferred, toDlq, Verdict, type Batch, type Item } from './batch.ts';
import { namedFields } from '../summary/stats.ts';

/** Events classified between two turns of the event loop (so the bulk requests in flight progress). */
const SLICE = 512;
/** Events classified between two looks at the clock (or sooner: after CHECK_MS of classifying). */
const CHECK_EVERY = 64;
const CHECK_MS = 50;
/** Bulk requests in flight at once, by default. */
export const DEFAULT_BULK_CONCURRENCY = 3;
/** Bulk body size while streaming, by default (smaller than the cap so that sending starts early). */
export const DEFAULT_STREAM_BULK_BYTES = 1024 * 1024;

const defaultSlow = new SlowShapes();

export async function classifyAndIndex(due: Item[], b: Batch): Promise<void> {
  const { deps, summary, tally } = b;
  const isProcess = b.stage === 'process';
  const slow = deps.slowShapes ?? defaultSlow;
  const sink = new Sink(b);
  let checkAt = CHECK_EVERY;
  let t0 = performance.now();
  let checkedT = t0;
  for (let n = 0; n < due.length; n++) {
    if (n >= checkAt || t0 - checkedT > CHECK_MS) {
      checkAt = n + CHECK_EVERY;
      checkedT = t0;
      if (deps.now() > b.classifyDeadline) {
        deferRest(due, n, b);
        break;
      }
    }
    const it = due[n]!;
    // Every item reaches this loop with its envelope (it is released only below).
    const env = it.env!;
    if (it.verdict !== Verdict.Index) {
      // Over budget: not classified or mined here (it is when finally indexed), only counted.
      countUnclassified(it, b);
      continue;
    }
    let doc: LogDocument;
    let shortcut = slow.isSlow(env.tenant, env.raw, deps.now);
    try {
      doc = shortcut ? textDocument(env, SLOW_FLAG) : deps.toDocument(env);
    } catch (err) {
      toDlq(b, it.msg, 'classify', `classifier failed: ${(err as Error).message}`, env.tenant, it.replay ? undefined : summary.slot(it.msg.topic, it.msg.partition, env.tenant, env.receivedAt, env.region));
      continue;
    }
    stampDocument(doc, env);
    if (!shortcut) doc.template_id = isProcess ? deps.templates.add(env.tenant, doc.message) : deps.templates.matchOrAdd(env.tenant, doc.message);
    const t1 = performance.now();
    if (t1 - t0 > slow.budgetMs && !shortcut) {
      slow.overran(env.tenant, env.raw, deps.now());
      doc = textDocument(env, SLOW_FLAG);
      shortcut = true;
      checkAt = n + 1;
    }
    t0 = t1;
    // Counted under the same bounded time as its index (the summaries' monthly indices stay bounded too).
    const target = sink.target(it, doc);
    if (target === undefined) continue;
    // Counted under the same bounded time as its index (the summaries' monthly indices stay bounded
    // too); a replayed event is not counted again (no slot).
    const slot = it.replay ? undefined : summary.slot(it.msg.topic, it.msg.partition, env.tenant, target.resliced ? env.receivedAt : doc['@timestamp'], env.region);
    it.slot = slot;
    if (isProcess && slot !== undefined) summary.eventAt(slot, it.bytes, doc.level, doc.format, doc.source, doc.host, doc.template_id);
    // Both stages: the deferred stage classifies only what the process stage did not (see summary.ts).
    if (slot !== undefined) summary.statsAt(slot, doc.format, doc.fields, namedFields(it.plan));
    sink.add(it, env, doc, target);
    it.env = undefined;
    if ((n & (SLICE - 1)) === SLICE - 1 && sink.pipeline.busy) {
      await sink.pipeline.pump();
      // The time the requests in flight took is not the next event's.
      t0 = performance.now();
    }
  }
  await sink.finish();
}

/** Past the deadline: the events from `from` on are deferred (the admitted ones now; the others already are) and counted unclassified. */
function deferRest(due: Item[], from: number, b: Batch): void {
  for (let n = from; n < due.length; n++) {
    const it = due[n]!;
    if (it.verdict === Verdict.Index) toDeferred(b, it, 'deadline', undefined, true);
    countUnclassified(it, b);
  }
}

/**
 * Counts a deferred or archive-only event by what its envelope knows, without classifying it: in
 * the process stage's summary it is one event of its size under its RECEIVE minute, with level and
 * format `(none)`, the envelope's source and host, and no template (it is classified, and its
 * template counted, only if and when it is indexed).
 */
function countUnclassified(it: Item, b: Batch): void {
  // Not classified: its envelope was never released.
  const env = it.env!;
  const slot = it.replay ? undefined : b.summary.slot(it.msg.topic, it.msg.partition, env.tenant, env.receivedAt, env.region);
  if (b.stage === 'process' && slot !== undefined) b.summary.eventAt(slot, it.bytes, undefined, undefined, env.source, env.host, undefined);
  b.tally.record(env.tenant, it.verdict === Verdict.ArchiveOnly ? 'archive_only' : 'deferred', slot);
}

/** The bulk side of the step: targets, their ensuring, the pipeline, and the items' fate. */
class Sink {
  readonly pipeline: BulkPipeline;
  private readonly targets: TargetCache;
  /** index -> why it could not be made. */
  private readonly failed = new Map<string, string>();
  /** Indices whose making was already retried once. */
  private readonly retried = new Set<string>();
  /** Indices to make again before the next request (deleted under us). */
  private readonly again = new Set<string>();
  private readonly items: Item[] = [];
  private readonly indexOf: string[] = [];
  private ensuring: Promise<void> = Promise.resolve();

  constructor(private readonly b: Batch) {
    const { deps } = b;
    // The prefix read once per batch (not once per new target).
    this.targets = new TargetCache(deps.indexPrefix ?? indexNames().prefix, deps.maxNewIndicesPerTenant);
    this.pipeline = new BulkPipeline(deps.search, {
      maxBytes: Math.min(deps.maxBulkBytes, deps.streamBulkBytes ?? DEFAULT_STREAM_BULK_BYTES),
      deadline: b.indexDeadline, now: deps.now, sleep: deps.sleep, random: deps.random,
      concurrency: deps.bulkConcurrency ?? DEFAULT_BULK_CONCURRENCY,
      beforeSend: () => this.ensure(),
      judge: (ref, r) => this.judge(ref, r),
    });
  }

  /** The document's index target; undefined (and the event in the DLQ) when it has none. */
  target(it: Item, doc: LogDocument): ResolvedTarget | undefined {
    const env = it.env!;
    try {
      return this.targets.resolve(env.tenant, it.plan!, doc['@timestamp'], env.receivedAt);
    } catch (err) {
      const slot = it.replay ? undefined : this.b.summary.slot(it.msg.topic, it.msg.partition, env.tenant, env.receivedAt, env.region);
      toDlq(this.b, it.msg, 'index', (err as Error).message, env.tenant, slot);
      return undefined;
    }
  }

  add(it: Item, env: RawEnvelope, doc: LogDocument, target: ResolvedTarget): void {
    if (target.resliced) doc.flags.push(RESLICED_FLAG);
    let json = JSON.stringify(doc);
    if (cutLargeValues(doc, json)) json = JSON.stringify(doc);
    const ref = this.items.length;
    this.items.push(it);
    this.indexOf.push(target.index);
    // = actionLine(index, id, routing), its constant parts made once per target.
    this.pipeline.addPair(ref, target.head + jsonString(env.id) + target.tail, json);
  }

  async finish(): Promise<void> {
    if (this.items.length === 0) return;
    const out: BulkOutcome = await this.pipeline.finish();
    const { tally } = this.b;
    tally.result.bulkRequests += out.requests;
    tally.result.bulkRetries += out.retries;
    tally.result.bulkMs.push(...out.latencyMs);
    for (const ref of out.ok) {
      const it = this.items[ref]!;
      tally.record(it.tenant, 'indexed', it.slot);
    }
    for (const { ref, error } of out.rejected) {
      const it = this.items[ref]!;
      toDlq(this.b, it.msg, 'index', error, it.tenant, it.slot);
    }
  }

  /** Before each bulk request: the targets new since the last one are made (index + alias); failures noted per index. */
  private ensure(): Promise<void> {
    const fresh = this.targets.takeNew();
    this.again.clear();
    if (fresh.length === 0) return this.ensuring;
    const { search } = this.b.deps;
    this.ensuring = this.ensuring
      .then(() => search.ensureTargets(fresh))
      .then(
        (failures) => {
          for (const f of failures) this.failed.set(f.target.index, f.error);
        },
        (err: unknown) => {
          for (const t of fresh) this.failed.set(t.index, (err as Error).message);
        },
      );
    return this.ensuring;
  }

  /** A 404 for an index deleted under us: make it again and retry (once per index if making it fails); else the default. */
  private judge(ref: number, r: BulkItemResult): { outcome: 'retry' | 'reject'; error?: string } | undefined {
    if (r.status !== 404) return undefined;
    const index = this.indexOf[ref]!;
    const why = this.failed.get(index);
    if (why !== undefined && this.retried.has(index)) return { outcome: 'reject', error: `index ${index} could not be created: ${why}` };
    const type = typeof r.error === 'object' ? r.error.type : undefined;
    if (why === undefined && type !== 'index_not_found_exception') return undefined;
    if (this.again.has(index)) return { outcome: 'retry' };
    this.again.add(index);
    if (why !== undefined) this.retried.add(index);
    this.failed.delete(index);
    this.b.deps.search.forget([index]);
    this.targets.again(index);
    return { outcome: 'retry' };
  }
}
