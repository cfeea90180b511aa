/**
 * Step 3: admit against the budget. Per tenant, ONE conditional ledger write for the whole batch
 * admits the longest prefix the plan allows (sizes are known before classification); the rest is
 * deferred to `logs.deferred`, or, for `archive-only` plans, only counted (the archive stage keeps
 * the raw). The tenants' template miners load meanwhile.
 *
 * Replayed events (archive replay) are admitted without a charge: they were charged when they first
 * arrived.
 *
 * Per tenant, never per batch: when a tenant's plan or budget cannot be read (the registry or the
 * ledger fails), that tenant's events are deferred (reason `tenant`, retried with the usual
 * backoff); the other tenants' events go on.
 */
import type { Stage } from '../summary/summary.ts';
import { toDeferred, Verdict, type Batch, type Item } from './batch.ts';

export async function admit(due: Item[], b: Batch): Promise<void> {
  const byTenant = new Map<string, Item[]>();
  for (const it of due) {
    let list = byTenant.get(it.tenant);
    if (!list) byTenant.set(it.tenant, (list = []));
    list.push(it);
  }
  b.tally.result.tenants = byTenant.size;
  await Promise.all([b.deps.templates.prepare(byTenant.keys()), ...[...byTenant].map(([tenant, list]) => admitTenant(tenant, list, b))]);
  // In batch order, so that the deferred topic keeps the order the events came in.
  for (const it of due) if (it.defer) toDeferred(b, it, it.defer.reason, it.defer.retryAt);
}

async function admitTenant(tenant: string, all: Item[], b: Batch): Promise<void> {
  const { deps } = b;
  // Replayed events were charged when they first arrived: admitted without a charge.
  const list = all.some((it) => it.replay) ? all.filter((it) => !it.replay) : all;
  let plan;
  let g;
  try {
    plan = await deps.plans.planFor(tenant);
    const sizes = new Array<number>(list.length);
    for (let i = 0; i < list.length; i++) sizes[i] = list[i]!.bytes;
    g = list.length === 0 ? { admitted: 0 } : await deps.budget.take(tenant, plan, sizes, batchKey(b.stage, list), deps.now);
  } catch (err) {
    deps.warn?.('tenant plan or budget not available: its events are deferred', { tenant, error: (err as Error).message });
    for (const it of all) {
      it.verdict = Verdict.Deferred;
      it.defer = { reason: 'tenant', retryAt: undefined };
    }
    return;
  }
  b.tally.tenant(tenant).tier = plan.indexTier;
  if (list !== all) for (const it of all) if (it.replay) it.plan = plan;
  for (let i = 0; i < list.length; i++) {
    const it = list[i]!;
    it.plan = plan;
    if (i < g.admitted) it.verdict = Verdict.Index;
    else if (plan.overBudget === 'archive-only') it.verdict = Verdict.ArchiveOnly;
    else {
      it.verdict = Verdict.Deferred;
      it.defer = { reason: g.limitedBy, retryAt: g.retryAt };
    }
  }
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
