/**
 * Reconciliation: where did each accepted event end up? For each tenant, from the real stores:
 *
 *   archive   every line under raw/tenant=<t>/ (S3), by event id and by the event's marker
 *   indexed   every document behind the tenant alias sluice-tenant-<t> (OpenSearch), by _id
 *   dlq       records on logs.dlq whose envelope names the tenant
 *   waiting   ids on logs.deferred that are not indexed (yet)
 *   archive-only (plans that keep over-budget events in the archive only): the summaries' count
 *
 * and the invariants: every accepted event is in the archive under one id (exactly once, or, when
 * `allowArchiveDuplicates`, at least once with byte-identical copies: see the faults suite), and
 * indexed + waiting + dlq (+ archive-only) = accepted, with the sets disjoint and inside the archive.
 */
import { expect } from 'vitest';
import * as config from '../../shared/config.ts';
import { tenantAlias } from '../../shared/index/naming.ts';
import {
  archived,
  envelopeOf,
  indexedDocs,
  markerOf,
  readWholeTopic,
  summaryOutcome,
  tenantArchivePrefix,
  waitFor,
  type ArchivedLine,
} from './support.ts';

export interface Expect {
  tenant: string;
  /** Every marker sent for the tenant (one per accepted event). */
  markers: readonly string[];
  /** Over-budget events are kept in the archive only (free plan). */
  archiveOnly?: boolean;
}

export interface TenantReport {
  tenant: string;
  accepted: number;
  archivedLines: number;
  archivedIds: number;
  duplicateLines: number;
  indexed: number;
  /** Distinct ids that went through logs.deferred (deferred at least once). */
  deferred: number;
  waiting: number;
  dlq: number;
  archiveOnly: number;
}

interface Snapshot {
  lines: ArchivedLine[];
  idsByMarker: Map<string, Set<string>>;
  missing: number;
}

async function archiveSnapshot(e: Expect): Promise<Snapshot> {
  const lines = await archived(tenantArchivePrefix(e.tenant));
  const idsByMarker = new Map<string, Set<string>>();
  for (const l of lines) {
    const m = markerOf(l.env.raw);
    if (m === undefined) continue;
    let s = idsByMarker.get(m);
    if (!s) idsByMarker.set(m, (s = new Set()));
    s.add(l.env.id);
  }
  const missing = e.markers.filter((m) => !idsByMarker.has(m)).length;
  return { lines, idsByMarker, missing };
}

/**
 * Archives until every tenant's markers are all in the archive and every tenant's accepted events
 * are accounted for downstream (indexed + dlq + archive-only = accepted, nothing waiting), polling
 * for at most `timeoutMs`; then checks every invariant and returns the per-tenant figures.
 */
export async function reconcile(
  archiveNow: () => Promise<unknown>,
  tenants: readonly Expect[],
  opts: { timeoutMs: number; allowArchiveDuplicates?: boolean; log?: (m: string) => void },
): Promise<TenantReport[]> {
  const log = opts.log ?? (() => undefined);
  // 1. The archive holds every event (runs of the archiver until it does).
  const snaps = await waitFor('every accepted event in the archive', opts.timeoutMs, async () => {
    await archiveNow();
    const s = await Promise.all(tenants.map(archiveSnapshot));
    const missing = s.reduce((n, x) => n + x.missing, 0);
    log(`[reconcile] archive: ${missing} events not archived yet`);
    return missing === 0 ? s : undefined;
  });

  // 2. Downstream quiescence: every event indexed, in the DLQ, or (archive-only) counted.
  const topics = config.topics();
  const downstream = await waitFor('every accepted event indexed, in the DLQ or archive-only', opts.timeoutMs, async () => {
    const [dlqRecords, deferredRecords] = await Promise.all([readWholeTopic(topics.dlq), readWholeTopic(topics.deferred)]);
    const out = await Promise.all(
      tenants.map(async (e) => {
        const docs = await indexedDocs(tenantAlias(e.tenant));
        const indexed = new Set(docs.map((d) => d.id));
        const dlq = new Set(dlqRecords.flatMap((r) => { const env = envelopeOf(r.value); return env?.tenant === e.tenant ? [env.id] : []; }));
        const deferredIds = new Set(deferredRecords.flatMap((r) => { const env = envelopeOf(r.value); return env?.tenant === e.tenant ? [env.id] : []; }));
        const waiting = new Set([...deferredIds].filter((id) => !indexed.has(id) && !dlq.has(id)));
        const archiveOnly = e.archiveOnly ? await summaryOutcome(e.tenant, 'archive_only') : 0;
        return { e, docs, indexed, dlq, deferredIds, waiting, archiveOnly };
      }),
    );
    const pending = out.map((o) => o.e.markers.length - o.indexed.size - o.dlq.size - o.archiveOnly);
    log(`[reconcile] downstream: ${out.map((o, i) => `${o.e.tenant} indexed ${o.indexed.size} waiting ${o.waiting.size} dlq ${o.dlq.size} archive-only ${o.archiveOnly} (left ${pending[i]})`).join('; ')}`);
    // More than accepted cannot get better by waiting: stop and let the checks below say what is wrong.
    return pending.every((p) => p <= 0) && out.every((o) => o.waiting.size === 0) ? out : undefined;
  });

  // 3. The invariants.
  const reports: TenantReport[] = [];
  tenants.forEach((e, i) => {
    const snap = snaps[i]!;
    const d = downstream[i]!;
    const N = e.markers.length;
    // Archive: one id per marker, distinct ids, only this tenant's envelopes under its prefix.
    expect(snap.lines.every((l) => l.env.tenant === e.tenant && l.key.startsWith(tenantArchivePrefix(e.tenant)))).toBe(true);
    const sent = new Set(e.markers);
    const ours = snap.lines.filter((l) => sent.has(markerOf(l.env.raw) ?? ''));
    expect(ours.length).toBe(snap.lines.length); // nothing archived under the tenant that it did not send
    for (const m of e.markers) expect(snap.idsByMarker.get(m)?.size, `ids of ${m}`).toBe(1);
    const byId = new Map<string, string[]>();
    for (const l of ours) {
      const list = byId.get(l.env.id) ?? [];
      list.push(l.line);
      byId.set(l.env.id, list);
    }
    expect(byId.size).toBe(N);
    const dupLines = ours.length - byId.size;
    if (opts.allowArchiveDuplicates) {
      // A duplicate is the same record written twice to logs.raw (Kafka acked a request whose answer
      // was lost, then the spill): the same bytes under the same id.
      for (const [id, copies] of byId) for (const c of copies) expect(c, `copies of ${id}`).toBe(copies[0]);
    } else {
      expect(dupLines).toBe(0);
    }
    // Downstream: disjoint, inside the archive, and adding up.
    const archivedIds = new Set(byId.keys());
    for (const id of d.indexed) expect(archivedIds.has(id), `indexed ${id} is archived`).toBe(true);
    for (const id of d.dlq) expect(archivedIds.has(id)).toBe(true);
    for (const id of d.indexed) expect(d.dlq.has(id), `${id} both indexed and in the DLQ`).toBe(false);
    expect(d.docs.length).toBe(d.indexed.size); // no id indexed twice (e.g. in two time slices)
    for (const doc of d.docs) {
      expect(doc.source['tenant']).toBe(e.tenant);
      expect(doc.source['event_id']).toBe(doc.id);
    }
    expect(d.indexed.size + d.waiting.size + d.dlq.size + d.archiveOnly).toBe(N);
    if (e.archiveOnly) expect(d.deferredIds.size).toBe(0);
    reports.push({
      tenant: e.tenant, accepted: N, archivedLines: ours.length, archivedIds: byId.size, duplicateLines: dupLines,
      indexed: d.indexed.size, deferred: d.deferredIds.size, waiting: d.waiting.size, dlq: d.dlq.size, archiveOnly: d.archiveOnly,
    });
  });
  return reports;
}
