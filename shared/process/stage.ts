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
import { decodeMskEvent, type KafkaMessage } from '../msk.ts';
import type { KafkaRecord } from '../adapters/kafka.ts';
import type { RawEnvelope } from '../envelope.ts';
import type { LogDocument } from '../classify/types.ts';
import type { Plan } from '../tenants/plans.ts';
import { assertTenantId } from '../tenants/ids.ts';
import { decodeEnvelope } from './envelope.ts';
import { deferHeaders, notBefore, parkWaitMs, readDeferMeta, type DeferMeta } from '../budget/defer.ts';
import { logIndex, summaryIndex, type IndexTarget } from '../index/naming.ts';
import type { BulkItem } from '../index/bulk.ts';
import { SummaryBuilder, type Outcome, type Stage } from '../summary/summary.ts';
import { bulkWithRetry } from './indexing.ts';
import type { IndexTargetSpec, LedgerGrant, StageDeps } from './ports.ts';

export const HEADER_ERROR = 'sluice-error';
export const HEADER_ERROR_KIND = 'sluice-error-kind';
export const HEADER_ORIGIN = 'sluice-origin';
export const HEADER_STAGE = 'sluice-stage';

export interface RemainingTime {
  getRemainingTimeInMillis(): number;
}

export interface StageResult {
  stage: Stage;
  records: number;
  indexed: number;
  deferred: number;
  parked: number;
  archiveOnly: number;
  dlq: number;
  summaries: number;
  bulkRequests: number;
  bulkRetries: number;
  tenants: number;
}

interface Item {
  msg: KafkaMessage;
  env: RawEnvelope;
  doc: LogDocument;
  bytes: number;
  meta: DeferMeta;
}

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
    stage, records: msgs.length, indexed: 0, deferred: 0, parked: 0, archiveOnly: 0, dlq: 0, summaries: 0,
    bulkRequests: 0, bulkRetries: 0, tenants: 0,
  };

  // 1-2. Decode, validate, classify.
  for (const m of msgs) {
    summary.seen(m.topic, m.partition, m.offset);
    const r = decodeEnvelope(m.value);
    if (!r.ok) {
      dlq.push(dlqRecord(deps.topics.dlq, m, stage, 'decode', r.error, r.tenant));
      if (r.tenant && r.receivedAt) summary.outcome(m.topic, m.partition, r.tenant, r.receivedAt, 'dlq');
      continue;
    }
    const env = r.envelope;
    let doc: LogDocument;
    try {
      doc = deps.toDocument(env);
    } catch (err) {
      dlq.push(dlqRecord(deps.topics.dlq, m, stage, 'classify', `classifier failed: ${(err as Error).message}`, env.tenant));
      summary.outcome(m.topic, m.partition, env.tenant, env.receivedAt, 'dlq');
      continue;
    }
    // The tenant and id come from the envelope only, whatever the event's text said.
    doc.tenant = env.tenant;
    doc.event_id = env.id;
    const bytes = Buffer.byteLength(env.raw);
    items.push({ msg: m, env, doc, bytes, meta: stage === 'deferred' ? readDeferMeta(m.headers) : { attempts: 0, notBefore: 0 } });
    if (stage === 'process') {
      summary.event(m.topic, m.partition, {
        tenant: env.tenant, timestamp: doc['@timestamp'], level: doc.level, format: doc.format,
        source: doc.source, host: doc.host, bytes,
      });
    }
  }
  const count = (it: Item, o: Outcome) => summary.outcome(it.msg.topic, it.msg.partition, it.env.tenant, it.doc['@timestamp'], o);

  // 3a. Deferred stage: only due records go on; wait for the earliest when none is due.
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
      }
    }
  }

  // 3b. Budget, one conditional update per tenant.
  const byTenant = new Map<string, Item[]>();
  for (const it of due) {
    let list = byTenant.get(it.env.tenant);
    if (!list) byTenant.set(it.env.tenant, (list = []));
    list.push(it);
  }
  result.tenants = byTenant.size;
  const plans = new Map<string, Plan>();
  const admitted: Array<{ it: Item; plan: Plan }> = [];
  await Promise.all(
    [...byTenant].map(async ([tenant, list]) => {
      const plan = await deps.plans.planFor(tenant);
      plans.set(tenant, plan);
      const g: LedgerGrant = await deps.budget.take(tenant, plan, list.map((i) => i.bytes), batchKey(stage, list), deps.now);
      const now = deps.now();
      for (let i = 0; i < list.length; i++) {
        const it = list[i]!;
        if (i < g.admitted) admitted.push({ it, plan });
        else if (plan.overBudget === 'archive-only') {
          count(it, 'archive_only');
          result.archiveOnly++;
        } else {
          const attempts = it.meta.attempts + 1;
          const meta = { attempts, notBefore: notBefore(now, attempts, g.retryAt, deps.random) };
          toKafka.push(deferRecord(it, deps.topics.deferred, meta, undefined, g.limitedBy));
          count(it, stage === 'process' ? 'deferred' : 'redeferred');
          result.deferred++;
        }
      }
    }),
  );
  // Deferred records must be durable before anything is acknowledged.
  if (toKafka.length > 0) await deps.kafka.produce(toKafka, Math.max(1_000, hardDeadline - deps.now()));

  // 4. Index.
  const bulkItems: BulkItem[] = [];
  const targets = new Map<string, IndexTargetSpec>();
  for (let ref = 0; ref < admitted.length; ref++) {
    const { it, plan } = admitted[ref]!;
    let target: IndexTarget;
    try {
      target = logIndex(assertTenantId(it.env.tenant), plan.indexTier, it.doc['@timestamp']);
    } catch (err) {
      dlq.push(dlqRecord(deps.topics.dlq, it.msg, stage, 'index', (err as Error).message, it.env.tenant));
      count(it, 'dlq');
      continue;
    }
    targets.set(`${target.index}\u0000${it.env.tenant}`, { index: target.index, tenant: it.env.tenant, routing: target.routing });
    bulkItems.push({ index: target.index, id: it.env.id, routing: target.routing, doc: it.doc, ref });
  }
  if (bulkItems.length > 0) {
    await deps.search.ensureTargets([...targets.values()]);
    const out = await bulkWithRetry(deps.search, bulkItems, {
      maxBytes: deps.maxBulkBytes, deadline: indexDeadline, now: deps.now, sleep: deps.sleep, random: deps.random,
    });
    result.bulkRequests += out.requests;
    result.bulkRetries += out.retries;
    for (const ref of out.ok) count(admitted[ref]!.it, stage === 'process' ? 'indexed' : 'deferred_indexed');
    result.indexed += out.ok.length;
    for (const { ref, error } of out.rejected) {
      const it = admitted[ref]!.it;
      dlq.push(dlqRecord(deps.topics.dlq, it.msg, stage, 'index', error, it.env.tenant));
      count(it, 'dlq');
    }
  }

  // 5. Summaries: OpenSearch, then Kafka together with the DLQ records.
  const contributions = summary.contributions();
  const summaryRecords: KafkaRecord[] = [];
  if (contributions.length > 0) {
    const items = contributions.map((c, ref) => ({ index: summaryIndex(c.doc.minute), id: c.id, doc: c.doc, ref }));
    const out = await bulkWithRetry(deps.search, items, {
      maxBytes: deps.maxBulkBytes, deadline: hardDeadline - 1_000, now: deps.now, sleep: deps.sleep, random: deps.random,
    });
    result.bulkRequests += out.requests;
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
  return result;
}

/** The batch's identity for one tenant: its records' offset range per topic-partition. */
export function batchKey(stage: Stage, list: readonly Item[]): string {
  const ranges = new Map<string, [number, number]>();
  for (const it of list) {
    const k = `${it.msg.topic}:${it.msg.partition}`;
    const r = ranges.get(k);
    if (!r) ranges.set(k, [it.msg.offset, it.msg.offset]);
    else {
      if (it.msg.offset < r[0]) r[0] = it.msg.offset;
      if (it.msg.offset > r[1]) r[1] = it.msg.offset;
    }
  }
  return `${stage}|${[...ranges].sort().map(([k, [a, b]]) => `${k}:${a}-${b}:${list.length}`).join(',')}`;
}

function keyOf(m: KafkaMessage, tenant?: string): string {
  return m.key ? m.key.toString('utf8') : (tenant ?? 'unknown');
}

function deferRecord(
  it: Item,
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
