/**
 * Configuration from the environment, in one place.
 *
 * Locally every value has a default that points at the services `npm run services:up` starts on
 * 127.0.0.1. On AWS, serverless.yml sets them per stage. Each getter reads `process.env` when it is
 * called, so tests can point a module at other servers without re-importing it.
 */

function str(name: string, fallback: string): string {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : v;
}

function int(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    throw new Error(`${name}=${JSON.stringify(raw)} is not a non-negative number; unset it or give a number.`);
  }
  return n;
}

function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const v = str(name, fallback);
  if (!(allowed as readonly string[]).includes(v)) {
    throw new Error(`${name}=${JSON.stringify(v)} is not one of ${allowed.join(', ')}.`);
  }
  return v as T;
}

export const stage = (): string => str('SLUICE_STAGE', 'local');
export const region = (): string => str('AWS_REGION', str('AWS_DEFAULT_REGION', 'us-east-1'));

/** True when talking to the local services (endpoints given explicitly, no IAM). */
export const isLocal = (): boolean => stage() === 'local' || process.env.IS_OFFLINE === 'true';

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
  produceTimeoutMs: int('KAFKA_PRODUCE_TIMEOUT_MS', 5000),
  connectTimeoutMs: int('KAFKA_CONNECT_TIMEOUT_MS', 2000),
});

export const opensearch = () => ({
  url: str('OPENSEARCH_URL', `http://127.0.0.1:${str('SLUICE_OPENSEARCH_PORT', '9200')}`),
  /** `sigv4`: sign requests with the function's role (Amazon OpenSearch Service). */
  auth: oneOf('OPENSEARCH_AUTH', ['none', 'sigv4'] as const, 'none'),
});

/** Local endpoints for the AWS SDK clients; undefined on AWS (the SDK picks the regional endpoint). */
const localEndpoint = (envName: string, portEnv: string, port: string): string | undefined => {
  const explicit = process.env[envName];
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
  maxBodyBytes: int('SLUICE_MAX_BODY_BYTES', 6 * 1024 * 1024),
  /** Largest single event; longer ones are truncated and flagged. */
  maxEventBytes: int('SLUICE_MAX_EVENT_BYTES', 1024 * 1024),
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
    throw new Error(
      `SLUICE_INDEX_PREFIX=${JSON.stringify(p)} is not a valid index prefix: lower-case letters and digits in words joined by "-", ` +
        'at most 40 characters, starting with a letter, no word "logs", "summaries" or "tenant".',
    );
  }
  checkedPrefix = p;
  return p;
}

/**
 * Days the per-minute summaries (`<prefix>-summaries-YYYY.MM`) are kept after their month ended:
 * SLUICE_SUMMARY_RETENTION_DAYS, 400 by default (13 months); 0 keeps them for ever.
 */
export const summaryRetentionDays = (): number => Math.floor(int('SLUICE_SUMMARY_RETENTION_DAYS', 400));

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
  const raw = str('SLUICE_SAMPLE_FRACTION', '1');
  const sampleFraction = Number(raw);
  if (!Number.isFinite(sampleFraction) || sampleFraction <= 0 || sampleFraction > 1) {
    throw new Error(`SLUICE_SAMPLE_FRACTION=${JSON.stringify(raw)} must be a number in (0, 1].`);
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

// --- ingest: the hard ceiling per tenant (issue 16) -------------------------------------------------

function positive(name: string, fallback: number, integer: boolean): number {
  const n = int(name, fallback);
  if (n <= 0 || (integer && !Number.isSafeInteger(n))) {
    throw new Error(`${name}=${JSON.stringify(process.env[name])} must be a positive ${integer ? 'integer' : 'number'}; unset it for ${fallback}.`);
  }
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
