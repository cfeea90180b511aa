/**
 * One part of the local pipeline in its own Node process, for bench/load.ts, so that the load run
 * can tell each part's CPU time and memory apart (from /proc/<pid>):
 *
 *   --role ingest    the ingest URL (gateway + ingest handler)
 *   --role process   the event-source pollers (logs.raw -> process, logs.deferred -> deferred, spill -> drain)
 *   --role archive   the archive schedule (--archive-every-s)
 *
 * Prints one JSON line `{"ready":true,"url":...}` once up, then every 5 s a line `{"mem":{...}}`
 * (process.memoryUsage(), bytes); stops cleanly when its stdin closes or on SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startPipeline } from '../local/pipeline.ts';

const { values } = parseArgs({
  options: {
    role: { type: 'string' },
    'archive-every-s': { type: 'string', default: '60' },
  },
});
const role = values.role;
if (role !== 'ingest' && role !== 'process' && role !== 'archive') throw new Error('--role must be ingest, process or archive');

process.env.LOG_LEVEL ??= 'ERROR';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const say = (m: string) => process.stderr.write(`[${role}] ${m}\n`);

const p = await startPipeline({
  httpPort: 0,
  ensureServices: false,
  bootstrap: false, // bench/load.ts bootstraps once (three parts at once would race to create the topics)
  demoTenant: false,
  ingest: role === 'ingest',
  pollers: role === 'process',
  archiveEveryMs: role === 'archive' ? Number(values['archive-every-s']) * 1000 : 0,
  log: say,
});
// The driver gone (its end of the pipe closed): stop.
process.stdout.on('error', () => process.exit(1));
const line = (o: unknown) => process.stdout.write(JSON.stringify(o) + '\n');
line({ ready: true, url: p.url, pid: process.pid });
const timer = setInterval(() => line({ mem: process.memoryUsage(), at: Date.now() }), 5_000);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  await p.stop({ finalArchive: false }).catch((err: unknown) => say(`stop: ${(err as Error).message}`));
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.on('close', () => void stop());
process.stdin.resume();
