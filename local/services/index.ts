// Programmatic control of Sluice's local services (real servers on 127.0.0.1, no Docker):
//   Kafka (KRaft) · OpenSearch · S3 (MinIO) · DynamoDB Local · Kinesis (kinesalite)
// Used by local/services/cli.ts (`npm run services:*`), the vitest global setup and `npm start`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HOST, SERVICES, cacheDir, endpointEnv, endpoints, isServiceName, logFile, mainPort, pidFile, stateDir } from './config.ts';
import type { Endpoints, ServiceName } from './config.ts';
import { dynamodb } from './dynamodb.ts';
import { kafka } from './kafka.ts';
import { kinesis } from './kinesis.ts';
import { opensearch } from './opensearch.ts';
import { fmtSecs, ourProcess, recordAlive, say, sleep, spawnDetached, stopRecorded, tailFile, tcpOpen, withFileLock } from './proc.ts';
import type { PidRecord } from './proc.ts';
import { s3 } from './s3.ts';
import type { ServiceDef } from './types.ts';

export { SERVICES, endpoints, endpointEnv, isServiceName, cacheDir, stateDir };
export type { Endpoints, ServiceName };
export { kafkaClasspath, kafkaLog4jConfig } from './kafka.ts';
export { javaBin, javaHome } from './tools.ts';
export * as versions from './versions.ts';

const DEFS: Record<ServiceName, ServiceDef> = { kafka, opensearch, s3, dynamodb, kinesis };

export function definition(name: ServiceName): ServiceDef {
  return DEFS[name];
}

/** A service that could not be installed or started: the reason, its log path and the log's tail. */
export class ServiceError extends Error {
  constructor(
    readonly service: ServiceName,
    reason: string,
    readonly log: string,
  ) {
    super(`${service}: ${reason}\n  log: ${log}\n  last lines:\n${indent(tailFile(log, 20))}`);
    this.name = 'ServiceError';
  }
}

function indent(s: string): string {
  return s
    .split('\n')
    .map((l) => `    | ${l}`)
    .join('\n');
}

function names(list?: readonly string[]): ServiceName[] {
  if (!list || list.length === 0) return [...SERVICES];
  for (const n of list) if (!isServiceName(n)) throw new Error(`unknown service '${n}' (known: ${SERVICES.join(', ')})`);
  return list as ServiceName[];
}

// ---------------------------------------------------------------------------------------------
// install

const installing = new Map<ServiceName, Promise<void>>();

export function isInstalled(name: ServiceName): boolean {
  return DEFS[name].isInstalled();
}

/** Fetch/build what a service needs into the cache, unless it is there already. */
export function installOne(name: ServiceName): Promise<void> {
  const def = DEFS[name];
  if (def.isInstalled()) return Promise.resolve();
  let p = installing.get(name);
  if (!p) {
    const t0 = Date.now();
    say(name, `installing ${def.title} into ${cacheDir()}`);
    const lock = join(cacheDir(), 'locks', `${name}.lock`);
    p = withFileLock(lock, 30 * 60_000, () => say(name, `another process is installing it; waiting (${lock})`), async () => {
      if (def.isInstalled()) return; // the other process finished it
      await def.install();
      say(name, `installed in ${fmtSecs(Date.now() - t0)}`);
    }).finally(() => installing.delete(name));
    installing.set(name, p);
  }
  return p;
}

/** Install every named service (all by default), in parallel where possible (one mvn at a time). */
export async function install(list?: readonly string[]): Promise<void> {
  const results = await Promise.allSettled(names(list).map((n) => installOne(n)));
  const errors = results.flatMap((r, i) => (r.status === 'rejected' ? [`${names(list)[i]}: ${(r.reason as Error).message}`] : []));
  if (errors.length) throw new Error(`install failed:\n${errors.join('\n')}`);
}

// ---------------------------------------------------------------------------------------------
// probes and status

/** Does the service answer on its port (whoever runs it)? */
export async function isUp(name: ServiceName): Promise<boolean> {
  return (await DEFS[name].probe()).ok;
}

export interface ServiceStatus {
  name: ServiceName;
  title: string;
  up: boolean;
  detail: string;
  port: number;
  /** pid of the process we started, when it is ours and alive */
  pid?: number;
  /** 'ours': started by these scripts; 'external': answering but not ours; 'none': not running */
  owner: 'ours' | 'external' | 'none';
  installed: boolean;
  log: string;
}

export async function statusOf(name: ServiceName): Promise<ServiceStatus> {
  const def = DEFS[name];
  const rec = ourProcess(pidFile(name));
  const probe = await def.probe();
  const s: ServiceStatus = {
    name,
    title: def.title,
    up: probe.ok,
    detail: probe.detail,
    port: mainPort(name),
    owner: rec ? 'ours' : probe.ok ? 'external' : 'none',
    installed: def.isInstalled(),
    log: logFile(name),
  };
  if (rec) s.pid = rec.pid;
  return s;
}

export async function status(list?: readonly string[]): Promise<ServiceStatus[]> {
  return Promise.all(names(list).map((n) => statusOf(n)));
}

// ---------------------------------------------------------------------------------------------
// start / stop

export type StartResult = 'started' | 'running' | 'external';
const starting = new Map<ServiceName, Promise<StartResult>>();

async function waitReady(name: ServiceName, rec: PidRecord): Promise<void> {
  const def = DEFS[name];
  const t0 = Date.now();
  const pid = rec.pid;
  let nextNote = t0 + 15_000;
  let last = '';
  for (;;) {
    const probe = await def.probe();
    if (probe.ok) return;
    last = probe.detail;
    if (!recordAlive(rec)) throw new ServiceError(name, `process ${pid} exited before answering (${last})`, logFile(name));
    if (Date.now() - t0 > def.startTimeoutMs) {
      throw new ServiceError(name, `no answer on ${HOST}:${mainPort(name)} after ${fmtSecs(def.startTimeoutMs)} (${last})`, logFile(name));
    }
    if (Date.now() > nextNote) {
      say(name, `waiting for it to answer (${fmtSecs(Date.now() - t0)}: ${last})`);
      nextNote += 15_000;
    }
    await sleep(500);
  }
}

async function startInner(name: ServiceName): Promise<StartResult> {
  const def = DEFS[name];
  const mine = ourProcess(pidFile(name));
  if (mine) {
    // ours and alive: maybe still starting (another command started it a moment ago)
    if (!(await def.probe()).ok) await waitReady(name, mine);
    return 'running';
  }
  if ((await def.probe()).ok) {
    say(name, `already answering on ${HOST}:${mainPort(name)} (not started by these scripts): using it as is`);
    return 'external';
  }
  if (await tcpOpen(HOST, mainPort(name))) {
    throw new ServiceError(name, `port ${mainPort(name)} is taken by something that does not answer as ${name}`, logFile(name));
  }
  try {
    await installOne(name);
  } catch (err) {
    throw new ServiceError(name, `install failed: ${(err as Error).message}`, logFile(name));
  }
  const t0 = Date.now();
  let rec: PidRecord;
  try {
    const spec = await def.prepare();
    rec = spawnDetached(spec, logFile(name), pidFile(name), mainPort(name));
  } catch (err) {
    if (err instanceof ServiceError) throw err;
    throw new ServiceError(name, `could not start: ${(err as Error).message}`, logFile(name));
  }
  say(name, `starting ${def.title} on ${HOST}:${mainPort(name)} (pid ${rec.pid}, log ${logFile(name)})`);
  try {
    await waitReady(name, rec);
  } catch (err) {
    await stopRecorded(pidFile(name), def.stopGraceMs);
    say(name, `FAILED to start: ${(err as Error).message.split('\n')[0]} (details at the end)`);
    throw err;
  }
  say(name, `up in ${fmtSecs(Date.now() - t0)}`);
  return 'started';
}

/**
 * Start one service (installing it first if needed) and wait until it answers. Data is kept
 * across stop()/start(). Resolves 'started' if we started it now, 'running' if our process was
 * already up, 'external' if something else answers on its port (left alone).
 */
export function start(name: ServiceName): Promise<StartResult> {
  let p = starting.get(name);
  if (!p) {
    const lock = join(stateDir(), 'pids', `${name}.lock`);
    const wait = 30 * 60_000 + DEFS[name].startTimeoutMs; // a first install can take minutes
    p = withFileLock(lock, wait, () => say(name, `another process is starting it; waiting (${lock})`), () => startInner(name)).finally(() =>
      starting.delete(name),
    );
    starting.set(name, p);
  }
  return p;
}

/** Stop the service if (and only if) these scripts started it. Resolves true if one was stopped. */
export async function stop(name: ServiceName): Promise<boolean> {
  const pending = starting.get(name);
  if (pending) await pending.catch(() => undefined);
  const lock = join(stateDir(), 'pids', `${name}.lock`);
  return withFileLock(lock, 30 * 60_000 + DEFS[name].startTimeoutMs, () => say(name, `another process is starting it; waiting to stop it`), () =>
    stopRecorded(pidFile(name), DEFS[name].stopGraceMs),
  );
}

/**
 * Make sure the named services (all by default) answer, starting those that don't, in parallel.
 * Throws (after the others finished starting) if any failed; `started` lists what was started now.
 */
export async function ensureUp(list?: readonly string[]): Promise<{ started: ServiceName[]; external: ServiceName[] }> {
  const todo = names(list);
  const results = await Promise.allSettled(todo.map((n) => start(n)));
  const started: ServiceName[] = [];
  const external: ServiceName[] = [];
  const errors: Error[] = [];
  results.forEach((r, i) => {
    const n = todo[i] as ServiceName;
    if (r.status === 'fulfilled') {
      if (r.value === 'started') started.push(n);
      if (r.value === 'external') external.push(n);
    } else errors.push(r.reason as Error);
  });
  if (errors.length) {
    const err = new Error(`${errors.length} service(s) failed to start:\n\n${errors.map((e) => e.message).join('\n\n')}`) as Error & {
      started?: ServiceName[];
    };
    err.started = started;
    throw err;
  }
  return { started, external };
}

/** Stop the named services (all by default) that these scripts started. */
export async function stopAll(list?: readonly string[]): Promise<ServiceName[]> {
  const todo = names(list);
  const stopped = await Promise.all(todo.map((n) => stop(n)));
  return todo.filter((_, i) => stopped[i]);
}

/** True if the state dir holds data from an earlier run (for messages only). */
export function hasState(): boolean {
  return existsSync(stateDir());
}
