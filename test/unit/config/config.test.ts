/**
 * Settings: read only in shared/config.ts, validated there, and a bad value stops a function when its
 * module is built (cold start) with a message that names the variable, its value and what is allowed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as config from '../../../shared/config.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const saved = { ...process.env };
afterEach(() => {
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
  config.overrideSettings({ KAFKA_BROKERS: undefined, OPENSEARCH_URL: undefined });
  vi.resetModules();
});

describe('one place reads the environment', () => {
  it('no file in shared/ or functions/ but shared/config.ts mentions process.env', () => {
    const files = [...sources(join(ROOT, 'shared')), ...sources(join(ROOT, 'functions'))];
    expect(files.length).toBeGreaterThan(50);
    const offenders = files
      .filter((f) => relative(ROOT, f) !== join('shared', 'config.ts'))
      .filter((f) => /process\s*\.\s*env|process\s*\[\s*['"]env['"]\s*\]/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });
});

describe('a bad value throws, naming the variable, the value and what is allowed', () => {
  it.each([
    ['SLUICE_BULK_CONCURRENCY', 'three', () => config.bulkConcurrency(), /SLUICE_BULK_CONCURRENCY="three".*whole number from 1 to 64/],
    ['SLUICE_BULK_CONCURRENCY', '0', () => config.bulkConcurrency(), /SLUICE_BULK_CONCURRENCY="0"/],
    ['SLUICE_MAX_BULK_BYTES', '-5', () => config.maxBulkBytes(), /SLUICE_MAX_BULK_BYTES="-5".*whole number from 65536 to 104857600/],
    ['SLUICE_TEMPLATES_MAX_CLUSTERS', '2.5', () => config.templatesMaxClusters(), /SLUICE_TEMPLATES_MAX_CLUSTERS="2.5".*whole number 1 or more/],
    ['SLUICE_TEMPLATES_MAX_TENANTS', 'lots', () => config.templatesMaxTenants(), /SLUICE_TEMPLATES_MAX_TENANTS="lots"/],
    ['SLUICE_DEFER_MAX_PARK_MS', 'NaN', () => config.deferMaxParkMs(), /SLUICE_DEFER_MAX_PARK_MS="NaN"/],
    ['SLUICE_TOPIC_PARTITIONS', '0', () => config.topicPartitions(), /SLUICE_TOPIC_PARTITIONS="0"/],
    ['SLUICE_TENANT_METRICS_MAX', 'Infinity', () => config.tenantMetrics(), /SLUICE_TENANT_METRICS_MAX="Infinity"/],
    ['SLUICE_ARCHIVE_GZIP_LEVEL', '11', () => config.archive(), /SLUICE_ARCHIVE_GZIP_LEVEL="11".*from 0 to 9/],
    ['SLUICE_ARCHIVE_UPLOAD_CONCURRENCY', '0x10', () => config.archive(), /SLUICE_ARCHIVE_UPLOAD_CONCURRENCY="0x10"/],
    ['KAFKA_PRODUCE_TIMEOUT_MS', '5s', () => config.kafka(), /KAFKA_PRODUCE_TIMEOUT_MS="5s"/],
    ['KAFKA_AUTH', 'sasl', () => config.kafka(), /KAFKA_AUTH="sasl".*one of none, iam/],
    ['OPENSEARCH_AUTH', 'basic', () => config.opensearch(), /OPENSEARCH_AUTH="basic".*one of none, sigv4/],
    ['LOG_LEVEL', 'LOUD', () => config.logLevel(), /LOG_LEVEL="LOUD".*one of TRACE, DEBUG, INFO/],
    ['SLUICE_SAMPLE_FRACTION', '1.5', () => config.staging(), /SLUICE_SAMPLE_FRACTION="1.5".*\(0, 1\]/],
    ['SLUICE_INDEX_PREFIX', 'Sluice_Logs', () => config.indexPrefix(), /SLUICE_INDEX_PREFIX="Sluice_Logs"/],
    ['SLUICE_HTTP_PORT', '70000', () => config.httpPort(), /SLUICE_HTTP_PORT="70000".*from 0 to 65535/],
    ['SLUICE_CEILING_FACTOR', 'ten', () => config.ingestCeiling(), /SLUICE_CEILING_FACTOR="ten".*positive number/],
    ['SLUICE_CEILING_FACTOR', '0', () => config.ingestCeiling(), /SLUICE_CEILING_FACTOR="0"/],
    ['SLUICE_MAX_EVENTS_PER_REQUEST', '1.5', () => config.ingestCeiling(), /SLUICE_MAX_EVENTS_PER_REQUEST="1.5".*whole number 1 or more/],
  ])('%s=%s', (name, value, read, message) => {
    process.env[name] = value;
    expect(read).toThrow(config.SettingError);
    expect(read).toThrow(message);
  });

  it('good values and defaults are read as numbers', () => {
    expect(config.bulkConcurrency()).toBe(3);
    process.env.SLUICE_BULK_CONCURRENCY = ' 8 ';
    expect(config.bulkConcurrency()).toBe(8);
    process.env.SLUICE_BULK_CONCURRENCY = '';
    expect(config.bulkConcurrency()).toBe(3);
    process.env.SLUICE_CEILING_FACTOR = '2.5';
    expect(config.ingestCeiling().factor).toBe(2.5);
    process.env.LOG_LEVEL = 'debug';
    expect(config.logLevel()).toBe('DEBUG');
    expect(config.archive()).toMatchObject({ group: 'sluice-archiver', marginMs: 60_000, uploadConcurrency: 8, gzipLevel: 6 });
  });

  it('overrides (the setup resource learning the endpoints) win over the environment and can be removed', () => {
    process.env.OPENSEARCH_URL = 'http://127.0.0.1:1';
    config.overrideSettings({ OPENSEARCH_URL: 'https://search.example:443', KAFKA_BROKERS: 'b-1:9098,b-2:9098' });
    expect(config.opensearch().url).toBe('https://search.example:443');
    expect(config.kafka().brokers).toEqual(['b-1:9098', 'b-2:9098']);
    config.overrideSettings({ OPENSEARCH_URL: undefined });
    expect(config.opensearch().url).toBe('http://127.0.0.1:1');
  });
});

describe('a bad value stops the function at cold start', () => {
  it('SLUICE_BULK_CONCURRENCY=three: loading the process handler throws (it used to give NaN and index nothing)', async () => {
    process.env.SLUICE_BULK_CONCURRENCY = 'three';
    await expect(import('../../../functions/process.ts')).rejects.toThrow(/SLUICE_BULK_CONCURRENCY="three" is not allowed: give a whole number from 1 to 64/);
  }, 60_000);

  it('the stage dependencies refuse it too', async () => {
    process.env.SLUICE_BULK_CONCURRENCY = 'three';
    const { defaultDeps, resetDefaultDeps } = await import('../../../shared/process/deps.ts');
    resetDefaultDeps();
    expect(() => defaultDeps()).toThrow(/SLUICE_BULK_CONCURRENCY="three"/);
  });

  it.each([
    ['ingest', 'SLUICE_MAX_EVENT_BYTES', 'big'],
    ['deferred', 'SLUICE_DEFER_MAX_PARK_MS', '-1'],
    ['drain', 'KAFKA_PRODUCE_TIMEOUT_MS', 'soon'],
    ['archive', 'SLUICE_ARCHIVE_ROUND_BYTES', '1e400'],
    ['retention', 'SLUICE_SUMMARY_RETENTION_DAYS', 'forever'],
    ['setup', 'SLUICE_TOPIC_REPLICAS', '0'],
    ['process', 'LOG_LEVEL', 'chatty'],
  ])('%s with %s=%s', async (fn, name, value) => {
    process.env[name] = value;
    await expect(import(`../../../functions/${fn}.ts`)).rejects.toThrow(`${name}=${JSON.stringify(value)} is not allowed`);
  }, 60_000);

  it('with good settings every handler module loads', async () => {
    for (const fn of ['ingest', 'process', 'deferred', 'drain', 'archive', 'retention', 'setup']) {
      const mod = (await import(`../../../functions/${fn}.ts`)) as { handler: unknown };
      expect(typeof mod.handler, fn).toBe('function');
    }
  }, 60_000);
});
