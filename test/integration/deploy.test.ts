/**
 * The deployment as users meet it: `serverless package` offline with no AWS credentials, for the local
 * stage, a deployed stage (which creates MSK and OpenSearch) and a staging stage on another's cluster and
 * plans, its CloudFormation clean under cfn-lint;
 * and `serverless invoke local` of every sample event in events/ against the real local services.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { bootstrap } from '../../local/bootstrap.ts';
import { seedDemoTenant } from '../../local/demo.ts';
import eventSources from '../../deploy/event-sources.json' with { type: 'json' };

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const FUNCTIONS = ['ingest', 'drain', 'process', 'deferred', 'archive', 'retention', 'setup', 'query'];

/** The environment without AWS credentials or profiles: packaging must need none. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^AWS_/.test(k)) delete env[k];
  return env;
}

async function sls(args: string[], env = offlineEnv()) {
  return run(join(ROOT, 'node_modules', '.bin', 'serverless'), args, { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024, timeout: 240_000 });
}

/** A staging stage on prod's traffic and plans (README, "Staging on production traffic"). */
const STAGING_PARAMS = [
  'createMsk=false', 'mskClusterArn=arn:aws:kafka:us-east-1:123456789012:cluster/sluice-prod/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-1',
  'sourceStage=prod', 'sampleFraction=0.1', 'topicSuffix=.staging', 'indexPrefix=sluice-staging', 'plansTable=sluice-tenants-prod',
].map((p) => `--param=${p}`);

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

/** The packaged batch sizes, windows, timeouts, memory and the stages' NODE_OPTIONS are deploy/event-sources.json's (the local pipeline's). */
function expectEventSourcesFromTheOneFile(template: Template): void {
  const r = template.Resources;
  for (const [fn, logical] of [['process', 'Process'], ['deferred', 'Deferred'], ['drain', 'Drain'], ['archive', 'Archive']] as const) {
    const props = r[`${logical}LambdaFunction`]!.Properties!;
    expect(props.Timeout, `${fn} timeout`).toBe(eventSources[fn].timeoutSeconds);
    expect(props.MemorySize, `${fn} memory`).toBe(eventSources[fn].memoryMb);
  }
  // The stages' V8 heap options, beside the provider's environment (not in place of it).
  for (const [fn, logical] of [['process', 'Process'], ['deferred', 'Deferred']] as const) {
    const vars = (r[`${logical}LambdaFunction`]!.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(vars.NODE_OPTIONS, `${fn} NODE_OPTIONS`).toBe(eventSources[fn].nodeOptions);
    expect(vars, fn).toHaveProperty('SLUICE_TOPIC_RAW');
  }
  for (const fn of ['process', 'deferred'] as const) {
    const esm = r[`${fn === 'process' ? 'Process' : 'Deferred'}EventSourceMapping`]!.Properties!;
    expect(esm.BatchSize).toBe(eventSources[fn].batchSize);
    expect(esm.MaximumBatchingWindowInSeconds).toBe(eventSources[fn].batchWindowSeconds);
    expect(esm).toMatchObject({
      MaximumRetryAttempts: eventSources[fn].maximumRetryAttempts,
      MaximumRecordAgeInSeconds: eventSources[fn].maximumRecordAgeSeconds,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ProvisionedPollerConfig: { MinimumPollers: eventSources[fn].minimumPollers, MaximumPollers: eventSources[fn].maximumPollers },
    });
  }
  const kinesis = Object.values(r).find((x) => x.Type === 'AWS::Lambda::EventSourceMapping' && JSON.stringify(x.Properties).includes('SpillStream'))!.Properties!;
  expect(kinesis.BatchSize).toBe(eventSources.drain.batchSize);
  expect(kinesis.MaximumBatchingWindowInSeconds).toBe(eventSources.drain.batchWindowSeconds);
}

describe('serverless package', () => {
  for (const [stage, params] of [['local', []], ['prod', []], ['staging', STAGING_PARAMS]] as const) {
    it(`packages stage ${stage} offline, one bundle per function, and cfn-lint finds no errors`, async () => {
      const out = mkdtempSync(join(tmpdir(), `sluice-package-${stage}-`));
      try {
        await sls(['package', '--stage', stage, '--package', out, ...params]);
        for (const fn of FUNCTIONS) expect(existsSync(join(out, `${fn}.zip`)), `${fn}.zip`).toBe(true);
        // Source maps stay out of the zips (deploy/esbuild.cjs builds none): the bundle, its lazy files, native.wasm.
        for (const fn of FUNCTIONS) {
          const files = (await run('unzip', ['-Z1', join(out, `${fn}.zip`)])).stdout.split('\n').filter(Boolean);
          expect(files, `${fn}.zip`).toContain(`functions/${fn}.cjs`);
          expect(files.filter((f) => f.endsWith('.map')), `${fn}.zip`).toEqual([]);
        }
        const templatePath = join(out, 'cloudformation-template-update-stack.json');
        const template = JSON.parse(readFileSync(templatePath, 'utf8')) as Template;
        const types = Object.values(template.Resources).map((r) => r.Type);
        expect(types).toContain('AWS::Lambda::EventSourceMapping');
        expect(types).toContain('AWS::Kinesis::Stream');
        // One role per function; the optional Firehose shipping (condition ShipLogGroupToSluice) adds its own two.
        expect(Object.values(template.Resources).filter((r) => r.Type === 'AWS::IAM::Role' && !(r as { Condition?: string }).Condition).length).toBe(FUNCTIONS.length);
        expectEventSourcesFromTheOneFile(template);
        if (stage === 'prod') {
          expect(types).toContain('AWS::MSK::ServerlessCluster');
          expect(types).toContain('AWS::OpenSearchService::Domain');
        }
        if (stage === 'staging') {
          // Process, deferred and retention may read production's plans, and nothing else may.
          const text = readFileSync(templatePath, 'utf8');
          expect(text.match(/table\/sluice-tenants-prod/g)).toHaveLength(3);
          expect(JSON.stringify((template as { Conditions?: object }).Conditions)).toContain('HasPlansTable');
          expect(text).toMatch(/"SLUICE_PLANS_TABLE": *"sluice-tenants-prod"/);
        }
        // cfn-lint exits with bit 2 set for errors (4 for warnings, 8 for informational).
        const lint = await run('cfn-lint', [templatePath], { timeout: 120_000 }).then(
          () => ({ code: 0, stdout: '' }),
          (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
        );
        expect(lint.code & 2, lint.stdout).toBe(0);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }, 300_000);
  }
});

describe('serverless invoke local, every sample event', () => {
  beforeAll(async () => {
    await bootstrap();
    await seedDemoTenant();
  });

  async function invoke(fn: string, event: string): Promise<Record<string, unknown>> {
    const { stdout } = await sls(['invoke', 'local', '-f', fn, '-p', `events/${event}.json`], { ...process.env, LOG_LEVEL: 'ERROR' });
    // The handler's result is the last JSON value printed.
    const start = stdout.lastIndexOf('\n{');
    return JSON.parse(stdout.slice(start === -1 ? stdout.indexOf('{') : start + 1)) as Record<string, unknown>;
  }

  it.each([
    ['http-ndjson', 202, 4],
    ['http-gzip', 202, 4],
    ['http-text-stacktrace', 202, 2],
    ['alb-post', 202, 2],
  ])('ingest %s answers %i with %i events accepted', async (event, status, accepted) => {
    const res = await invoke('ingest', event);
    expect(res.statusCode).toBe(status);
    expect(JSON.parse(String(res.body))).toMatchObject({ accepted });
  }, 120_000);

  it('ingest refuses the sample with an unknown token', async () => {
    const res = await invoke('ingest', 'http-bad-token');
    expect(res.statusCode).toBe(401);
  }, 120_000);

  it('query searches the demo tenant with its fixed read token (200), and refuses the sample without a token (401)', async () => {
    const res = await invoke('query', 'http-query-search');
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(String(res.body))).toMatchObject({ events: expect.any(Array), size: 20 });
    const refused = await invoke('query', 'http-query-no-token');
    expect(refused.statusCode).toBe(401);
    expect(JSON.parse(String(refused.body))).toMatchObject({ error: 'missing_token' });
  }, 240_000);

  it('drain republishes the spilled sample records', async () => {
    expect(await invoke('drain', 'kinesis-spill')).toMatchObject({ republished: 2 });
  }, 120_000);

  it('process indexes the sample MSK batch', async () => {
    const res = await invoke('process', 'msk-process');
    expect(res.records).toBe(5);
    expect(Number(res.indexed) + Number(res.deferred) + Number(res.archiveOnly) + Number(res.dlq)).toBe(5);
  }, 120_000);

  it('deferred handles the sample deferred batch', async () => {
    const res = await invoke('deferred', 'msk-deferred');
    expect(res.records).toBe(2);
  }, 120_000);

  it('retention plans from its sample event (a dry run: the local indices are shared, nothing is deleted)', async () => {
    const res = await invoke('retention', 'schedule-retention');
    expect(res).toMatchObject({ dryRun: true, deletedIndices: 0, deletedDocuments: 0 });
    expect(typeof res.indices).toBe('number');
  }, 120_000);

  it('archive runs from the schedule event', async () => {
    const res = await invoke('archive', 'schedule-archive');
    expect(res).toHaveProperty('caughtUp');
  }, 120_000);
});
