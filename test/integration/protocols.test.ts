/**
 * Real clients of the shippers' protocols against the local ingest URL (local/gateway.ts running
 * functions/ingest.ts), events checked on the real local Kafka under the tenant of the token:
 *
 *  - OTLP/HTTP: the OpenTelemetry JS SDK's OTLP log exporters from npm (protobuf and JSON), and the
 *    OpenTelemetry Collector (built by local/services/otelcol.ts with the Collector builder) running
 *    docs/shipping/otel-collector.yaml: a followed file (filelog -> protobuf) and OTLP from the SDK
 *    (otlp receiver -> JSON).
 *  - Elasticsearch bulk (/es): rsyslog's omelasticsearch (docs/shipping/rsyslog-elasticsearch.conf; rsyslog
 *    from Debian, extracted rather than installed: it conflicts with syslog-ng-core) and syslog-ng's
 *    elasticsearch-http() (docs/shipping/syslog-ng-elasticsearch.conf).
 *  - Splunk HEC: splunk-logging from npm (Splunk's own JavaScript HEC client).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeverityNumber } from '@opentelemetry/api';
import { OTLPLogExporter as ProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPLogExporter as JsonExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type LogRecordExporter, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { ensureOtelcol } from '../../local/services/otelcol.ts';
import { freePort, shipperRig, stopChild } from '../support/shipper-rig.ts';
import { ensureDebianPackages, extractedDebian } from '../support/debian-extract.ts';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { createRequire } from 'node:module';

const REPO = join(import.meta.dirname, '..', '..');
const rig = shipperRig('protocols');
const { run, tenantId, tmp } = rig;
const envelopesWith = rig.envelopesWith;
let token = '';
let url = '';



/** Records made by the SDK's LoggerProvider (captured in memory, then handed to the exporter under test). */
async function sdkRecords(marker: string, n: number): Promise<ReadableLogRecord[]> {
  const mem = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'billing', 'host.name': 'api-7' }),
    processors: [new SimpleLogRecordProcessor({ exporter: mem })],
  });
  const logger = provider.getLogger('billing.http', '2.0.0');
  for (let i = 0; i < n; i++) {
    logger.emit({ body: `invoice ${i} sent ${marker}`, severityNumber: SeverityNumber.INFO, severityText: 'INFO', attributes: { 'invoice.n': i } });
  }
  await provider.forceFlush();
  return mem.getFinishedLogRecords();
}

function exportWith(exporter: LogRecordExporter, records: ReadableLogRecord[]): Promise<{ code: number; error?: Error }> {
  return new Promise((resolve) => exporter.export(records, (r) => resolve(r as { code: number; error?: Error })));
}

beforeAll(async () => {
  await rig.start();
  ({ token, url } = rig);
});

afterAll(() => rig.stop());

describe('OTLP/HTTP from the OpenTelemetry JS SDK exporters', () => {
  it('protobuf (exporter-logs-otlp-proto) to /v1/logs and JSON (exporter-logs-otlp-http) to /v1/logs and /otlp/v1/logs', async () => {
    const m = { pb: `otel-pb-${run}`, json: `otel-json-${run}`, otlp: `otel-otlp-${run}` };
    const headers = { Authorization: `Bearer ${token}` };
    const pb = await exportWith(new ProtoExporter({ url: `${url}/v1/logs`, headers }), await sdkRecords(m.pb, 3));
    expect(pb.error).toBeUndefined();
    expect(pb.code).toBe(0);
    const js = await exportWith(new JsonExporter({ url: `${url}/v1/logs`, headers }), await sdkRecords(m.json, 2));
    expect(js.code).toBe(0);
    const js2 = await exportWith(new JsonExporter({ url: `${url}/otlp/v1/logs`, headers, compression: 'gzip' as never }), await sdkRecords(m.otlp, 2));
    expect(js2.code).toBe(0);

    const found = await envelopesWith(Object.values(m), 2);
    expect(found.get(m.pb)).toHaveLength(3);
    expect(found.get(m.json)).toHaveLength(2);
    expect(found.get(m.otlp)).toHaveLength(2);
    for (const envs of found.values()) {
      for (const e of envs) {
        expect(e).toMatchObject({ tenant: tenantId, source: 'billing', host: 'api-7' });
        const raw = JSON.parse(e.raw) as Record<string, unknown>;
        expect(raw).toMatchObject({ level: 'info', severity_number: 9, scope: { name: 'billing.http', version: '2.0.0' }, resource: { 'service.name': 'billing' } });
        expect(raw.message).toMatch(/^invoice \d sent /);
        expect(raw.timestamp).toMatch(/^\d{4}-\d\d-\d\dT/);
      }
    }
    expect(found.get(m.pb)!.map((e) => (JSON.parse(e.raw) as { attributes: { 'invoice.n': number } }).attributes['invoice.n']).sort()).toEqual([0, 1, 2]);
  });

  it('an unknown token fails the export (401, not retried) and stores nothing', async () => {
    const marker = `otel-bad-${run}`;
    const r = await exportWith(new ProtoExporter({ url: `${url}/v1/logs`, headers: { Authorization: 'Bearer slc_unknown' } }), await sdkRecords(marker, 1));
    expect(r.code).toBe(1);
    expect(String(r.error?.message)).toMatch(/401|Unauthorized|token/i);
    const good = `otel-after-bad-${run}`;
    expect((await exportWith(new ProtoExporter({ url: `${url}/v1/logs`, headers: { Authorization: `Bearer ${token}` } }), await sdkRecords(good, 1))).code).toBe(0);
    const found = await envelopesWith([good, marker], 1, 8_000);
    expect(found.get(good)).toHaveLength(1);
    expect(found.get(marker)).toHaveLength(0);
  });
});

describe('OpenTelemetry Collector (docs/shipping/otel-collector.yaml)', () => {
  let child: ChildProcess | undefined;
  let output = '';

  afterAll(() => stopChild(child));

  it('a followed file (filelog -> protobuf) and OTLP from an SDK (otlp receiver -> JSON) arrive under the tenant', async () => {
    const bin = await ensureOtelcol();
    const appLog = join(tmp, 'app.log');
    writeFileSync(appLog, '');
    const otlpPort = await freePort();
    const conf = readFileSync(join(REPO, 'docs', 'shipping', 'otel-collector.yaml'), 'utf8')
      .replaceAll('@SLUICE_URL@', url)
      .replaceAll('@SLUICE_TOKEN@', token)
      .replaceAll('@APP_LOG@', appLog)
      .replaceAll('@OTLP_PORT@', String(otlpPort));
    const confFile = join(tmp, 'otelcol.yaml');
    writeFileSync(confFile, conf);
    child = spawn(bin, ['--config', confFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    // Ready when the OTLP receiver listens.
    const deadline = Date.now() + 60_000;
    while (!/Everything is ready/.test(output)) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the Collector did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const file = `otelcol-file-${run}`;
    const viaSdk = `otelcol-sdk-${run}`;
    appendFileSync(appLog, `2026-12-01 10:00:00 ERROR payment failed ${file}\nsecond line ${file}\n`);
    const r = await exportWith(new ProtoExporter({ url: `http://127.0.0.1:${otlpPort}/v1/logs` }), await sdkRecords(viaSdk, 2));
    expect(r.code).toBe(0);

    const found = await envelopesWith([file, viaSdk], 2, 60_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\nCollector output:\n${output}`);
    });
    expect(found.get(file)!.map((e) => (JSON.parse(e.raw) as { message: string }).message).sort()).toEqual([`2026-12-01 10:00:00 ERROR payment failed ${file}`, `second line ${file}`]);
    for (const e of found.get(file)!) {
      expect(e).toMatchObject({ tenant: tenantId, source: 'app-file' });
      expect(JSON.parse(e.raw)).toMatchObject({ attributes: { 'log.file.name': 'app.log' } });
    }
    for (const e of found.get(viaSdk)!) expect(e).toMatchObject({ tenant: tenantId, source: 'billing', host: 'api-7' });
  }, 600_000);
});

/** A shipper process for one describe block: output collected, stopped (SIGTERM, then SIGKILL) after. */
function shipper(): { start(bin: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess; output(): string; stop(): Promise<void> } {
  let child: ChildProcess | undefined;
  let out = '';
  return {
    start(bin, args, env) {
      child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(env ? { env: { ...process.env, ...env } } : {}) });
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      return child;
    },
    output: () => out,
    stop: () => stopChild(child),
  };
}

function template(file: string, values: Record<string, string>): string {
  let conf = readFileSync(join(REPO, 'docs', 'shipping', file), 'utf8');
  for (const [k, v] of Object.entries(values)) conf = conf.replaceAll(`@${k}@`, v);
  return conf;
}

describe('rsyslog omelasticsearch (docs/shipping/rsyslog-elasticsearch.conf)', () => {
  const p = shipper();
  afterAll(() => p.stop());

  it('a followed file and syslog over UDP and TCP arrive as bulk documents, index as source', async () => {
    const root = extractedDebian('rsyslog-8.2302', ['rsyslog', 'rsyslog-elasticsearch'], ['libestr0', 'libfastjson4', 'liblognorm5', 'libcurl4']);
    const dir = mkdtempSync(join(tmp, 'rsyslog-'));
    const appLog = join(dir, 'app.log');
    writeFileSync(appLog, '');
    const port = await freePort();
    const conf = join(dir, 'rsyslog.conf');
    writeFileSync(conf, template('rsyslog-elasticsearch.conf', { SLUICE_URL: url, SLUICE_TOKEN: token, APP_LOG: appLog, SYSLOG_PORT: String(port), WORK_DIR: dir }));
    const child = p.start(join(root, 'usr', 'sbin', 'rsyslogd'), ['-n', '-f', conf, '-i', join(dir, 'rsyslogd.pid'), '-M', join(root, 'usr', 'lib', 'x86_64-linux-gnu', 'rsyslog')]);
    const deadline = Date.now() + 30_000;
    while (!(await new Promise<boolean>((resolve) => { const c = connect(port, '127.0.0.1', () => { c.destroy(); resolve(true); }); c.on('error', () => resolve(false)); }))) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`rsyslogd did not start:\n${p.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const m = { file: `rsyslog-file-${run}`, udp: `rsyslog-udp-${run}`, tcp: `rsyslog-tcp-${run}` };
    appendFileSync(appLog, `payment failed ${m.file}\n`);
    const udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) => udp.send(`<11>Dec  1 10:00:00 web-3 shop[42]: disk full ${m.udp}`, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
    udp.close();
    await new Promise<void>((resolve, reject) => {
      const c = connect(port, '127.0.0.1', () => c.end(`<14>Dec  1 10:00:01 web-3 shop[42]: order placed ${m.tcp}\n`, () => resolve()));
      c.on('error', reject);
    });
    const found = await envelopesWith(Object.values(m), 1, 60_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\nrsyslog output:\n${p.output()}`);
    });
    for (const envs of found.values()) expect(envs[0]).toMatchObject({ tenant: tenantId, source: 'rsyslog' });
    expect(JSON.parse(found.get(m.udp)![0]!.raw)).toMatchObject({ host: 'web-3', severity: 'err', program: 'shop', message: ` disk full ${m.udp}` });
    expect(JSON.parse(found.get(m.tcp)![0]!.raw)).toMatchObject({ severity: 'info', message: ` order placed ${m.tcp}` });
    expect(JSON.parse(found.get(m.file)![0]!.raw)).toMatchObject({ message: `payment failed ${m.file}` });
  }, 300_000);
});

describe('syslog-ng elasticsearch-http() (docs/shipping/syslog-ng-elasticsearch.conf)', () => {
  const p = shipper();
  afterAll(() => p.stop());

  it('a followed file arrives as bulk documents under the tenant, index as source', async () => {
    ensureDebianPackages(['syslog-ng-core', 'syslog-ng-mod-http', 'syslog-ng-scl']);
    const dir = mkdtempSync(join(tmp, 'syslog-ng-es-'));
    const appLog = join(dir, 'app.log');
    writeFileSync(appLog, '');
    const conf = join(dir, 'syslog-ng.conf');
    writeFileSync(conf, template('syslog-ng-elasticsearch.conf', { SLUICE_URL: url, SLUICE_TOKEN: token, APP_LOG: appLog }));
    p.start('syslog-ng', ['-F', '-f', conf, '-R', join(dir, 'persist'), '-p', join(dir, 'pid'), '-c', join(dir, 'ctl'), '--no-caps']);
    const marker = `syslog-ng-es-${run}`;
    // Lines written before syslog-ng opens the file are read from its start (no persist state yet).
    appendFileSync(appLog, `first ${marker}\nsecond ${marker}\n`);
    const found = await envelopesWith([marker], 2, 60_000).catch((e: unknown) => {
      throw new Error(`${(e as Error).message}\nsyslog-ng output:\n${p.output()}`);
    });
    const envs = found.get(marker)!;
    expect(envs.map((e) => (JSON.parse(e.raw) as { MESSAGE: string }).MESSAGE).sort()).toEqual([`first ${marker}`, `second ${marker}`]);
    for (const e of envs) expect(e).toMatchObject({ tenant: tenantId, source: 'syslog-ng' });
  }, 300_000);
});

interface SplunkLogger {
  send(payload: { message: unknown; severity?: string; metadata?: Record<string, string> }, cb: (err: Error | null, resp: { statusCode: number } | undefined, body: unknown) => void): void;
  requestOptions: { strictSSL?: boolean };
}
const SplunkLoggerClass = (createRequire(import.meta.url)('splunk-logging') as { Logger: new (config: Record<string, unknown>) => SplunkLogger }).Logger;

function splunkSend(logger: SplunkLogger, payload: Parameters<SplunkLogger['send']>[0]): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => logger.send(payload, (err, resp, body) => (err ? reject(err) : resolve({ status: resp?.statusCode ?? 0, body }))));
}

describe('Splunk HEC from splunk-logging (npm)', () => {
  it('events arrive with their host, source, sourcetype and severity; a wrong token gets code 4', async () => {
    const marker = `hec-${run}`;
    const logger = new SplunkLoggerClass({ token, url, maxRetries: 0 });
    const r = await splunkSend(logger, { message: { text: `card declined ${marker}`, order: 7 }, severity: 'error', metadata: { host: 'pos-2', source: 'till', sourcetype: 'pos:json', index: 'main' } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ text: 'Success', code: 0 });
    const bad = await splunkSend(new SplunkLoggerClass({ token: 'slc_wrong', url, maxRetries: 0 }), { message: `lost ${marker}` });
    expect(bad.status).toBe(403);
    expect(bad.body).toMatchObject({ code: 4 });
    const found = await envelopesWith([marker], 1);
    const [e] = found.get(marker)!;
    expect(found.get(marker)).toHaveLength(1);
    expect(e).toMatchObject({ tenant: tenantId, host: 'pos-2', source: 'till' });
    expect(JSON.parse(e!.raw)).toMatchObject({ message: { text: `card declined ${marker}`, order: 7 }, severity: 'error', sourcetype: 'pos:json', index: 'main' });
  });
});
