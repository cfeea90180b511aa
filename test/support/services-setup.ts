// vitest globalSetup for the integration and e2e projects: makes sure every local service answers
// (installing and starting what is missing), hands the endpoints to the tests, and on teardown
// stops only the services that it started itself (services already running are left alone).
import type { TestProject } from 'vitest/node';
import { endpointEnv, endpoints, ensureUp, stop } from '../../local/services/index.ts';
import type { Endpoints, ServiceName } from '../../local/services/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    sluiceEndpoints: Endpoints;
  }
}

let startedHere: ServiceName[] = [];

export async function setup(project: TestProject): Promise<void> {
  const t0 = Date.now();
  try {
    const { started } = await ensureUp();
    startedHere = started;
  } catch (err) {
    // stop what this run started before failing, so no half-started set is left behind
    const started = (err as { started?: ServiceName[] }).started ?? [];
    await Promise.all(started.map((n) => stop(n).catch(() => false)));
    throw err;
  }
  if (startedHere.length) {
    process.stderr.write(`[services] started ${startedHere.join(', ')} in ${((Date.now() - t0) / 1000).toFixed(1)}s (stopped again after the run)\n`);
  }
  // Environment for the tests (workers inherit it) and the same through inject('sluiceEndpoints').
  for (const [k, v] of Object.entries(endpointEnv())) process.env[k] = v;
  const e = endpoints();
  process.env['AWS_REGION'] ??= e.region;
  project.provide('sluiceEndpoints', e);
}

export async function teardown(): Promise<void> {
  const mine = startedHere;
  startedHere = [];
  if (process.env['SLUICE_KEEP_SERVICES'] === '1') return;
  await Promise.all(mine.map((n) => stop(n)));
}
