/**
 * What a terabyte of 300-byte events costs on AWS, from measured CPU time per event (the benches'
 * figures, or a load run's) and each function's memory setting (serverless.yml,
 * deploy/event-sources.json), with list prices kept here as named constants.
 *
 * Compute (Lambda arm64): a function configured with M MB gets M/1769 of a vCPU (a full one at
 * 1,769 MB); Node runs the work on one thread, so a CPU-bound invocation lasts
 * cpu / min(1, M/1769) seconds and is billed M/1024 GB for that long. Waiting (Kafka acks, bulk
 * answers) is billed too but is not in this figure: it is the compute floor, on the assumption that
 * a Graviton2 core does the work as fast as the core it was measured on.
 *
 * Beside it, the other cost drivers per TB: API Gateway requests, Lambda requests, and the
 * fixed-price clusters (MSK, OpenSearch) spread over an assumed volume (`ASSUMED.tbPerDay`).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import eventSources from '../deploy/event-sources.json' with { type: 'json' };

/**
 * List prices, US East (N. Virginia), on-demand, as published in 2024-2025. Lambda's arm64 duration
 * and request prices are those of the Lambda pricing page (aws.amazon.com/lambda/pricing, as
 * quoted by the stored copies of 2024 pricing guides); the API Gateway, MSK and OpenSearch prices
 * are the published list prices as remembered, not checked against a stored price list: check them
 * before quoting a figure that depends on them.
 */
export const PRICES = {
  source: 'AWS list prices, us-east-1, on-demand, 2024-2025 (Lambda: aws.amazon.com/lambda/pricing; others assumed, see bench/load-cost.ts)',
  /** Lambda arm64, first 7.5 billion GB-s a month. */
  lambdaArm64PerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  /** HTTP API, first 300 million requests a month; a request is metered in 512 KB increments. */
  apiGatewayHttpPerMillionRequests: 1.0,
  apiGatewayMeterBytes: 512 * 1024,
  /** MSK provisioned, kafka.m7g.large broker-hour; storage per GB-month. */
  mskBrokerHour: 0.204,
  mskStorageGbMonth: 0.1,
  /** OpenSearch Service, r6g.large.search instance-hour; gp3 storage per GB-month. */
  openSearchInstanceHour: 0.167,
  openSearchGp3GbMonth: 0.122,
} as const;

/** What the per-TB figures assume besides the prices. */
export const ASSUMED = {
  eventBytes: 300,
  /** Request size of the shippers (ingest's 1 MB requests; 3,495 events of 300 B + newline). */
  requestBytes: 1024 * 1024,
  /** Volume over which the clusters' hourly prices are spread. */
  tbPerDay: 1,
  mskBrokers: 3,
  /** Kafka keeps logs.raw this long, in 3 replicas; an envelope is this many times its event's bytes. */
  mskRetentionDays: 7,
  mskReplicas: 3,
  envelopeOverEvent: 1.7,
  openSearchNodes: 3,
  /** Index size on disk over raw bytes (one replica), and the plan retention it is kept for. */
  indexOverRaw: 1.1,
  openSearchReplicas: 2,
  openSearchRetentionDays: 15,
} as const;

const LAMBDA_FULL_VCPU_MB = 1769;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** A function's memorySize in serverless.yml, literal or from deploy/event-sources.json. */
export function functionMemoryMb(name: 'ingest' | 'process' | 'archive'): number {
  if (name === 'process') return eventSources.process.memoryMb;
  if (name === 'archive') return eventSources.archive.memoryMb;
  const yml = readFileSync(join(ROOT, 'serverless.yml'), 'utf8');
  const block = yml.slice(yml.indexOf('\n  ingest:\n'));
  const m = /\n {4}memorySize: (\d+)/.exec(block.slice(0, block.indexOf('\n    events:')));
  if (!m) throw new Error('serverless.yml: no memorySize for the ingest function');
  return Number(m[1]);
}

export const EVENTS_PER_TB = 1e12 / ASSUMED.eventBytes;
/** Issue 19's goal for compute (ingest + process + archive), USD per TB. */
export const COMPUTE_GOAL_USD_PER_TB = 0.5;

/** Lambda duration cost per TB for `cpuSecondsPerEvent` at `memoryMb`. */
export function lambdaComputePerTb(cpuSecondsPerEvent: number, memoryMb: number): number {
  const seconds = cpuSecondsPerEvent / Math.min(1, memoryMb / LAMBDA_FULL_VCPU_MB);
  return EVENTS_PER_TB * seconds * (memoryMb / 1024) * PRICES.lambdaArm64PerGbSecond;
}

/**
 * CPU seconds per event that `usdPerTb` buys at the cheapest CPU second Lambda sells: at or below
 * 1,769 MB a function gets that share of one vCPU, so its CPU second costs the same at any size;
 * above it, more. No memory setting makes events cheaper than this.
 */
export function cpuSecondsAllowedPerEvent(usdPerTb: number): number {
  return usdPerTb / (EVENTS_PER_TB * (LAMBDA_FULL_VCPU_MB / 1024) * PRICES.lambdaArm64PerGbSecond);
}

export interface CpuPerEvent {
  ingest?: number;
  process?: number;
  archive?: number;
  /** The process stage's essential work alone (bench/process.ts): the floor under its CPU path. */
  processEssential?: number;
}

export interface CostReport {
  prices: string;
  compute_usd_per_tb: { ingest: number | null; process: number | null; archive: number | null; total: number | null; goal: number };
  /**
   * What the goal allows: CPU microseconds per event for ingest, process and archive together at
   * the cheapest Lambda CPU second, and what the process stage's essential work alone costs (null
   * when not measured in the run).
   */
  goal_floor: { cpu_us_per_event_allowed: number; process_essential_usd_per_tb: number | null };
  other_usd_per_tb: Record<string, number>;
  basis: Record<string, string>;
}

const cents = (x: number) => Math.round(x * 1000) / 1000;

export function costPerTb(cpu: CpuPerEvent, basis: Record<string, string>): CostReport {
  const fn = (name: 'ingest' | 'process' | 'archive') => (cpu[name] === undefined ? null : cents(lambdaComputePerTb(cpu[name]!, functionMemoryMb(name))));
  const parts = { ingest: fn('ingest'), process: fn('process'), archive: fn('archive') };
  const known = Object.values(parts);
  const total = known.every((x) => x !== null) ? cents((known as number[]).reduce((a, b) => a + b, 0)) : null;
  const eventsPerRequest = Math.floor(ASSUMED.requestBytes / (ASSUMED.eventBytes + 1));
  const requests = EVENTS_PER_TB / eventsPerRequest;
  const meteredPerRequest = Math.ceil(ASSUMED.requestBytes / PRICES.apiGatewayMeterBytes);
  const hoursPerTb = 24 / ASSUMED.tbPerDay;
  const gbMonthsPerTb = (days: number, copies: number, factor: number) => 1000 * factor * copies * (days / 30);
  return {
    prices: PRICES.source,
    compute_usd_per_tb: { ...parts, total, goal: COMPUTE_GOAL_USD_PER_TB },
    goal_floor: {
      cpu_us_per_event_allowed: Math.round(cpuSecondsAllowedPerEvent(COMPUTE_GOAL_USD_PER_TB) * 1e7) / 10,
      process_essential_usd_per_tb: cpu.processEssential === undefined ? null : cents(lambdaComputePerTb(cpu.processEssential, functionMemoryMb('process'))),
    },
    other_usd_per_tb: {
      api_gateway_requests: cents((requests * meteredPerRequest * PRICES.apiGatewayHttpPerMillionRequests) / 1e6),
      lambda_requests: cents(((requests + EVENTS_PER_TB / eventSources.process.batchSize) * PRICES.lambdaPerMillionRequests) / 1e6),
      msk_brokers: cents(ASSUMED.mskBrokers * hoursPerTb * PRICES.mskBrokerHour),
      msk_storage: cents(gbMonthsPerTb(ASSUMED.mskRetentionDays, ASSUMED.mskReplicas, ASSUMED.envelopeOverEvent) * PRICES.mskStorageGbMonth),
      opensearch_instances: cents(ASSUMED.openSearchNodes * hoursPerTb * PRICES.openSearchInstanceHour),
      opensearch_storage: cents(gbMonthsPerTb(ASSUMED.openSearchRetentionDays, ASSUMED.openSearchReplicas, ASSUMED.indexOverRaw) * PRICES.openSearchGp3GbMonth),
    },
    basis: {
      ...basis,
      memory: `ingest ${functionMemoryMb('ingest')} MB, process ${functionMemoryMb('process')} MB, archive ${functionMemoryMb('archive')} MB (serverless.yml); arm64; ${ASSUMED.eventBytes} B events, ${eventsPerRequest} per 1 MB request`,
      clusters: `${ASSUMED.mskBrokers} MSK brokers and ${ASSUMED.openSearchNodes} OpenSearch nodes spread over ${ASSUMED.tbPerDay} TB/day; Kafka ${ASSUMED.mskRetentionDays} d x ${ASSUMED.mskReplicas} replicas, index ${ASSUMED.openSearchRetentionDays} d x ${ASSUMED.openSearchReplicas} copies`,
    },
  };
}
