/**
 * `sluice archive ls --tenant <id> [--from <time> --to <time>]`: what is archived for a tenant.
 * `sluice archive run [--seconds <n>]`: one archiver run now, against the configured services.
 */
import { parseArgs } from 'node:util';
import { ArchiveStore } from '../shared/adapters/archive-store.ts';
import { listArchive } from '../shared/archive/replay.ts';
import { parseTime, timeRange, type TimeRange } from '../shared/archive/range.ts';
import { INVALID_TENANT } from '../shared/archive/keys.ts';
import * as config from '../shared/config.ts';
import { forEachLimit } from '../shared/concurrency.ts';
import { assertTenantId } from '../shared/tenants/ids.ts';
import { writeLine, type CommandIO } from './io.ts';
import { formatBytes } from './replay.ts';

const USAGE = `Usage:
  sluice archive ls --tenant <id> [--from <time>] [--to <time>] [--no-counts] [--json]
      list the tenant's archive objects (hour, partition, offsets, size, events); --tenant _invalid
      lists records that were not valid envelopes. Times: ISO 8601 (no zone = UTC), "now", or ago (2h, 7d).
  sluice archive run [--seconds <n>]
      run the archiver once now (reads until caught up or for at most <n> seconds, default 60)

  --bucket <name>   archive bucket (default: ${config.s3().archiveBucket})`;

export async function archiveCommand(argv: string[], io: CommandIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      allowNegative: true,
      options: {
        tenant: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        counts: { type: 'boolean', default: true },
        json: { type: 'boolean', default: false },
        bucket: { type: 'string' },
        seconds: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return usage(io, (err as Error).message);
  }
  const { values, positionals } = parsed;
  const [sub] = positionals;
  if (values.help || !sub) {
    writeLine(values.help ? io.stdout : io.stderr, USAGE);
    return values.help ? 0 : 2;
  }
  const store = new ArchiveStore(values.bucket ? { bucket: values.bucket } : {});
  switch (sub) {
    case 'ls': {
      if (!values.tenant) return usage(io, 'archive ls needs --tenant');
      const tenant = values.tenant === INVALID_TENANT ? INVALID_TENANT : assertTenantId(values.tenant);
      const now = Date.now();
      let range: TimeRange | undefined;
      if (values.from || values.to) {
        range = timeRange(values.from ? parseTime(values.from, now) : 0, values.to ? parseTime(values.to, now) : now + 1);
      }
      const objects = await listArchive(store, tenant, range);
      // Event counts are in each object's metadata: one HEAD per object, 16 at a time.
      const counts: (number | undefined)[] = new Array(objects.length).fill(undefined);
      if (values.counts) {
        await forEachLimit(objects, 16, async (o, i) => {
          const n = Number((await store.head(o.key))?.metadata.events);
          counts[i] = Number.isFinite(n) ? n : undefined;
        });
      }
      const bytes = objects.reduce((n, o) => n + o.size, 0);
      const events = counts.reduce<number>((n, c) => n + (c ?? 0), 0);
      if (values.json) {
        for (let i = 0; i < objects.length; i++) {
          const o = objects[i]!;
          writeLine(io.stdout, JSON.stringify({ key: o.key, hour: new Date(o.hourStartMs).toISOString(), partition: o.partition, firstOffset: o.firstOffset.toString(), lastOffset: o.lastOffset.toString(), size: o.size, events: counts[i] ?? null }));
        }
        return 0;
      }
      writeLine(io.stdout, ['HOUR (UTC)', 'PARTITION', 'OFFSETS', 'SIZE', 'EVENTS', 'KEY'].join('\t'));
      for (let i = 0; i < objects.length; i++) {
        const o = objects[i]!;
        writeLine(io.stdout, [new Date(o.hourStartMs).toISOString().slice(0, 13) + 'h', String(o.partition), `${o.firstOffset}-${o.lastOffset}`, formatBytes(o.size), counts[i] === undefined ? '-' : String(counts[i]), o.key].join('\t'));
      }
      writeLine(io.stdout, `${objects.length} object(s), ${formatBytes(bytes)} compressed${values.counts ? `, ${events.toLocaleString('en-US')} events` : ''}.`);
      return 0;
    }
    case 'run': {
      const seconds = values.seconds === undefined ? 60 : Number(values.seconds);
      if (!Number.isFinite(seconds) || seconds <= 0) return usage(io, '--seconds must be a positive number');
      const { archiveOnce } = await import('../functions/archive.ts');
      const r = await archiveOnce({ readDeadlineMs: Date.now() + seconds * 1000, log: () => undefined, ...(values.bucket ? { bucket: values.bucket } : {}) });
      writeLine(
        io.stdout,
        r.records === 0
          ? `Nothing to archive (caught up${r.caughtUp ? '' : '?'}).`
          : `Archived ${r.records.toLocaleString('en-US')} events (${r.invalid} invalid) into ${r.objects} object(s): ${formatBytes(r.rawBytes)} raw, ${formatBytes(r.gzBytes)} gzip, in ${r.rounds} round(s); ${r.caughtUp ? 'caught up' : `${r.lag} records left for the next run`}.`,
      );
      return 0;
    }
    default:
      return usage(io, `unknown subcommand "${sub}"`);
  }
}

function usage(io: CommandIO, problem: string): number {
  writeLine(io.stderr, `sluice archive: ${problem}\n\n${USAGE}`);
  return 2;
}
