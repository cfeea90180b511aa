// Process plumbing for the local services: detached starts with pid files, stops that only touch
// processes we recorded, install steps with progress, and small network probes.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname } from 'node:path';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function say(prefix: string, msg: string): void {
  process.stderr.write(`[${prefix}] ${msg}\n`);
}

export function fmtSecs(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

// ---------------------------------------------------------------------------------------------
// pid records

export interface PidRecord {
  pid: number;
  /** /proc/<pid>/stat start time (clock ticks since boot): guards against a recycled pid. */
  startTime: string;
  port: number;
  command: string;
  startedAt: string;
  log: string;
}

function procStat(pid: number): { state: string; startTime: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ... : comm may hold spaces/parens, so split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = rest[0];
    const startTime = rest[19]; // field 22 overall
    if (state === undefined || startTime === undefined) return undefined;
    return { state, startTime };
  } catch {
    return undefined;
  }
}

export function readPidRecord(file: string): PidRecord | undefined {
  try {
    const rec = JSON.parse(readFileSync(file, 'utf8')) as PidRecord;
    return typeof rec.pid === 'number' ? rec : undefined;
  } catch {
    return undefined;
  }
}

export function writePidRecord(file: string, rec: PidRecord): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(rec, null, 2) + '\n');
  renameSync(tmp, file);
}

/** Is the process of this record still the one we started (same pid and start time, not a zombie)? */
export function recordAlive(rec: PidRecord | undefined): rec is PidRecord {
  if (!rec) return false;
  const st = procStat(rec.pid);
  return st !== undefined && st.startTime === rec.startTime && st.state !== 'Z' && st.state !== 'X';
}

/** The live process we recorded in this pid file, or undefined (a stale file is removed). */
export function ourProcess(file: string): PidRecord | undefined {
  const rec = readPidRecord(file);
  if (recordAlive(rec)) return rec;
  if (rec) rmSync(file, { force: true });
  return undefined;
}

export interface LaunchSpec {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Start a detached process (own process group) writing to `log`, and record it in `pidFilePath`. */
export function spawnDetached(spec: LaunchSpec, log: string, pidFilePath: string, port: number): PidRecord {
  mkdirSync(dirname(log), { recursive: true });
  const fd = openSync(log, 'a');
  const line = [spec.command, ...spec.args].join(' ');
  writeSync(fd, `\n==== ${new Date().toISOString()} starting: ${line}\n`);
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    child.on('error', () => {
      /* reported through the readiness wait (process not alive) */
    });
    child.unref();
    const pid = child.pid;
    if (pid === undefined) throw new Error(`could not start ${spec.command}`);
    const st = procStat(pid);
    const rec: PidRecord = {
      pid,
      startTime: st?.startTime ?? '?',
      port,
      command: line,
      startedAt: new Date().toISOString(),
      log,
    };
    writePidRecord(pidFilePath, rec);
    return rec;
  } finally {
    closeSync(fd);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  // The process leads its own group (detached): signal the group, so helpers die with it.
  try {
    process.kill(-pid, sig);
    return;
  } catch {
    /* not a group leader any more: fall back to the pid itself */
  }
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** SIGTERM the recorded process, wait up to `graceMs`, then SIGKILL. Returns true if one was stopped. */
export async function stopRecorded(file: string, graceMs: number): Promise<boolean> {
  const rec = ourProcess(file);
  if (!rec) return false;
  signal(rec.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!recordAlive(rec)) break;
    await sleep(200);
  }
  if (recordAlive(rec)) {
    signal(rec.pid, 'SIGKILL');
    const killDeadline = Date.now() + 10_000;
    while (recordAlive(rec) && Date.now() < killDeadline) await sleep(100);
  }
  rmSync(file, { force: true });
  return true;
}

export function tailFile(path: string, lines = 20): string {
  try {
    const size = statSync(path).size;
    const fd = openSync(path, 'r');
    try {
      const len = Math.min(size, 64 * 1024);
      const buf = Buffer.alloc(len);
      readSync(fd, buf, 0, len, size - len);
      return buf.toString('utf8').split('\n').slice(-lines - 1).join('\n').trimEnd();
    } finally {
      closeSync(fd);
    }
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------------------------
// install steps

export interface StepOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** where the full output goes */
  log: string;
  prefix: string;
}

/**
 * Run one install step to completion: a line saying what it does, a heartbeat with the latest
 * output line every 15 s while it runs, the full output in `log`, and the tail of it on failure.
 */
export async function runStep(what: string, command: string, args: string[], opts: StepOptions): Promise<void> {
  const started = Date.now();
  say(opts.prefix, `${what} ...`);
  mkdirSync(dirname(opts.log), { recursive: true });
  const fd = openSync(opts.log, 'a');
  writeSync(fd, `\n==== ${new Date().toISOString()} ${what}\n$ ${command} ${args.join(' ')}\n`);
  let last = '';
  const code = await new Promise<number>((resolveCode) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer): void => {
      writeSync(fd, chunk);
      const lines = chunk.toString('utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '');
      const l = lines[lines.length - 1];
      if (l !== undefined) last = l;
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const beat = setInterval(() => {
      say(opts.prefix, `  ... ${fmtSecs(Date.now() - started)} so far${last ? `; latest output: ${last.slice(0, 120)}` : ''}`);
    }, 15_000);
    child.on('error', (err) => {
      writeSync(fd, `spawn error: ${String(err)}\n`);
      clearInterval(beat);
      resolveCode(127);
    });
    child.on('close', (c) => {
      clearInterval(beat);
      resolveCode(c ?? 1);
    });
  });
  closeSync(fd);
  if (code !== 0) {
    throw new Error(`${what} failed (exit ${code}); full output in ${opts.log}:\n${tailFile(opts.log, 25)}`);
  }
  say(opts.prefix, `${what}: done in ${fmtSecs(Date.now() - started)}`);
}

/** Run a command and return its stdout (throws with stderr on failure). */
export function capture(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolveOut, reject) => {
    const child = spawn(command, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString('utf8')));
    child.on('error', reject);
    child.on('close', (c) => (c === 0 ? resolveOut(out) : reject(new Error(`${command} ${args.join(' ')}: exit ${c}\n${err || out}`))));
  });
}

export function exists(p: string): boolean {
  return existsSync(p);
}

// ---------------------------------------------------------------------------------------------
// probes

/** Can a TCP connection be opened? */
export function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolveOpen) => {
    const sock = createConnection({ host, port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolveOpen(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** One request/response exchange on a fresh TCP connection (Kafka framing: int32 size prefix). */
export function kafkaRoundTrip(host: string, port: number, request: Buffer, timeoutMs = 3000): Promise<Buffer> {
  return new Promise((resolveResp, reject) => {
    const sock = createConnection({ host, port });
    let buf = Buffer.alloc(0);
    const fail = (err: Error): void => {
      sock.destroy();
      reject(err);
    };
    sock.setTimeout(timeoutMs, () => fail(new Error('timeout')));
    sock.once('error', fail);
    sock.once('connect', () => sock.write(request));
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= 4) {
        const size = buf.readInt32BE(0);
        if (buf.length >= 4 + size) {
          sock.destroy();
          resolveResp(buf.subarray(4, 4 + size));
        }
      }
    });
    sock.once('end', () => fail(new Error('connection closed')));
  });
}

function kafkaRequest(apiKey: number, apiVersion: number, correlationId: number, body: Buffer): Buffer {
  const clientId = Buffer.from('sluice-probe');
  const header = Buffer.alloc(2 + 2 + 4 + 2);
  header.writeInt16BE(apiKey, 0);
  header.writeInt16BE(apiVersion, 2);
  header.writeInt32BE(correlationId, 4);
  header.writeInt16BE(clientId.length, 8);
  const payload = Buffer.concat([header, clientId, body]);
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length, 0);
  return Buffer.concat([size, payload]);
}

/**
 * A real Kafka round trip: ApiVersions (v0) must answer with no error, then Metadata (v4, all
 * topics) must list at least one broker (so the broker is registered with the controller).
 */
export async function kafkaProbe(host: string, port: number): Promise<{ ok: boolean; detail: string }> {
  try {
    const av = await kafkaRoundTrip(host, port, kafkaRequest(18, 0, 1, Buffer.alloc(0)));
    if (av.length < 6 || av.readInt32BE(0) !== 1) return { ok: false, detail: 'bad ApiVersions response' };
    const err = av.readInt16BE(4);
    if (err !== 0) return { ok: false, detail: `ApiVersions error ${err}` };
    // Metadata v4 body: topics = null (-1: all), allow_auto_topic_creation = false
    const body = Buffer.alloc(5);
    body.writeInt32BE(-1, 0);
    body.writeInt8(0, 4);
    const md = await kafkaRoundTrip(host, port, kafkaRequest(3, 4, 2, body));
    if (md.length < 12 || md.readInt32BE(0) !== 2) return { ok: false, detail: 'bad Metadata response' };
    const brokers = md.readInt32BE(8); // after correlation id and throttle_time_ms
    return brokers > 0 ? { ok: true, detail: `${brokers} broker(s)` } : { ok: false, detail: 'no broker registered yet' };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  }
}

export async function httpProbe(url: string, init?: RequestInit, timeoutMs = 3000): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, body: await res.text() };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// cross-process locks (two `up`s, or a test run and `npm start`, sharing one cache or state dir)

function lockHolderAlive(file: string): boolean {
  try {
    const [pidStr, startTime] = readFileSync(file, 'utf8').trim().split(' ');
    const pid = Number(pidStr);
    if (!Number.isInteger(pid) || pid <= 0) return false;
    const st = procStat(pid);
    return st !== undefined && st.state !== 'Z' && (startTime === undefined || st.startTime === startTime);
  } catch {
    return false;
  }
}

/**
 * Run `fn` holding an exclusive lock file (created with O_EXCL; a lock whose holder died is taken
 * over). Waits for another holder up to `waitMs`, telling `onWait` once.
 */
export async function withFileLock<T>(file: string, waitMs: number, onWait: () => void, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(file), { recursive: true });
  const me = `${process.pid} ${procStat(process.pid)?.startTime ?? ''}\n`;
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, me);
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (!lockHolderAlive(file)) {
        rmSync(file, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${file} (held by pid ${readFileSync(file, 'utf8').split(' ')[0]})`);
      if (!told) {
        onWait();
        told = true;
      }
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}

/** Short digest of a file's content (install markers record the recipe they were built from). */
export function fileDigest(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
}
