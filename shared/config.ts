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

export const dynamodb = () => ({
  endpoint: localEndpoint('DYNAMODB_ENDPOINT', 'SLUICE_DYNAMODB_PORT', '8000'),
  tenantsTable: str('TENANTS_TABLE', `sluice-tenants-${stage()}`),
  budgetTable: str('BUDGET_TABLE', `sluice-budget-${stage()}`),
});

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
