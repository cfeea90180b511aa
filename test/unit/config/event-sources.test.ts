/**
 * Event-source settings (batch sizes, batching windows, timeouts, memory) have one home,
 * deploy/event-sources.json: serverless.yml reads every one of them from it, and the local pipeline
 * uses the same values. (test/integration/deploy.test.ts checks the packaged template too.)
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import eventSources from '../../../deploy/event-sources.json' with { type: 'json' };
import { ARCHIVE_TIMEOUT_MS, DEFERRED_DEFAULTS, DEFERRED_REDELIVERY, DRAIN_DEFAULTS, PROCESS_DEFAULTS, PROCESS_REDELIVERY } from '../../../local/pipeline.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const yml = readFileSync(join(ROOT, 'serverless.yml'), 'utf8');
const REF = /\$\{file\(\.\/deploy\/event-sources\.json\):([\w.]+)\}/g;

/** The lines of one top-level function's block under `functions:`. */
function functionBlock(name: string): string {
  const fns = yml.slice(yml.indexOf('\nfunctions:\n'), yml.indexOf('\nresources:\n'));
  const start = fns.indexOf(`\n  ${name}:\n`);
  expect(start, `function ${name} in serverless.yml`).toBeGreaterThan(-1);
  const rest = fns.slice(start + 1);
  const end = rest.slice(1).search(/\n  [a-z]\w*:\n/);
  return end === -1 ? rest : rest.slice(0, end + 1);
}

/** The Properties block of one resource. */
function resourceBlock(name: string): string {
  const start = yml.indexOf(`\n    ${name}:\n`);
  expect(start, `resource ${name}`).toBeGreaterThan(-1);
  const rest = yml.slice(start + 1);
  const end = rest.slice(1).search(/\n    [A-Z]\w*:\n/);
  return rest.slice(0, end + 1);
}

const get = (path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], eventSources);

describe('deploy/event-sources.json is the one source of event-source settings', () => {
  it('every reference in serverless.yml names a value in the file', () => {
    const refs = [...yml.matchAll(REF)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThanOrEqual(26);
    for (const r of refs) expect(['number', 'boolean', 'object', 'string'], r).toContain(typeof get(r));
  });

  it('serverless.yml states none of them literally', () => {
    expect(yml).not.toMatch(/^\s+(BatchSize|MaximumBatchingWindowInSeconds|batchSize|batchWindow):\s*\d/m);
    for (const fn of ['process', 'deferred', 'drain', 'archive'] as const) {
      const block = functionBlock(fn);
      expect(block, fn).toContain(`timeout: \${file(./deploy/event-sources.json):${fn}.timeoutSeconds}`);
      expect(block, fn).toContain(`memorySize: \${file(./deploy/event-sources.json):${fn}.memoryMb}`);
    }
    expect(functionBlock('drain')).toContain('batchSize: ${file(./deploy/event-sources.json):drain.batchSize}');
    for (const [res, fn] of [['ProcessEventSourceMapping', 'process'], ['DeferredEventSourceMapping', 'deferred']] as const) {
      const block = resourceBlock(res);
      expect(block).toContain(`BatchSize: \${file(./deploy/event-sources.json):${fn}.batchSize}`);
      expect(block).toContain(`MaximumBatchingWindowInSeconds: \${file(./deploy/event-sources.json):${fn}.batchWindowSeconds}`);
      // Poison pills end: the error-handling controls and the provisioned pollers they need.
      for (const [prop, key] of [
        ['MaximumRetryAttempts', 'maximumRetryAttempts'], ['MaximumRecordAgeInSeconds', 'maximumRecordAgeSeconds'],
        ['BisectBatchOnFunctionError', 'bisectBatchOnFunctionError'], ['FunctionResponseTypes', 'functionResponseTypes'],
        ['MinimumPollers', 'minimumPollers'], ['MaximumPollers', 'maximumPollers'],
      ]) expect(block, `${res} ${prop}`).toContain(`${prop}: \${file(./deploy/event-sources.json):${fn}.${key}}`);
      expect(block).toContain('DestinationConfig: { OnFailure: { Destination: !GetAtt FailedBatchesBucket.Arn } }');
    }
  });

  it('the two stages get their V8 heap options from the file, options Node takes in NODE_OPTIONS', () => {
    for (const fn of ['process', 'deferred'] as const) {
      expect(functionBlock(fn), fn).toContain(`NODE_OPTIONS: \${file(./deploy/event-sources.json):${fn}.nodeOptions}`);
      const options = eventSources[fn].nodeOptions;
      expect(options, fn).toMatch(/^--max-semi-space-size=\d+$/);
      // Lambda passes only NODE_OPTIONS: a flag Node refuses there would stop the function at its start.
      const out = execFileSync(process.execPath, ['-p', "require('v8').getHeapStatistics().total_available_size > 0"], { env: { ...process.env, NODE_OPTIONS: options }, encoding: 'utf8' });
      expect(out.trim()).toBe('true');
    }
  });

  it('the local pipeline uses the same values', () => {
    expect(PROCESS_DEFAULTS).toEqual({ batchSize: 10_000, windowMs: 0, timeoutMs: 300_000, memoryMb: 1769 });
    expect(DEFERRED_DEFAULTS).toMatchObject({ batchSize: eventSources.deferred.batchSize, windowMs: 10_000, timeoutMs: 900_000 });
    expect(DRAIN_DEFAULTS.batchSize).toBe(eventSources.drain.batchSize);
    expect(ARCHIVE_TIMEOUT_MS).toBe(eventSources.archive.timeoutSeconds * 1000);
    for (const [local, fn] of [[PROCESS_REDELIVERY, 'process'], [DEFERRED_REDELIVERY, 'deferred']] as const) {
      const s = eventSources[fn];
      expect(local).toEqual({
        maximumRetryAttempts: s.maximumRetryAttempts, maximumRecordAgeSeconds: s.maximumRecordAgeSeconds,
        bisectBatchOnFunctionError: s.bisectBatchOnFunctionError, reportBatchItemFailures: s.functionResponseTypes.includes('ReportBatchItemFailures'),
      });
      // Bounded: a poison pill ends (Lambda's default, -1, retries for ever).
      expect(s.maximumRetryAttempts).toBeGreaterThanOrEqual(0);
      expect(s.bisectBatchOnFunctionError).toBe(true);
    }
  });
});
