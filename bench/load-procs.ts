/**
 * Per-process accounting for bench/load.ts, read from /proc (Linux): which process listens on a
 * local service's port, and each process's CPU time (utime + stime of /proc/<pid>/stat) and RSS.
 *
 * A service's pid comes from its listening socket, not from a pid file: the services may have been
 * started from another checkout (the pid files live under that checkout's .sluice/), and a listening
 * socket names the process that does the work (OpenSearch runs under setpriv, which execs into it).
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { SERVICES, mainPort, type ServiceName } from '../local/services/config.ts';

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU seconds (user + system) the process has used so far, or undefined when it is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count fields from after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks(); // fields 14 and 15 of the man page
  } catch {
    return undefined;
  }
}

/** Resident memory of the process, MiB (VmRSS), or undefined when it is gone. */
export function rssMiB(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Socket inodes listening on 127.0.0.1/0.0.0.0/:: `port` (state 0A of /proc/net/tcp{,6}). */
function listeningInodes(port: number): Set<string> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const out = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === '0A' && f[1]!.endsWith(`:${hex}`)) out.add(f[9]!);
    }
  }
  return out;
}

/** The pid of each port's listening process (one scan of /proc/<pid>/fd). */
export function pidsListening(ports: readonly number[]): Map<number, number> {
  const wanted = new Map<string, number>();
  for (const port of ports) for (const inode of listeningInodes(port)) wanted.set(`socket:[${inode}]`, port);
  const found = new Map<number, number>();
  if (wanted.size === 0) return found;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${entry}/fd/${fd}`);
      } catch {
        continue;
      }
      const port = wanted.get(link);
      if (port !== undefined && !found.has(port)) found.set(port, Number(entry));
    }
    if (found.size === ports.length) break;
  }
  return found;
}

/** The local services' pids, by their listening ports (a service not found is left out). */
export function servicePids(): Map<ServiceName, number> {
  const byPort = pidsListening(SERVICES.map((s) => mainPort(s)));
  const out = new Map<ServiceName, number>();
  for (const s of SERVICES) {
    const pid = byPort.get(mainPort(s));
    if (pid !== undefined) out.set(s, pid);
  }
  return out;
}

/** CPU seconds of each named process at one moment (undefined for a process that is gone). */
export function cpuSnapshot(pids: ReadonlyMap<string, number>): Map<string, number | undefined> {
  return new Map([...pids].map(([name, pid]) => [name, cpuSeconds(pid)]));
}

/** CPU seconds per million events of each process between two snapshots. */
export function cpuPerMillion(before: ReadonlyMap<string, number | undefined>, after: ReadonlyMap<string, number | undefined>, events: number): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [name, a] of after) {
    const b = before.get(name);
    out[name] = a === undefined || b === undefined || events <= 0 ? null : Math.round(((a - b) / events) * 1e6 * 100) / 100;
  }
  return out;
}
