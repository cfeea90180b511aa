/**
 * CloudWatch metrics (EMF through Powertools), and which of them carry a tenant.
 *
 * Cardinality: every distinct (metric name, dimension values) is a custom metric that CloudWatch bills
 * by the month, so a `tenant` dimension on every metric for every tenant would cost more than the
 * pipeline. Two kinds of EMF record are written instead:
 *
 *  - per function, dimensions {service, stage}: every metric, every invocation (what the alarms and
 *    the dashboard read); a handful of series per stage whatever the number of tenants;
 *  - per tenant, dimensions {service, stage, tenant}: the same metric names, a few of them, in a
 *    separate EMF record per tenant, written only for the tenants worth a series (`selectTenants`):
 *    tenants with DLQ records in the invocation (rare and actionable), tenants on a dedicated index
 *    tier (daily/hourly: the large, paying tenants, few by construction), and any tenant with at least
 *    SLUICE_TENANT_METRICS_MIN_EVENTS events in the invocation (a shared-tier tenant that bursts);
 *    at most SLUICE_TENANT_METRICS_MAX tenants per invocation (DLQ first, then by volume).
 *
 * Every tenant's exact counts (events, bytes, indexed, deferred, DLQ, levels, templates) are in the
 * per-minute summaries (`<prefix>-summaries-*`, `logs.summary`) anyway: CloudWatch gets what alarms
 * and dashboards need, the summaries get the long tail.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import * as config from './config.ts';
import type { IndexTier } from './tenants/plans.ts';

export const NAMESPACE = 'Sluice';
export const SERVICE = 'sluice';

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** A Metrics instance with the default dimensions {service, stage}. */
export function createMetrics(stage: string = config.stage()): Metrics {
  return new Metrics({ namespace: NAMESPACE, serviceName: SERVICE, defaultDimensions: { stage } });
}

export interface TenantMetricsPolicy {
  /** Events in one invocation from which a shared-tier tenant gets its own series. */
  minEvents: number;
  /** Most tenant records per invocation. */
  maxTenants: number;
}

export function tenantMetricsPolicy(): TenantMetricsPolicy {
  return config.tenantMetrics();
}

export interface TenantActivity {
  tenant: string;
  events: number;
  dlq: number;
  tier: IndexTier | undefined;
}

/** The tenants that get per-tenant series this invocation, most important first. Pure. */
export function selectTenants<T extends TenantActivity>(list: readonly T[], policy: TenantMetricsPolicy): T[] {
  return list
    .filter((t) => t.dlq > 0 || t.tier === 'daily' || t.tier === 'hourly' || t.events >= policy.minEvents)
    .sort((a, b) => Number(b.dlq > 0) - Number(a.dlq > 0) || b.events - a.events || a.tenant.localeCompare(b.tenant))
    .slice(0, policy.maxTenants);
}

/** Writes one EMF record with dimensions {service, stage, tenant} now. */
export function publishTenant(sink: Metrics, tenant: string, values: ReadonlyArray<readonly [string, Unit, number]>): void {
  if (values.length === 0) return;
  sink.addDimension('tenant', tenant);
  for (const [name, unit, value] of values) sink.addMetric(name, unit, value);
  sink.publishStoredMetrics();
}

/**
 * At most `max` values that keep the distribution (quantiles of the sorted values). Pure. 99 by
 * default: Powertools flushes a record early when one metric reaches 100 values.
 */
export function quantileSample(values: readonly number[], max = 99): number[] {
  if (values.length <= max) return [...values];
  const sorted = [...values].sort((a, b) => a - b);
  return Array.from({ length: max }, (_, i) => sorted[Math.round((i * (sorted.length - 1)) / (max - 1))]!);
}

// --- ingest -------------------------------------------------------------------------------------

export interface IngestOutcome {
  tenant: string;
  tier: IndexTier;
  accepted: number;
  truncated: number;
  invalidUtf8: number;
  bytes: number;
  /** Events written to the Kinesis spill stream instead of Kafka. */
  spilled: number;
}

export function recordIngest(m: Metrics, tenantSink: Metrics, r: IngestOutcome, policy = tenantMetricsPolicy()): void {
  m.addMetric('IngestRequests', MetricUnit.Count, 1);
  m.addMetric('IngestAccepted', MetricUnit.Count, r.accepted);
  m.addMetric('IngestTruncated', MetricUnit.Count, r.truncated);
  m.addMetric('IngestInvalidUtf8', MetricUnit.Count, r.invalidUtf8);
  m.addMetric('IngestBytes', MetricUnit.Bytes, r.bytes);
  m.addMetric('IngestSpilledEvents', MetricUnit.Count, r.spilled);
  if (selectTenants([{ tenant: r.tenant, events: r.accepted, dlq: 0, tier: r.tier }], policy).length > 0) {
    publishTenant(tenantSink, r.tenant, [
      ['IngestAccepted', MetricUnit.Count, r.accepted],
      ['IngestBytes', MetricUnit.Bytes, r.bytes],
      ['IngestTruncated', MetricUnit.Count, r.truncated],
      ['IngestSpilledEvents', MetricUnit.Count, r.spilled],
    ]);
  }
}

/** A refused request (4xx) or one nothing could store (503). */
export function recordIngestRefused(m: Metrics, status: number): void {
  m.addMetric(status >= 500 ? 'IngestUnavailable' : 'IngestRefused', MetricUnit.Count, 1);
}

/** A shipper protocol's request (served by shared/ingest/protocols): what `recordProtocolIngest` counts. */
export interface ProtocolOutcome {
  /** 'otlp', 'es', 'hec', 'loki', 'firehose'. */
  protocol: string;
  /** The HTTP status answered. */
  status: number;
  /** Set once the token named a tenant; absent for probes (ES cluster info, HEC health) and refused tokens. */
  tenant?: string | undefined;
  tier?: IndexTier | undefined;
  accepted: number;
  /** Records refused one by one inside an accepted request (OTLP partial_success, bulk item errors). */
  rejected: number;
  truncated: number;
  bytes: number;
  spilled: number;
}

/**
 * A protocol request, counted as native requests are (the same Ingest* metrics per function, and
 * per tenant for the tenants worth a series), plus one record per request with dimensions
 * {service, stage, protocol}: ProtocolRequests, ProtocolAccepted, ProtocolRejected, ProtocolBytes,
 * or ProtocolRefused / ProtocolProbes. Five protocols: a handful of series.
 */
export function recordProtocolIngest(m: Metrics, sink: Metrics, o: ProtocolOutcome, policy = tenantMetricsPolicy()): void {
  const ok = o.status < 400;
  if (ok && o.tenant !== undefined) {
    recordIngest(m, sink, { tenant: o.tenant, tier: o.tier ?? 'shared', accepted: o.accepted, truncated: o.truncated, invalidUtf8: 0, bytes: o.bytes, spilled: o.spilled }, policy);
  } else if (!ok) recordIngestRefused(m, o.status);
  sink.addDimension('protocol', o.protocol);
  sink.addMetric('ProtocolRequests', MetricUnit.Count, 1);
  if (!ok) sink.addMetric(o.status >= 500 ? 'ProtocolUnavailable' : 'ProtocolRefused', MetricUnit.Count, 1);
  else if (o.tenant === undefined) sink.addMetric('ProtocolProbes', MetricUnit.Count, 1);
  else {
    sink.addMetric('ProtocolAccepted', MetricUnit.Count, o.accepted);
    sink.addMetric('ProtocolRejected', MetricUnit.Count, o.rejected);
    sink.addMetric('ProtocolBytes', MetricUnit.Bytes, o.bytes);
  }
  sink.publishStoredMetrics();
}

// --- process and deferred -----------------------------------------------------------------------

/**
 * What the metrics read of a stage's result (shared/process's StageResult has these fields; kept
 * structural here so this module does not import the stage).
 */
export interface StageFigures {
  stage: 'process' | 'deferred';
  records: number;
  indexed: number;
  deferred: number;
  dlq: number;
  archiveOnly: number;
  sampledOut: number;
  parked: number;
  bulkRequests: number;
  bulkRetries: number;
  bulkMs: number[];
  byTenant: Record<string, { records: number; indexed: number; deferred: number; dlq: number; archiveOnly: number; tier: IndexTier | undefined }>;
}

const STAGE_METRICS = {
  process: { prefix: 'Process', deferred: 'ProcessDeferred' },
  deferred: { prefix: 'Deferred', deferred: 'DeferredRedeferred' },
} as const;

/** The stage's per-function metrics on `m` (flushed by the handler's middleware) and its tenant records now. */
export function recordStage(m: Metrics, tenantSink: Metrics, r: StageFigures, policy = tenantMetricsPolicy()): void {
  const n = STAGE_METRICS[r.stage];
  const p = n.prefix;
  m.addMetric(`${p}Records`, MetricUnit.Count, r.records);
  m.addMetric(`${p}Indexed`, MetricUnit.Count, r.indexed);
  m.addMetric(n.deferred, MetricUnit.Count, r.deferred);
  m.addMetric(`${p}Dlq`, MetricUnit.Count, r.dlq);
  if (r.stage === 'process') {
    m.addMetric('ProcessArchiveOnly', MetricUnit.Count, r.archiveOnly);
    if (r.sampledOut > 0) m.addMetric('ProcessSampledOut', MetricUnit.Count, r.sampledOut);
  } else {
    m.addMetric('DeferredParked', MetricUnit.Count, r.parked);
  }
  m.addMetric(`${p}BulkRequests`, MetricUnit.Count, r.bulkRequests);
  m.addMetric(`${p}BulkRetries`, MetricUnit.Count, r.bulkRetries);
  for (const ms of quantileSample(r.bulkMs)) m.addMetric(`${p}BulkLatency`, MetricUnit.Milliseconds, ms);

  const activity = Object.entries(r.byTenant).map(([tenant, c]) => ({ tenant, events: c.records, dlq: c.dlq, tier: c.tier, c }));
  for (const { tenant, c } of selectTenants(activity, policy)) {
    const values: Array<[string, Unit, number]> = [
      [`${p}Records`, MetricUnit.Count, c.records],
      [`${p}Indexed`, MetricUnit.Count, c.indexed],
      [n.deferred, MetricUnit.Count, c.deferred],
      [`${p}Dlq`, MetricUnit.Count, c.dlq],
    ];
    if (c.archiveOnly > 0) values.push(['ProcessArchiveOnly', MetricUnit.Count, c.archiveOnly]);
    publishTenant(tenantSink, tenant, values);
  }
}

/** The result without the per-tenant and per-request detail (for a log line). */
export function stageSummary<R extends Pick<StageFigures, 'byTenant' | 'bulkMs'>>(r: R): Omit<R, 'byTenant' | 'bulkMs'> & { bulkMsMax: number } {
  const { byTenant: _t, bulkMs, ...rest } = r;
  return { ...rest, bulkMsMax: bulkMs.reduce((a, b) => (b > a ? b : a), 0) };
}

// --- archive and retention ----------------------------------------------------------------------

export function recordArchive(m: Metrics, r: { records: number; objects: number; invalid: number; rawBytes: number; gzBytes: number; lag: string }): void {
  m.addMetric('ArchivedEvents', MetricUnit.Count, r.records);
  m.addMetric('ArchivedObjects', MetricUnit.Count, r.objects);
  m.addMetric('ArchivedInvalidEvents', MetricUnit.Count, r.invalid);
  m.addMetric('ArchivedRawBytes', MetricUnit.Bytes, r.rawBytes);
  m.addMetric('ArchivedCompressedBytes', MetricUnit.Bytes, r.gzBytes);
  m.addMetric('ArchiveLag', MetricUnit.Count, Number(r.lag));
}

export function recordRetention(m: Metrics, r: { deletedIndices: number; deletedDocuments: number; left: number }): void {
  m.addMetric('RetentionDeletedIndices', MetricUnit.Count, r.deletedIndices);
  m.addMetric('RetentionDeletedDocuments', MetricUnit.Count, r.deletedDocuments);
  m.addMetric('RetentionActionsLeft', MetricUnit.Count, r.left);
}
