/**
 * Configuration from the environment, in one place.
 *
 * Locally every value has a default that points at the services `npm run services:up` starts on
 * 127.0.0.1. On AWS, serverless.yml sets them per stage. Each getter reads `process.env` when it is
 * called, so tests can point a module at other servers without re-importing it.
 *
 * This is the only module in shared/ and functions/ that reads `process.env` (test/unit/config
 * checks). Every getter validates what it reads and throws a SettingError naming the variable, its
 * value and what is allowed; each handler calls its getters when its module is built (see
 * shared/middleware.ts, `lambdaHandler`), so a bad value stops the function at its cold start.
 */
import { isRegionName } from './tenants/home.ts';

/**
 * A setting with a value the function cannot run with. Thrown by the getters, which every handler
 * calls when its module is built (cold start), so a bad deployment fails its first init with this
 * message instead of misbehaving on a request.
 */
export class SettingError extends Error {
  constructor(
    readonly variable: string,
    readonly value: string,
    readonly allowed: string,
  ) {
    super(`${variable}=${JSON.stringify(value)} is not allowed: ${allowed}. Fix the setting (or unset it for the default) and redeploy.`);
    this.name = 'SettingError';
  }
}

/**
 * Values set by the code itself (the setup custom resource learns the brokers and the OpenSearch
 * endpoint at deploy time); they win over the environment. `undefined` removes an override.
 */
const overrides = new Map<string, string>();

export function overrideSettings(values: Readonly<Record<string, string | undefined>>): void {
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) overrides.delete(k);
    else overrides.set(k, v);
  }
}

function raw(name: string): string | undefined {
  return overrides.has(name) ? overrides.get(name) : process.env[name];
}

function str(name: string, fallback: string): string {
  const v = raw(name);
  return v === undefined || v === '' ? fallback : v;
}

interface IntRange {
  min?: number;
  max?: number;
}

/** A whole number (decimal digits) in [min, max] (0 and Number.MAX_SAFE_INTEGER by default); unset or '' gives the fallback. */
function int(name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER }: IntRange = {}): number {
  const v = raw(name);
  if (v === undefined || v.trim() === '') return fallback;
  const n = /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : NaN; // decimal digits only: no 0x10, 1e3, 5s
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    throw new SettingError(name, v, `give a whole number ${range} (default ${fallback})`);
  }
  return n;
}

function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const v = str(name, fallback);
  if (!(allowed as readonly string[]).includes(v)) throw new SettingError(name, v, `give one of ${allowed.join(', ')} (default ${fallback})`);
  return v as T;
}

export const stage = (): string => str('SLUICE_STAGE', 'local');
export const region = (): string => str('AWS_REGION', str('AWS_DEFAULT_REGION', 'us-east-1'));

/** True when talking to the local services (endpoints given explicitly, no IAM). */
export const isLocal = (): boolean => stage() === 'local' || raw('IS_OFFLINE') === 'true';

export const topics = () =>
  ({
    raw: str('SLUICE_TOPIC_RAW', 'logs.raw'),
    deferred: str('SLUICE_TOPIC_DEFERRED', 'logs.deferred'),
    summary: str('SLUICE_TOPIC_SUMMARY', 'logs.summary'),
    dlq: str('SLUICE_TOPIC_DLQ', 'logs.dlq'),
  }) as const;

export const kafka = () => ({
  brokers: str('KAFKA_BROKERS', `127.0.0.1:${str('SLUICE_KAFKA_PORT', '9092')}`)
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean),
  /** `iam`: TLS + SASL/OAUTHBEARER signed with the function's role (MSK IAM). `none`: plaintext. */
  auth: oneOf('KAFKA_AUTH', ['none', 'iam'] as const, 'none'),
  compression: oneOf('KAFKA_COMPRESSION', ['none', 'gzip', 'zstd'] as const, 'zstd'),
  /** How long a produce may take before ingest gives up on Kafka and spills to Kinesis. */
  produceTimeoutMs: int('KAFKA_PRODUCE_TIMEOUT_MS', 5000, { min: 1 }),
  connectTimeoutMs: int('KAFKA_CONNECT_TIMEOUT_MS', 2000, { min: 1 }),
});

export const opensearch = () => ({
  url: str('OPENSEARCH_URL', `http://127.0.0.1:${str('SLUICE_OPENSEARCH_PORT', '9200')}`),
  /** `sigv4`: sign requests with the function's role (Amazon OpenSearch Service). */
  auth: oneOf('OPENSEARCH_AUTH', ['none', 'sigv4'] as const, 'none'),
});

/** Local endpoints for the AWS SDK clients; undefined on AWS (the SDK picks the regional endpoint). */
const localEndpoint = (envName: string, portEnv: string, port: string): string | undefined => {
  const explicit = raw(envName);
  if (explicit) return explicit;
  return isLocal() ? `http://127.0.0.1:${str(portEnv, port)}` : undefined;
};

export const s3 = () => ({
  endpoint: localEndpoint('S3_ENDPOINT', 'SLUICE_S3_PORT', '9000'),
  archiveBucket: str('ARCHIVE_BUCKET', `sluice-archive-${stage()}`),
});

export const dynamodb = () => {
  const tenantsTable = str('TENANTS_TABLE', `sluice-tenants-${stage()}`);
  return {
    endpoint: localEndpoint('DYNAMODB_ENDPOINT', 'SLUICE_DYNAMODB_PORT', '8000'),
    tenantsTable,
    /** Where process, deferred and retention read plans: SLUICE_PLANS_TABLE (a staging stage gives the source's), else the own registry. */
    plansTable: str('SLUICE_PLANS_TABLE', tenantsTable),
    budgetTable: str('BUDGET_TABLE', `sluice-budget-${stage()}`),
  };
};

export const kinesis = () => ({
  endpoint: localEndpoint('KINESIS_ENDPOINT', 'SLUICE_KINESIS_PORT', '4567'),
  spillStream: str('SPILL_STREAM', `sluice-spill-${stage()}`),
});

export const ingestLimits = () => ({
  /** Largest request body, on the wire and after decompression. */
  maxBodyBytes: int('SLUICE_MAX_BODY_BYTES', 6 * 1024 * 1024, { min: 1 }),
  /** Largest single event; longer ones are truncated and flagged. */
  maxEventBytes: int('SLUICE_MAX_EVENT_BYTES', 1024 * 1024, { min: 1 }),
});

export const tenantCacheTtlMs = (): number => int('SLUICE_TENANT_CACHE_TTL_MS', 60_000);

/**
 * Credentials for the local services. MinIO and kinesalite accept any SigV4 signature made with
 * these; on AWS, the SDK's default provider chain (the function's role) is used instead.
 */
export const localCredentials = () =>
  isLocal()
    ? {
        accessKeyId: str('AWS_ACCESS_KEY_ID', str('SLUICE_S3_ACCESS_KEY', 'sluice')),
        secretAccessKey: str('AWS_SECRET_ACCESS_KEY', str('SLUICE_S3_SECRET_KEY', 'sluice-local-secret')),
      }
    : undefined;

/**
 * Prefix of every index, alias and index template name (`<prefix>-logs-...`, `<prefix>-tenant-<id>`,
 * `<prefix>-summaries-...`). `sluice` by default; a staging deployment that shares an OpenSearch domain
 * uses its own. Lower-case words joined by `-`, none of them `logs`, `summaries` or `tenant` (so no
 * prefix's names can match another prefix's patterns).
 */
export const DEFAULT_INDEX_PREFIX = 'sluice';
const PREFIX_RE = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;
const RESERVED_PREFIX_WORDS = new Set(['logs', 'summaries', 'tenant']);
let checkedPrefix = DEFAULT_INDEX_PREFIX;

export function indexPrefix(): string {
  const p = str('SLUICE_INDEX_PREFIX', DEFAULT_INDEX_PREFIX);
  if (p === checkedPrefix) return p;
  if (p.length > 40 || !PREFIX_RE.test(p) || p.split('-').some((w) => RESERVED_PREFIX_WORDS.has(w))) {
    throw new SettingError(
      'SLUICE_INDEX_PREFIX',
      p,
      'give lower-case letters and digits in words joined by "-", at most 40 characters, starting with a letter, no word "logs", "summaries" or "tenant"',
    );
  }
  checkedPrefix = p;
  return p;
}

/**
 * Days the per-minute summaries (`<prefix>-summaries-YYYY.MM`) are kept after their month ended:
 * SLUICE_SUMMARY_RETENTION_DAYS, 400 by default (13 months); 0 keeps them for ever.
 */
export const summaryRetentionDays = (): number => int('SLUICE_SUMMARY_RETENTION_DAYS', 400);

/** The consumer group of this stage's process function on the raw topic (the MSK event source's). */
export const processGroup = (): string => `sluice-process-${stage()}`;

/**
 * Staging on another stage's traffic: SLUICE_SOURCE_STAGE names the stage whose raw topic this
 * deployment's process function reads (with its own consumer group), SLUICE_SAMPLE_FRACTION the share
 * of events it processes (by a stable hash of the event id). Throws when the settings would let this
 * deployment write into the source stage's topics or indices, or sample a stage that has no source
 * (a production stage never drops events from indexing).
 */
export function staging(): { sourceStage: string | undefined; sampleFraction: number } {
  const sourceStage = str('SLUICE_SOURCE_STAGE', '') || undefined;
  const fraction = str('SLUICE_SAMPLE_FRACTION', '1');
  const sampleFraction = fraction.trim() === '' ? NaN : Number(fraction);
  if (!Number.isFinite(sampleFraction) || sampleFraction <= 0 || sampleFraction > 1) {
    throw new SettingError('SLUICE_SAMPLE_FRACTION', fraction, 'give a number in (0, 1] (default 1)');
  }
  if (!sourceStage) {
    if (sampleFraction < 1) throw new Error('SLUICE_SAMPLE_FRACTION below 1 needs SLUICE_SOURCE_STAGE: only a staging deployment may skip events.');
    return { sourceStage, sampleFraction };
  }
  if (sourceStage === stage()) throw new Error(`SLUICE_SOURCE_STAGE must name another stage than this one (${stage()}).`);
  const t = topics();
  const shared = (['deferred', 'dlq', 'summary'] as const).filter((k) => t[k] === `logs.${k}`);
  if (shared.length > 0) {
    throw new Error(
      `A staging deployment (SLUICE_SOURCE_STAGE=${sourceStage}) must not write to the source stage's topics: set ` +
        shared.map((k) => `SLUICE_TOPIC_${k.toUpperCase()}`).join(', ') + ' to its own (e.g. logs.dlq.<stage>).',
    );
  }
  if (indexPrefix() === DEFAULT_INDEX_PREFIX) {
    throw new Error(`A staging deployment (SLUICE_SOURCE_STAGE=${sourceStage}) needs its own SLUICE_INDEX_PREFIX (e.g. sluice-${stage()}).`);
  }
  return { sourceStage, sampleFraction };
}

// --- runtime and logging ----------------------------------------------------------------------

export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** LOG_LEVEL (any case), INFO by default. */
export function logLevel(): LogLevel {
  const v = str('LOG_LEVEL', 'INFO');
  const up = v.toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(up)) throw new SettingError('LOG_LEVEL', v, `give one of ${LOG_LEVELS.join(', ')} (default INFO)`);
  return up as LogLevel;
}

/** True under `serverless invoke local`: a Lambda-like environment (LAMBDA_TASK_ROOT) without the Lambda runtime API. */
export const isCliInvoke = (): boolean => Boolean(raw('LAMBDA_TASK_ROOT')) && !raw('AWS_LAMBDA_RUNTIME_API');

// --- topics (shared/setup.ts) -------------------------------------------------------------------

/** Partitions of logs.raw and logs.deferred when setup creates them (SLUICE_TOPIC_PARTITIONS, 6). */
export const topicPartitions = (): number => int('SLUICE_TOPIC_PARTITIONS', 6, { min: 1, max: 10_000 });
/** Replicas of the topics setup creates (SLUICE_TOPIC_REPLICAS, 1: the local single broker). */
export const topicReplicas = (): number => int('SLUICE_TOPIC_REPLICAS', 1, { min: 1, max: 32 });

// --- metrics (shared/metrics.ts) ----------------------------------------------------------------

/** Which tenants get their own CloudWatch series (see shared/metrics.ts). */
export const tenantMetrics = () => ({
  minEvents: int('SLUICE_TENANT_METRICS_MIN_EVENTS', 1000),
  maxTenants: int('SLUICE_TENANT_METRICS_MAX', 25, { max: 1000 }),
});

// --- process and deferred (shared/process/deps.ts) ----------------------------------------------

/** Template clusters kept per tenant (SLUICE_TEMPLATES_MAX_CLUSTERS, 2000). */
export const templatesMaxClusters = (): number => int('SLUICE_TEMPLATES_MAX_CLUSTERS', 2000, { min: 1 });
/** Tenants whose miners one instance keeps in memory (SLUICE_TEMPLATES_MAX_TENANTS, 500). */
export const templatesMaxTenants = (): number => int('SLUICE_TEMPLATES_MAX_TENANTS', 500, { min: 1 });
/** Largest OpenSearch bulk request body (SLUICE_MAX_BULK_BYTES, 5 MiB; at most 100 MiB, the domain's HTTP limit). */
export const maxBulkBytes = (): number => int('SLUICE_MAX_BULK_BYTES', 5 * 1024 * 1024, { min: 64 * 1024, max: 100 * 1024 * 1024 });
/** Bulk requests in flight at once (SLUICE_BULK_CONCURRENCY, 3). */
export const bulkConcurrency = (): number => int('SLUICE_BULK_CONCURRENCY', 3, { min: 1, max: 64 });
/** Longest a deferred event is parked before it is indexed anyway (SLUICE_DEFER_MAX_PARK_MS, 120000). */
export const deferMaxParkMs = (): number => int('SLUICE_DEFER_MAX_PARK_MS', 120_000);

/** Every process/deferred setting, validated (what the stage's handlers check at cold start). */
export const stageSettings = () => ({
  templatesMaxClusters: templatesMaxClusters(),
  templatesMaxTenants: templatesMaxTenants(),
  maxBulkBytes: maxBulkBytes(),
  bulkConcurrency: bulkConcurrency(),
  deferMaxParkMs: deferMaxParkMs(),
  tenantCacheTtlMs: tenantCacheTtlMs(),
  staging: staging(),
  region: sluiceRegion(),
});

// --- archive (functions/archive.ts) -------------------------------------------------------------

export const archive = () => ({
  topic: topics().raw,
  bucket: s3().archiveBucket,
  /** The archiver's consumer group (SLUICE_ARCHIVE_GROUP, sluice-archiver). */
  group: str('SLUICE_ARCHIVE_GROUP', 'sluice-archiver'),
  /** Time kept, after reading stops, for compressing, uploading and committing (SLUICE_ARCHIVE_MARGIN_MS). */
  marginMs: int('SLUICE_ARCHIVE_MARGIN_MS', 60_000),
  /** Raw bytes read per round before it is written (SLUICE_ARCHIVE_ROUND_BYTES, 128 MiB). */
  maxRoundBytes: int('SLUICE_ARCHIVE_ROUND_BYTES', 128 * 1024 * 1024, { min: 1 }),
  uploadConcurrency: int('SLUICE_ARCHIVE_UPLOAD_CONCURRENCY', 8, { min: 1, max: 256 }),
  gzipLevel: int('SLUICE_ARCHIVE_GZIP_LEVEL', 6, { min: 0, max: 9 }),
});

// --- the local pipeline (local/) ----------------------------------------------------------------

/** Port of the local ingest URL (SLUICE_HTTP_PORT, 3000; 0 = any free port). */
export const httpPort = (): number => int('SLUICE_HTTP_PORT', 3000, { max: 65_535 });
/** Period of the local archive schedule in seconds (SLUICE_ARCHIVE_EVERY_S, 300; 0 = none). */
export const archiveEverySeconds = (): number => int('SLUICE_ARCHIVE_EVERY_S', 300);

// --- ingest: the hard ceiling per tenant (issue 16) -------------------------------------------------

/** A positive number (whole when `integer`); unset or '' gives the fallback. */
function positive(name: string, fallback: number, integer: boolean): number {
  if (integer) return int(name, fallback, { min: 1 });
  const v = raw(name);
  if (v === undefined || v.trim() === '') return fallback;
  const n = /^\d+(\.\d+)?$/.test(v.trim()) ? Number(v.trim()) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw new SettingError(name, v, `give a positive number (default ${fallback})`);
  return n;
}

/**
 * The hard ceiling at ingest, far above the budgets: SLUICE_CEILING_FACTOR (10) times the plan's
 * sustained events/s and bytes/s, counted over windows of SLUICE_CEILING_WINDOW_SECONDS (10, so a
 * burst of the whole window's allowance is fine); every event costs at least SLUICE_MIN_EVENT_BYTES
 * (256); at most SLUICE_MAX_EVENTS_PER_REQUEST (100,000) events per request.
 */
export const ingestCeiling = () => ({
  factor: positive('SLUICE_CEILING_FACTOR', 10, false),
  windowSeconds: positive('SLUICE_CEILING_WINDOW_SECONDS', 10, true),
  minEventBytes: positive('SLUICE_MIN_EVENT_BYTES', 256, true),
  maxEventsPerRequest: positive('SLUICE_MAX_EVENTS_PER_REQUEST', 100_000, true),
});

// --- coldstart: credentials for the signed-fetch adapters (shared/adapters/dynamodb-http.ts) ---------

/**
 * Credentials to sign requests with: the local services' (localCredentials()), else the function
 * role's, which Lambda puts in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
 */
export const awsCredentials = (): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } => {
  const local = localCredentials();
  if (local) return local;
  const accessKeyId = raw('AWS_ACCESS_KEY_ID');
  const secretAccessKey = raw('AWS_SECRET_ACCESS_KEY');
  if (!accessKeyId) throw new SettingError('AWS_ACCESS_KEY_ID', accessKeyId ?? '', 'run on Lambda (it sets the role\'s credentials) or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  if (!secretAccessKey) throw new SettingError('AWS_SECRET_ACCESS_KEY', '', 'set it beside AWS_ACCESS_KEY_ID');
  const sessionToken = raw('AWS_SESSION_TOKEN');
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
};

// --- read path: the query function (issue 22, functions/query.ts) ---------------------------------

/**
 * The read path's bounds: a search stops at SLUICE_QUERY_TIMEOUT_MS (10,000; OpenSearch's own
 * `timeout`, and the client gives up 2 s later); a tail long-polls up to SLUICE_TAIL_WAIT_MS (20,000;
 * under API Gateway's 30 s) and looks again every SLUICE_TAIL_POLL_MS (1,000).
 */
export const queryRead = () => ({
  timeoutMs: int('SLUICE_QUERY_TIMEOUT_MS', 10_000, { min: 100, max: 25_000 }),
  tailWaitMs: int('SLUICE_TAIL_WAIT_MS', 20_000, { max: 25_000 }),
  tailPollMs: int('SLUICE_TAIL_POLL_MS', 1_000, { min: 50, max: 10_000 }),
});

// --- regions (issue 21) ----------------------------------------------------------------------------

/**
 * The region this stack runs in, stamped on every envelope ingest writes and on every document and
 * summary the stage indexes: SLUICE_REGION, `local` unless set (serverless.yml sets it to the stack's
 * AWS region). Lower-case letters, digits and `-`, at most 32 characters (it is a keyword and part
 * of summary ids).
 */
export function sluiceRegion(): string {
  const v = str('SLUICE_REGION', 'local');
  if (!isRegionName(v)) throw new SettingError('SLUICE_REGION', v, 'give a region name: lower-case letters, digits and "-", starting with a letter, at most 32 characters (e.g. eu-west-1; default local)');
  return v;
}

/**
 * The ingest URL of each region, for the notice a tenant gets when it sends outside its home region
 * (shared/tenants/home.ts): SLUICE_REGION_URLS, `region=url` pairs separated by commas (e.g.
 * `us-east-1=https://logs-us.example.com,eu-west-1=https://logs-eu.example.com`); empty by default.
 */
export function regionIngestUrls(): Record<string, string> {
  const v = str('SLUICE_REGION_URLS', '');
  const out: Record<string, string> = {};
  for (const pair of v.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = pair.indexOf('=');
    const r = pair.slice(0, eq).trim();
    const url = pair.slice(eq + 1).trim();
    if (eq < 1 || !isRegionName(r) || !/^https?:\/\/[^\s,]+$/.test(url)) {
      throw new SettingError('SLUICE_REGION_URLS', v, 'give region=url pairs separated by commas, e.g. eu-west-1=https://logs-eu.example.com (default: none)');
    }
    out[r] = url;
  }
  return out;
}
