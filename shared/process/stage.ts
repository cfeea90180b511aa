/**
 * The PROCESS stage's core (and the DEFERRED stage's: the same steps on `logs.deferred`).
 *
 *  1. decode the MSK batch; an envelope that is not valid JSON, has an unknown `v` or an invalid
 *     tenant goes to `logs.dlq` (original bytes + the error in headers), never dropped;
 *  2. classify each event (`toDocument`);
 *  3. budget: per tenant, ONE conditional DynamoDB update for the whole batch admits the longest
 *     prefix the plan allows; the rest is deferred to `logs.deferred` (or, for `archive-only`
 *     plans, only counted: the archive stage keeps the raw);
 *     in the deferred stage, records not due yet are parked (re-produced unchanged) after waiting
 *     for the earliest one when nothing in the batch is due;
 *  4. bulk-index the admitted documents (`_id` = event id), retrying 429/5xx items with backoff
 *     within the time left; refused items go to the DLQ with their error;
 *  5. write the batch's summary contributions to OpenSearch and to `logs.summary`.
 *
 * Resolves only when every record is indexed, deferred/parked, counted as archive-only, or in the
 * DLQ; throws otherwise, so the event source retries the batch.
 */
import type { MSKEvent } from 'aws-lambda';
import { decodeMskEvent, type KafkaMessage, type MskMessage } from '../msk.ts';
import type { KafkaRecord } from '../adapters/kafka.ts';
import type { RawEnvelope } from '../envelope.ts';
import type { LogDocument } from '../classify/types.ts';
import type { Plan } from '../tenants/plans.ts';
import { assertTenantId } from '../tenants/ids.ts';
import { decodeEnvelopeText } from './envelope.ts';
import { deferHeaders, notBefore, parkWaitMs, readDeferMeta, type DeferMeta } from '../budget/defer.ts';
import { logIndex, summaryIndex, type IndexTarget } from '../index/naming.ts';
import { actionLine, jsonString } from '../index/bulk.ts';
import { SummaryBuilder, type Stage, type SummarySlot } from '../summary/summary.ts';
import { BulkPipeline, bulkWithRetry } from './indexing.ts';
import type { IndexTargetSpec, LedgerGrant, StageDeps } from './ports.ts';
import { inSample } from './sample.ts';

export const HEADER_ERROR = 'sluice-error';
export const HEADER_ERROR_KIND = 'sluice-error-kind';
export const HEADER_ORIGIN = 'sluice-origin';
export const HEADER_STAGE = 'sluice-stage';

export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

/** One tenant's share of a batch (for per-tenant metrics). */
export interface TenantCounts {
  records: number;
  bytes: number;
  indexed: number;
  deferred: number;
  parked: number;
  archiveOnly: number;
  dlq: number;
  /** The tenant's index tier (undefined when its plan was never looked up, e.g. only DLQ records). */
  tier: Plan['indexTier'] | undefined;
}

export interface StageResult {
  stage: Stage;
  records: number;
  /** Records left out by a staging deployment's sampling (`sampleFraction` < 1); 0 otherwise. */
  sampledOut: number;
  indexed: number;
  deferred: number;
  parked: number;
  archiveOnly: number;
  dlq: number;
  summaries: number;
  bulkRequests: number;
  bulkRetries: number;
  tenants: number;
  /** Duration of each bulk request that OpenSearch answered, ms. */
  bulkMs: number[];
  /** Per tenant (records with no valid tenant are only in the totals). */
  byTenant: Record<string, TenantCounts>;
}

interface Item {
  msg: MskMessage;
  env: RawEnvelope;
  bytes: number;
  meta: DeferMeta;
  /** What the budget decided. */
  verdict: Verdict;
  plan: Plan | undefined;
  slot: SummarySlot | undefined;
}

const enum Verdict {
  Index,
  Deferred,
  ArchiveOnly,
}

const NO_DEFER: DeferMeta = { attempts: 0, notBefore: 0 };
/** Events classified between two turns of the event loop (so the bulk requests in flight progress). */
const SLICE = 512;
/** Bulk requests in flight at once, by default. */
export const DEFAULT_BULK_CONCURRENCY = 3;
/** Bulk body size while streaming, by default (smaller than the cap so that sending starts early). */
export const DEFAULT_STREAM_BULK_BYTES = 1024 * 1024;

/** Time kept back from the deadline for the DLQ and summary writes after indexing. */
function reserveMs(total: number): number {
  return Math.min(10_000, Math.max(500, total * 0.15));
}

export async function runStage(event: MSKEvent, context: RemainingTime, deps: StageDeps, stage: Stage): Promise<StageResult> {
  const start = deps.now();
  const total = Math.max(0, context.getRemainingTimeInMillis());
  const hardDeadline = start + total - Math.min(2_000, total * 0.05);
  const indexDeadline = start + total - reserveMs(total);

  const msgs = decodeMskEvent(event);
  const summary = new SummaryBuilder(stage);
  const dlq: KafkaRecord[] = [];
  const items: Item[] = [];
  const result: StageResult = {
    stage, records: msgs.length, sampledOut: 0, indexed: 0, deferred: 0, parked: 0, archiveOnly: 0, dlq: 0, summaries: 0,
    bulkRequests: 0, bulkRetries: 0, tenants: 0, bulkMs: [], byTenant: {},
  };
  const tc = (tenant: string): TenantCounts =>
    (result.byTenant[tenant] ??= { records: 0, bytes: 0, indexed: 0, deferred: 0, parked: 0, archiveOnly: 0, dlq: 0, tier: undefined });
  // Staging only (see shared/config.ts `staging()`): a stable share of the raw events, by event id.
  const fraction = stage === 'process' ? (deps.sampleFraction ?? 1) : 1;

  // 1. Decode and validate (classification comes later, streamed into the bulk requests).
  for (const m of msgs) {
    summary.seen(m.topic, m.partition, m.offset);
    const r = decodeEnvelopeText(m.valueText());
    if (fraction < 1 && !inSample(r.ok ? r.envelope.id : m.value.toString('base64'), fraction)) {
      result.sampledOut++;
      continue;
    }
    if (!r.ok) {
      dlq.push(dlqRecord(deps.topics.dlq, m, stage, 'decode', r.error, r.tenant));
      if (r.tenant) {
        tc(r.tenant).records++;
        tc(r.tenant).dlq++;
      }
      if (r.tenant && r.receivedAt) summary.outcome(m.topic, m.partition, r.tenant, r.receivedAt, 'dlq');
      continue;
    }
    const env = r.envelope;
    const t = tc(env.tenant);
    t.records++;
    t.bytes += m.valueBytes;
    items.push({
      msg: m, env, bytes: Buffer.byteLength(env.raw), meta: stage === 'deferred' ? readDeferMeta(m.headers) : NO_DEFER,
      verdict: Verdict.Index, plan: undefined, slot: undefined,
    });
  }

  // 2a. Deferred stage: only due records go on; wait for the earliest when none is due.
  let due = items;
  const toKafka: KafkaRecord[] = [];
  if (stage === 'deferred' && items.length > 0) {
    let now = deps.now();
    let earliest = Infinity;
    for (const it of items) earliest = Math.min(earliest, it.meta.notBefore);
    if (earliest > now) {
      await deps.sleep(parkWaitMs(earliest, now, indexDeadline - now - 1_000, deps.maxParkMs));
      now = deps.now();
    }
    due = [];
    for (const it of items) {
      if (it.meta.notBefore <= now) due.push(it);
      else {
        toKafka.push(deferRecord(it, deps.topics.deferred, it.meta, it.msg.headers));
        result.parked++;
        tc(it.env.tenant).parked++;
      }
    }
  }

  // 2b. Budget, one conditional update per tenant (sizes are known before classification); the
  // tenants' template miners load meanwhile.
  const byTenant = new Map<string, Item[]>();
  for (const it of due) {
    let list = byTenant.get(it.env.tenant);
    if (!list) byTenant.set(it.env.tenant, (list = []));
    list.push(it);
  }
  result.tenants = byTenant.size;
  const deferredMeta = new Map<Item, { meta: DeferMeta; limitedBy: string | undefined }>();
  await Promise.all([
    deps.templates.prepare(byTenant.keys()),
    ...[...byTenant].map(async ([tenant, list]) => {
      const plan = await deps.plans.planFor(tenant);
      const sizes = new Array<number>(list.length);
      for (let i = 0; i < list.length; i++) sizes[i] = list[i]!.bytes;
      const g: LedgerGrant = await deps.budget.take(tenant, plan, sizes, batchKey(stage, list), deps.now);
      tc(tenant).tier = plan.indexTier;
      const now = deps.now();
      for (let i = 0; i < list.length; i++) {
        const it = list[i]!;
        it.plan = plan;
        if (i < g.admitted) it.verdict = Verdict.Index;
        else if (plan.overBudget === 'archive-only') it.verdict = Verdict.ArchiveOnly;
        else {
          it.verdict = Verdict.Deferred;
          const attempts = it.meta.attempts + 1;
          deferredMeta.set(it, { meta: { attempts, notBefore: notBefore(now, attempts, g.retryAt, deps.random) }, limitedBy: g.limitedBy });
        }
      }
    }),
  ]);
  // Deferred and parked records must be durable before anything is acknowledged: produced now,
  // awaited before this returns.
  for (const it of due) {
    const d = it.verdict === Verdict.Deferred ? deferredMeta.get(it) : undefined;
    if (d) toKafka.push(deferRecord(it, deps.topics.deferred, d.meta, undefined, d.limitedBy));
  }
  const deferredWrite = toKafka.length > 0 ? settle(deps.kafka.produce(toKafka, Math.max(1_000, hardDeadline - deps.now()))) : undefined;

  // 3. Classify, mine, count, and stream the admitted documents into bulk requests.
  const targets = new TargetCache();
  let ensuring: Promise<void> = Promise.resolve();
  const pipeline = new BulkPipeline(deps.search, {
    maxBytes: Math.min(deps.maxBulkBytes, deps.streamBulkBytes ?? DEFAULT_STREAM_BULK_BYTES),
    deadline: indexDeadline, now: deps.now, sleep: deps.sleep, random: deps.random,
    concurrency: deps.bulkConcurrency ?? DEFAULT_BULK_CONCURRENCY,
    beforeSend: () => {
      const fresh = targets.takeNew();
      if (fresh.length > 0) ensuring = ensuring.then(() => deps.search.ensureTargets(fresh));
      return ensuring;
    },
  });
  const indexed: Item[] = [];
  const isProcess = stage === 'process';
  for (let n = 0; n < due.length; n++) {
    const it = due[n]!;
    const env = it.env;
    let doc: LogDocument;
    try {
      doc = deps.toDocument(env);
    } catch (err) {
      dlq.push(dlqRecord(deps.topics.dlq, it.msg, stage, 'classify', `classifier failed: ${(err as Error).message}`, env.tenant));
      tc(env.tenant).dlq++;
      summary.outcome(it.msg.topic, it.msg.partition, env.tenant, env.receivedAt, 'dlq');
      continue;
    }
    // The tenant and id come from the envelope only, whatever the event's text said.
    doc.tenant = env.tenant;
    doc.event_id = env.id;
    doc.template_id = isProcess ? deps.templates.add(env.tenant, doc.message) : deps.templates.matchOrAdd(env.tenant, doc.message);
    const slot = summary.slot(it.msg.topic, it.msg.partition, env.tenant, doc['@timestamp']);
    it.slot = slot;
    if (isProcess) summary.eventAt(slot, it.bytes, doc.level, doc.format, doc.source, doc.host, doc.template_id);
    if (it.verdict === Verdict.ArchiveOnly) {
      slot.outcomes.archive_only++;
      result.archiveOnly++;
      tc(env.tenant).archiveOnly++;
    } else if (it.verdict === Verdict.Deferred) {
      slot.outcomes[isProcess ? 'deferred' : 'redeferred']++;
      result.deferred++;
      tc(env.tenant).deferred++;
    } else {
      let target: ResolvedTarget;
      try {
        target = targets.resolve(env.tenant, it.plan!.indexTier, doc['@timestamp']);
      } catch (err) {
        dlq.push(dlqRecord(deps.topics.dlq, it.msg, stage, 'index', (err as Error).message, env.tenant));
        slot.outcomes.dlq++;
        tc(env.tenant).dlq++;
        continue;
      }
      // = actionLine(index, id, routing), its constant parts made once per target.
      pipeline.addPair(indexed.length, target.head + jsonString(env.id) + target.tail, JSON.stringify(doc));
      indexed.push(it);
    }
    if ((n & (SLICE - 1)) === SLICE - 1 && pipeline.busy) await pipeline.pump();
  }
  if (indexed.length > 0) {
    const out = await pipeline.finish();
    result.bulkRequests += out.requests;
    result.bulkRetries += out.retries;
    result.bulkMs.push(...out.latencyMs);
    const ok = isProcess ? 'indexed' : 'deferred_indexed';
    for (const ref of out.ok) {
      indexed[ref]!.slot!.outcomes[ok]++;
      tc(indexed[ref]!.env.tenant).indexed++;
    }
    result.indexed += out.ok.length;
    for (const { ref, error } of out.rejected) {
      const it = indexed[ref]!;
      dlq.push(dlqRecord(deps.topics.dlq, it.msg, stage, 'index', error, it.env.tenant));
      it.slot!.outcomes.dlq++;
      tc(it.env.tenant).dlq++;
    }
  }
  if (deferredWrite) await deferredWrite.then((e) => { if (e) throw e.error; });

  // 4. Summaries: OpenSearch, then Kafka together with the DLQ records; the changed template
  // states are written meanwhile.
  const persisted = deps.templates.persist(hardDeadline - 1_000);
  const contributions = summary.contributions();
  const summaryRecords: KafkaRecord[] = [];
  if (contributions.length > 0) {
    const items = contributions.map((c, ref) => ({ index: summaryIndex(c.doc.minute), id: c.id, doc: c.doc, ref }));
    const out = await bulkWithRetry(deps.search, items, {
      maxBytes: deps.maxBulkBytes, deadline: hardDeadline - 1_000, now: deps.now, sleep: deps.sleep, random: deps.random,
    });
    result.bulkRequests += out.requests;
    result.bulkMs.push(...out.latencyMs);
    for (const { ref, error } of out.rejected) {
      const c = contributions[ref]!;
      dlq.push({
        topic: deps.topics.dlq,
        key: c.doc.tenant,
        value: Buffer.from(JSON.stringify(c.doc)),
        headers: { [HEADER_ERROR]: Buffer.from(error.slice(0, 8192)), [HEADER_ERROR_KIND]: Buffer.from('summary'), [HEADER_STAGE]: Buffer.from(stage) },
      });
    }
    for (const c of contributions) {
      summaryRecords.push({ topic: deps.topics.summary, key: c.id, value: Buffer.from(JSON.stringify(c.doc)) });
    }
    result.summaries = contributions.length;
  }
  result.dlq = dlq.length;
  const last = [...dlq, ...summaryRecords];
  if (last.length > 0) await deps.kafka.produce(last, Math.max(1_000, hardDeadline - deps.now()));
  await persisted;
  return result;
}

/** A promise that never rejects: its error, if any, for later. */
function settle(p: Promise<unknown>): Promise<{ error: unknown } | undefined> {
  return p.then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
}

/**
 * `logIndex` per event, cached per tenant and hour of `...Z` timestamps; remembers the (index,
 * tenant) pairs not yet ensured.
 */
class TargetCache {
  private readonly byTenant = new Map<string, { tier: string; prefix: string; target: ResolvedTarget }>();
  private readonly seen = new Set<string>();
  private fresh: IndexTargetSpec[] = [];

  resolve(tenant: string, tier: Plan['indexTier'], ts: string): ResolvedTarget {
    const c = this.byTenant.get(tenant);
    if (c !== undefined && c.tier === tier && ts.length >= 13 && ts.startsWith(c.prefix) && ts.charCodeAt(ts.length - 1) === 0x5a) return c.target;
    const index = logIndex(assertTenantId(tenant), tier, ts);
    const target = resolvedTarget(index);
    // Only a `YYYY-MM-DDTHH...Z` timestamp names its slice by its first 13 characters.
    if (ts.length >= 13 && ts.charCodeAt(ts.length - 1) === 0x5a && ISO_HOUR.test(ts)) this.byTenant.set(tenant, { tier, prefix: ts.slice(0, 13), target });
    const k = `${index.index}\u0000${tenant}`;
    if (!this.seen.has(k)) {
      this.seen.add(k);
      this.fresh.push({ index: index.index, tenant, routing: index.routing });
    }
    return target;
  }

  /** Targets resolved since the last call. */
  takeNew(): IndexTargetSpec[] {
    const f = this.fresh;
    this.fresh = [];
    return f;
  }
}

const ISO_HOUR = /^\d{4}-\d{2}-\d{2}T\d{2}/;

/** An index target with its bulk action line split around the `_id`: `head + jsonString(id) + tail`. */
interface ResolvedTarget {
  head: string;
  tail: string;
}

function resolvedTarget(t: IndexTarget): ResolvedTarget {
  const probe = actionLine(t.index, '', t.routing);
  // actionLine(index, id, routing) = head + jsonString(id) + tail, with jsonString('') = '""'.
  const at = probe.indexOf('"_id":""') + 6;
  const head = probe.slice(0, at);
  const tail = probe.slice(at + 2);
  return { head, tail };
}

/** The batch's identity for one tenant: its records' offset range per topic-partition. */
export function batchKey(stage: Stage, list: readonly Item[]): string {
  const ranges = new Map<string, [number, number]>();
  // The key of the last record's topic-partition (records come grouped by partition): no string per record.
  let lastTopic: string | undefined;
  let lastPartition = NaN;
  let r: [number, number] | undefined;
  for (const it of list) {
    const m = it.msg;
    if (m.topic !== lastTopic || m.partition !== lastPartition) {
      lastTopic = m.topic;
      lastPartition = m.partition;
      const k = `${m.topic}:${m.partition}`;
      r = ranges.get(k);
      if (!r) {
        ranges.set(k, (r = [m.offset, m.offset]));
        continue;
      }
    }
    if (m.offset < r![0]) r![0] = m.offset;
    if (m.offset > r![1]) r![1] = m.offset;
  }
  return `${stage}|${[...ranges].sort().map(([k, [a, b]]) => `${k}:${a}-${b}:${list.length}`).join(',')}`;
}

function keyOf(m: KafkaMessage, tenant?: string): string {
  return m.key ? m.key.toString('utf8') : (tenant ?? 'unknown');
}

function deferRecord(
  it: { msg: KafkaMessage; env: RawEnvelope },
  topic: string,
  meta: DeferMeta,
  keepHeaders?: Record<string, Buffer>,
  reason?: string,
): KafkaRecord {
  return {
    topic,
    key: keyOf(it.msg, it.env.tenant),
    value: it.msg.value,
    headers: keepHeaders ?? deferHeaders(meta, reason),
  };
}

export function dlqRecord(topic: string, m: KafkaMessage, stage: Stage, kind: string, error: string, tenant?: string): KafkaRecord {
  return {
    topic,
    key: keyOf(m, tenant),
    value: m.value,
    headers: {
      [HEADER_ERROR]: Buffer.from(error.slice(0, 8192)),
      [HEADER_ERROR_KIND]: Buffer.from(kind),
      [HEADER_ORIGIN]: Buffer.from(`${m.topic}/${m.partition}/${m.offset}`),
      [HEADER_STAGE]: Buffer.from(stage),
    },
  };
}
