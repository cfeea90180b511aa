/**
 * The EMF records the handlers write (captured from stdout in-process and parsed): names, units,
 * dimension sets and values, and which tenants get their own records.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMetrics, quantileSample, recordIngest, recordIngestRefused, recordProtocolIngest, recordStage, selectTenants, stageSummary } from '../../../shared/metrics.ts';
import type { StageResult, TenantCounts } from '../../../shared/process/stage.ts';

interface Emf {
  _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [k: string]: unknown;
}

let lines: string[] = [];
let spy: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  lines = [];
  spy = vi.spyOn(process.stdout, 'write').mockImplementation(((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  }) as never);
});
afterEach(() => spy.mockRestore());

const emf = (): Emf[] => lines.map((l) => JSON.parse(l) as Emf).filter((o) => o._aws);
const names = (e: Emf) => e._aws.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name).sort();
const unit = (e: Emf, n: string) => e._aws.CloudWatchMetrics[0]!.Metrics.find((m) => m.Name === n)?.Unit;
const policy = { minEvents: 100, maxTenants: 3 };

const counts = (c: Partial<TenantCounts>): TenantCounts => ({ records: 0, bytes: 0, indexed: 0, deferred: 0, parked: 0, archiveOnly: 0, dlq: 0, tier: 'shared', ...c });

function stageResult(over: Partial<StageResult>): StageResult {
  return {
    stage: 'process', records: 0, sampledOut: 0, indexed: 0, deferred: 0, parked: 0, archiveOnly: 0, dlq: 0, summaries: 0,
    bulkRequests: 0, bulkRetries: 0, tenants: 0, bulkMs: [], byTenant: {}, ...over,
  };
}

describe('process metrics', () => {
  it('writes one per-function record {service, stage} with the alarm metric names, and tenant records only for the tenants worth a series', () => {
    const m = createMetrics('prod');
    const t = createMetrics('prod');
    const r = stageResult({
      records: 1210, indexed: 1100, deferred: 100, archiveOnly: 5, dlq: 5, bulkRequests: 3, bulkRetries: 2, bulkMs: [12.5, 40, 7],
      byTenant: {
        small: counts({ records: 10, indexed: 10 }), // shared, quiet: no record of its own
        broken: counts({ records: 3, indexed: 1, dlq: 2 }), // DLQ: always
        big: counts({ records: 1000, indexed: 900, deferred: 100, tier: 'shared' }), // volume
        pro: counts({ records: 5, indexed: 5, tier: 'daily' }), // dedicated tier
        ent: counts({ records: 192, indexed: 184, archiveOnly: 5, dlq: 3, tier: 'hourly' }),
      },
    });
    recordStage(m, t, r, policy);
    // Tenant records are written at once; the function's when the middleware flushes.
    const tenantRecords = emf();
    m.publishStoredMetrics();
    const all = emf();
    const fn = all.at(-1)!;
    expect(fn._aws.CloudWatchMetrics[0]!.Namespace).toBe('Sluice');
    expect(fn._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service', 'stage']]);
    expect(fn.service).toBe('sluice');
    expect(fn.stage).toBe('prod');
    expect(fn.tenant).toBeUndefined();
    expect(names(fn)).toEqual(['ProcessArchiveOnly', 'ProcessBulkLatency', 'ProcessBulkRequests', 'ProcessBulkRetries', 'ProcessDeferred', 'ProcessDlq', 'ProcessIndexed', 'ProcessRecords']);
    expect(fn).toMatchObject({ ProcessRecords: 1210, ProcessIndexed: 1100, ProcessDeferred: 100, ProcessDlq: 5, ProcessArchiveOnly: 5, ProcessBulkRequests: 3 });
    expect(fn.ProcessBulkLatency).toEqual([12.5, 40, 7]);
    expect(unit(fn, 'ProcessBulkLatency')).toBe('Milliseconds');
    expect(unit(fn, 'ProcessDlq')).toBe('Count');

    // maxTenants 3: the two with DLQ records first (ent has more events than broken), then the biggest.
    expect(tenantRecords.map((e) => e.tenant)).toEqual(['ent', 'broken', 'big']);
    for (const e of tenantRecords) {
      expect(e._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service', 'stage', 'tenant']]);
      expect(e.stage).toBe('prod');
    }
    const ent = tenantRecords[0]!;
    expect(names(ent)).toEqual(['ProcessArchiveOnly', 'ProcessDeferred', 'ProcessDlq', 'ProcessIndexed', 'ProcessRecords']);
    expect(ent).toMatchObject({ ProcessRecords: 192, ProcessIndexed: 184, ProcessDlq: 3, ProcessArchiveOnly: 5, ProcessDeferred: 0 });
    expect(tenantRecords[2]).toMatchObject({ tenant: 'big', ProcessRecords: 1000, ProcessDeferred: 100 });
    expect(names(tenantRecords[2]!)).not.toContain('ProcessArchiveOnly');
  });

  it('names the deferred stage\'s metrics after it, and reports sampled-out records only when sampling', () => {
    const m = createMetrics('stg');
    recordStage(m, createMetrics('stg'), stageResult({ stage: 'deferred', records: 4, indexed: 1, deferred: 1, parked: 2 }), policy);
    m.publishStoredMetrics();
    const d = emf().at(-1)!;
    expect(names(d)).toEqual(['DeferredBulkRequests', 'DeferredBulkRetries', 'DeferredDlq', 'DeferredIndexed', 'DeferredParked', 'DeferredRecords', 'DeferredRedeferred']);
    expect(d).toMatchObject({ DeferredRecords: 4, DeferredParked: 2, DeferredRedeferred: 1, stage: 'stg' });

    lines = [];
    recordStage(m, createMetrics('stg'), stageResult({ records: 10, sampledOut: 7, indexed: 3 }), policy);
    m.publishStoredMetrics();
    expect(emf().at(-1)).toMatchObject({ ProcessSampledOut: 7, ProcessRecords: 10 });
  });

  it('keeps fewer than 100 latency values per record (one record, no early flush), spread over the distribution', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    const q = quantileSample(values);
    expect(q).toHaveLength(99);
    expect(q[0]).toBe(1);
    expect(q.at(-1)).toBe(1000);
    expect(q[49]).toBeGreaterThan(480);
    expect(q[49]).toBeLessThan(520);
    const m = createMetrics('prod');
    recordStage(m, createMetrics('prod'), stageResult({ bulkMs: values }), policy);
    m.publishStoredMetrics();
    const out = emf();
    expect(out).toHaveLength(1);
    expect((out[0]!.ProcessBulkLatency as number[]).length).toBe(99);
    expect(out[0]).toMatchObject({ ProcessRecords: 0, ProcessIndexed: 0 });
    expect(stageSummary(stageResult({ bulkMs: values, byTenant: { a: counts({}) } }))).toMatchObject({ bulkMsMax: 1000 });
    expect(stageSummary(stageResult({ bulkMs: values }))).not.toHaveProperty('byTenant');
  });
});

describe('ingest metrics', () => {
  it('counts accepted, truncated and spilled events per function (IngestSpilledEvents is what the alarm reads)', () => {
    const m = createMetrics('prod');
    const t = createMetrics('prod');
    recordIngest(m, t, { tenant: 'quiet', tier: 'shared', accepted: 4, truncated: 1, invalidUtf8: 0, bytes: 900, spilled: 4 }, policy);
    expect(emf()).toHaveLength(0); // a quiet shared-tier tenant gets no record of its own
    recordIngest(m, t, { tenant: 'loud', tier: 'shared', accepted: 500, truncated: 0, invalidUtf8: 2, bytes: 90_000, spilled: 0 }, policy);
    recordIngestRefused(m, 401);
    recordIngestRefused(m, 503);
    const tenantRec = emf();
    expect(tenantRec).toHaveLength(1);
    expect(tenantRec[0]).toMatchObject({ tenant: 'loud', IngestAccepted: 500, IngestBytes: 90_000, IngestSpilledEvents: 0 });
    expect(unit(tenantRec[0]!, 'IngestBytes')).toBe('Bytes');
    m.publishStoredMetrics();
    const fn = emf().at(-1)!;
    expect(fn._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['service', 'stage']]);
    // Two requests in one record: EMF keeps each value.
    expect(fn).toMatchObject({ IngestRequests: [1, 1], IngestAccepted: [4, 500], IngestTruncated: [1, 0], IngestSpilledEvents: [4, 0], IngestInvalidUtf8: [0, 2], IngestRefused: 1, IngestUnavailable: 1 });
  });
});

describe('protocol ingest metrics', () => {
  it('a protocol request counts as an ingest request (per function and per loud tenant) and in its protocol\'s own record', () => {
    const m = createMetrics('prod');
    const t = createMetrics('prod');
    recordProtocolIngest(m, t, { protocol: 'otlp', status: 200, tenant: 'loud', tier: 'shared', accepted: 300, rejected: 2, truncated: 1, bytes: 50_000, spilled: 0 }, policy);
    recordProtocolIngest(m, t, { protocol: 'es', status: 429, tenant: 'loud', accepted: 0, rejected: 0, truncated: 0, bytes: 0, spilled: 0 }, policy);
    recordProtocolIngest(m, t, { protocol: 'es', status: 200, accepted: 0, rejected: 0, truncated: 0, bytes: 0, spilled: 0 }, policy);
    const recs = emf();
    expect(recs.find((r) => r.tenant === 'loud')).toMatchObject({ IngestAccepted: 300, IngestBytes: 50_000, IngestTruncated: 1 });
    const byProtocol = recs.filter((r) => r.protocol !== undefined);
    expect(byProtocol.map((r) => r._aws.CloudWatchMetrics[0]!.Dimensions)).toEqual([[['service', 'stage', 'protocol']], [['service', 'stage', 'protocol']], [['service', 'stage', 'protocol']]]);
    expect(byProtocol[0]).toMatchObject({ protocol: 'otlp', ProtocolRequests: 1, ProtocolAccepted: 300, ProtocolRejected: 2, ProtocolBytes: 50_000 });
    expect(byProtocol[1]).toMatchObject({ protocol: 'es', ProtocolRequests: 1, ProtocolRefused: 1 });
    expect(byProtocol[2]).toMatchObject({ protocol: 'es', ProtocolRequests: 1, ProtocolProbes: 1 });
    expect(byProtocol[0]).not.toHaveProperty('tenant');
    m.publishStoredMetrics();
    expect(emf().at(-1)).toMatchObject({ IngestRequests: 1, IngestAccepted: 300, IngestRefused: 1 });
  });
});

describe('selectTenants', () => {
  it('keeps DLQ tenants, dedicated tiers and loud tenants, DLQ first then by volume, capped', () => {
    const list = [
      { tenant: 'a', events: 5, dlq: 0, tier: 'shared' as const },
      { tenant: 'b', events: 150, dlq: 0, tier: 'shared' as const },
      { tenant: 'c', events: 1, dlq: 1, tier: undefined },
      { tenant: 'd', events: 50, dlq: 0, tier: 'daily' as const },
      { tenant: 'e', events: 99, dlq: 0, tier: 'shared' as const },
    ];
    expect(selectTenants(list, { minEvents: 100, maxTenants: 10 }).map((t) => t.tenant)).toEqual(['c', 'b', 'd']);
    expect(selectTenants(list, { minEvents: 100, maxTenants: 1 }).map((t) => t.tenant)).toEqual(['c']);
    expect(selectTenants(list, { minEvents: 0, maxTenants: 0 })).toEqual([]);
  });
});
