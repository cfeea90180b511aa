/**
 * `sluice replay --tenant <id> --from <time> --to <time> [--dry-run]`
 *
 * Produces a tenant's archived events with receivedAt in [from, to) back to the raw topic, envelope
 * bytes unchanged (same event ids, so reindexing overwrites and never duplicates).
 */
import { parseArgs } from 'node:util';
import { ArchiveStore } from '../shared/adapters/archive-store.ts';
import { produce, resetProducer } from '../shared/adapters/kafka.ts';
import { listArchive, runReplay, type ReplayProgress } from '../shared/archive/replay.ts';
import { parseTime, timeRange } from '../shared/archive/range.ts';
import * as config from '../shared/config.ts';
import { assertTenantId } from '../shared/tenants/ids.ts';
import { writeLine, type CommandIO } from './io.ts';

const USAGE = `Usage:
  sluice replay --tenant <id> --from <time> --to <time> [--dry-run] [--spread <n>] [--json]

Produces the tenant's archived events with receivedAt in [from, to) back to the raw topic, unchanged
(same event ids: reindexing overwrites, never duplicates).

  --tenant <id>     the tenant
  --from <time>     inclusive; ISO 8601 (2024-05-01, 2024-05-01T10:00Z; no zone = UTC), "now", or ago (2h, 7d)
  --to <time>       exclusive; same forms
  --dry-run         list the archive objects that would be read, produce nothing
  --spread <n>      key events over <tenant>#0..n-1 (by event id) instead of <tenant>, to use n partitions
  --topic <name>    topic to produce to (default: the raw topic, ${config.topics().raw})
  --bucket <name>   archive bucket (default: ${config.s3().archiveBucket})
  --json            print the summary as JSON`;

export async function replayCommand(argv: string[], io: CommandIO): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        tenant: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        spread: { type: 'string' },
        topic: { type: 'string' },
        bucket: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  if (values.help) {
    writeLine(io.stdout, USAGE);
    return 0;
  }
  if (!values.tenant || !values.from || !values.to) return usage(io, '--tenant, --from and --to are required');
  const tenant = assertTenantId(values.tenant);
  const now = Date.now();
  const range = timeRange(parseTime(values.from, now), parseTime(values.to, now));
  const spread = values.spread === undefined ? 1 : Number(values.spread);
  if (!Number.isInteger(spread) || spread < 1 || spread > 1024) return usage(io, '--spread must be an integer from 1 to 1024');
  const topic = values.topic ?? config.topics().raw;
  const store = new ArchiveStore(values.bucket ? { bucket: values.bucket } : {});
  const objects = await listArchive(store, tenant, range);
  const span = `${new Date(range.fromMs).toISOString()} .. ${new Date(range.toMs).toISOString()}`;

  if (values['dry-run']) {
    const bytes = objects.reduce((n, o) => n + o.size, 0);
    if (values.json) {
      writeLine(io.stdout, JSON.stringify({ dryRun: true, tenant, from: range.fromMs, to: range.toMs, objects: objects.map((o) => ({ key: o.key, size: o.size })), bytes }));
      return 0;
    }
    writeLine(io.stdout, ['HOUR (UTC)', 'PARTITION', 'OFFSETS', 'SIZE', 'KEY'].join('\t'));
    for (const o of objects) {
      writeLine(io.stdout, [new Date(o.hourStartMs).toISOString().slice(0, 13) + 'h', String(o.partition), `${o.firstOffset}-${o.lastOffset}`, formatBytes(o.size), o.key].join('\t'));
    }
    writeLine(io.stdout, `Dry run: would read ${objects.length} object(s) (${formatBytes(bytes)} compressed) of ${tenant} for ${span} and produce their events with receivedAt in the range to ${topic}.`);
    return 0;
  }

  if (objects.length === 0) {
    writeLine(io.stdout, `Nothing archived for ${tenant} in ${span}: nothing replayed.`);
    return 0;
  }
  const progress = progressReporter(io.stderr);
  try {
    const summary = await runReplay({
      store,
      produce: (records) => produce(records, 30_000),
      topic,
      tenant,
      range,
      objects,
      spread,
      onProgress: progress.update,
    });
    progress.done();
    if (values.json) {
      writeLine(io.stdout, JSON.stringify({ tenant, from: range.fromMs, to: range.toMs, topic, ...summary }));
    } else {
      writeLine(
        io.stdout,
        `Replayed ${summary.events.toLocaleString('en-US')} events (${formatBytes(summary.bytes)}) from ${summary.objects} object(s) (${formatBytes(summary.objectBytes)} compressed) to ${topic} in ${summary.seconds.toFixed(1)} s` +
          (summary.skipped ? `; ${summary.skipped.toLocaleString('en-US')} archived events of those hours were outside the range.` : '.'),
      );
      if (summary.duplicates) writeLine(io.stdout, `${summary.duplicates.toLocaleString('en-US')} archived copies of events already replayed were skipped (same event id).`);
      if (summary.foreign) writeLine(io.stderr, `warning: ${summary.foreign} line(s) were not envelopes of ${tenant} and were not produced.`);
    }
    return 0;
  } finally {
    progress.done();
    await resetProducer();
  }
}

function usage(io: CommandIO, problem: string): number {
  writeLine(io.stderr, `sluice replay: ${problem}\n\n${USAGE}`);
  return 2;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/**
 * A one-line progress bar redrawn in place when stderr is a terminal; otherwise a plain line at most
 * every 5 seconds (logs stay readable in CI).
 */
export function progressReporter(stream: NodeJS.WritableStream, intervalMs = 5000): { update: (p: ReplayProgress) => void; done: () => void } {
  const tty = (stream as NodeJS.WriteStream).isTTY === true;
  const t0 = performance.now();
  let last = 0;
  let drawn = false;
  let finished = false;
  const line = (p: ReplayProgress): string => {
    const frac = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.objectsTotal > 0 ? p.objectsDone / p.objectsTotal : 1;
    const secs = (performance.now() - t0) / 1000;
    return `${Math.floor(frac * 100)}% ${p.objectsDone}/${p.objectsTotal} objects, ${p.events.toLocaleString('en-US')} events, ${secs.toFixed(0)} s`;
  };
  return {
    update(p) {
      if (finished) return;
      const now = performance.now();
      if (tty) {
        if (now - last < 100 && p.objectsDone < p.objectsTotal) return;
        last = now;
        const width = 30;
        const frac = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.objectsDone / Math.max(1, p.objectsTotal);
        const filled = Math.round(frac * width);
        stream.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line(p)}\u001b[K`);
        drawn = true;
      } else if (now - last >= intervalMs) {
        last = now;
        stream.write(`replay: ${line(p)}\n`);
      }
    },
    done() {
      if (finished) return;
      finished = true;
      if (tty && drawn) stream.write('\n');
    },
  };
}
