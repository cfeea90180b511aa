// Where things live and which ports they use: everything here is read from the environment with
// defaults, so tests, `npm start` and the CLI agree on one set of endpoints.
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVICES = ['kafka', 'opensearch', 's3', 'dynamodb', 'kinesis'] as const;
export type ServiceName = (typeof SERVICES)[number];

export function isServiceName(name: string): name is ServiceName {
  return (SERVICES as readonly string[]).includes(name);
}

/** The repository root (local/services/ is two levels below it). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** This folder (for the pom files and the kinesalite entry script). */
export const SERVICES_DIR = dirname(fileURLToPath(import.meta.url));

export const HOST = '127.0.0.1';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`${name}=${raw} is not a port number`);
  return n;
}

function envStr(name: string, fallback: string): string {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? fallback : raw;
}

/** Downloads and builds, outside the repo: ${SLUICE_CACHE:-~/.cache/sluice}. */
export function cacheDir(): string {
  return resolve(envStr('SLUICE_CACHE', join(homedir(), '.cache', 'sluice')));
}

/** Runtime state (data, logs, pid files): ${SLUICE_STATE:-<repo>/.sluice}. */
export function stateDir(): string {
  return resolve(envStr('SLUICE_STATE', join(REPO_ROOT, '.sluice')));
}

/** Maven's local repository: ~/.m2/repository unless SLUICE_MAVEN_REPO says otherwise. */
export function mavenRepo(): string | undefined {
  const raw = process.env['SLUICE_MAVEN_REPO'];
  return raw === undefined || raw === '' ? undefined : resolve(raw);
}

export function logFile(name: ServiceName): string {
  return join(stateDir(), 'logs', `${name}.log`);
}

export function pidFile(name: ServiceName): string {
  return join(stateDir(), 'pids', `${name}.json`);
}

export function serviceStateDir(name: ServiceName): string {
  return join(stateDir(), name);
}

export interface Ports {
  kafka: number;
  kafkaController: number;
  opensearch: number;
  opensearchTransport: number;
  s3: number;
  s3Console: number;
  dynamodb: number;
  kinesis: number;
}

export function ports(): Ports {
  return {
    kafka: envInt('SLUICE_KAFKA_PORT', 9092),
    kafkaController: envInt('SLUICE_KAFKA_CONTROLLER_PORT', 9093),
    opensearch: envInt('SLUICE_OPENSEARCH_PORT', 9200),
    opensearchTransport: envInt('SLUICE_OPENSEARCH_TRANSPORT_PORT', 9300),
    s3: envInt('SLUICE_S3_PORT', 9000),
    s3Console: envInt('SLUICE_S3_CONSOLE_PORT', 9001),
    dynamodb: envInt('SLUICE_DYNAMODB_PORT', 8000),
    kinesis: envInt('SLUICE_KINESIS_PORT', 4567),
  };
}

/** The port each service is probed on. */
export function mainPort(name: ServiceName): number {
  const p = ports();
  switch (name) {
    case 'kafka':
      return p.kafka;
    case 'opensearch':
      return p.opensearch;
    case 's3':
      return p.s3;
    case 'dynamodb':
      return p.dynamodb;
    case 'kinesis':
      return p.kinesis;
  }
}

export interface Endpoints {
  region: string;
  kafka: { brokers: string[]; bootstrap: string; host: string; port: number; controllerPort: number };
  opensearch: { url: string; host: string; port: number; transportPort: number };
  s3: {
    endpoint: string;
    host: string;
    port: number;
    consolePort: number;
    accessKeyId: string;
    secretAccessKey: string;
    region: string;
    forcePathStyle: true;
  };
  dynamodb: { endpoint: string; host: string; port: number; region: string; accessKeyId: string; secretAccessKey: string };
  kinesis: { endpoint: string; host: string; port: number; region: string; accessKeyId: string; secretAccessKey: string };
}

/** URLs, ports and credentials of every local service, from env with defaults. */
export function endpoints(): Endpoints {
  const p = ports();
  const region = envStr('SLUICE_LOCAL_REGION', 'us-east-1');
  // DynamoDB Local (-sharedDb) and kinesalite accept any credentials; MinIO checks its root user.
  const s3User = envStr('SLUICE_S3_ACCESS_KEY_ID', 'sluice');
  const s3Secret = envStr('SLUICE_S3_SECRET_ACCESS_KEY', 'sluice-local-secret');
  return {
    region,
    kafka: {
      brokers: [`${HOST}:${p.kafka}`],
      bootstrap: `${HOST}:${p.kafka}`,
      host: HOST,
      port: p.kafka,
      controllerPort: p.kafkaController,
    },
    opensearch: { url: `http://${HOST}:${p.opensearch}`, host: HOST, port: p.opensearch, transportPort: p.opensearchTransport },
    s3: {
      endpoint: `http://${HOST}:${p.s3}`,
      host: HOST,
      port: p.s3,
      consolePort: p.s3Console,
      accessKeyId: s3User,
      secretAccessKey: s3Secret,
      region,
      forcePathStyle: true,
    },
    dynamodb: { endpoint: `http://${HOST}:${p.dynamodb}`, host: HOST, port: p.dynamodb, region, accessKeyId: 'local', secretAccessKey: 'local' },
    kinesis: { endpoint: `http://${HOST}:${p.kinesis}`, host: HOST, port: p.kinesis, region, accessKeyId: 'local', secretAccessKey: 'local' },
  };
}

/**
 * The endpoints as environment variables (what the test setup exports and what adapters may read).
 * AWS_* are only suggestions: callers set them when the environment has none.
 */
export function endpointEnv(): Record<string, string> {
  const e = endpoints();
  return {
    SLUICE_KAFKA_BROKERS: e.kafka.brokers.join(','),
    SLUICE_OPENSEARCH_URL: e.opensearch.url,
    SLUICE_S3_ENDPOINT: e.s3.endpoint,
    SLUICE_S3_ACCESS_KEY_ID: e.s3.accessKeyId,
    SLUICE_S3_SECRET_ACCESS_KEY: e.s3.secretAccessKey,
    SLUICE_DYNAMODB_ENDPOINT: e.dynamodb.endpoint,
    SLUICE_KINESIS_ENDPOINT: e.kinesis.endpoint,
    SLUICE_LOCAL_REGION: e.region,
  };
}
