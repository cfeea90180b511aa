/**
 * The archiver's core: read `logs.raw` from the group's committed offsets, write gzip NDJSON objects
 * per (partition, tenant, hour), then commit. It talks to Kafka and S3 only through the two small
 * interfaces in ./ports.ts (wired to the real adapters in functions/archive.ts through run.ts).
 *
 * ## Invariant: the same offset range always gives the same objects
 *
 * Object keys carry the first and last offset of their records, so they are deterministic only if a
 * run re-reads exactly the offset range that an earlier, crashed run read. The end of a range depends
 * on things that change between runs (the high watermark, the deadline, the byte budget), so it is
 * decided once and recorded before anything of the range is uploaded:
 *
 *  1. For each partition with lag, the range starts at the committed offset `c`.
 *  2. If `_manifests/<group>/<topic>/<partition>/<c>.json` exists, an earlier run chose this range and
 *     may have uploaded some of its objects: the range is exactly [c, manifest.end). (Ignored only if
 *     the log no longer reaches manifest.end, i.e. the topic was truncated or recreated.)
 *  3. Otherwise the run reads from c until the high watermark seen at its start, the deadline or the
 *     byte budget, whichever comes first, reaching `e`; it then writes the manifest [c, e) with a
 *     conditional create (If-None-Match: *), so two runs can never record different ends for the
 *     same start (the loser drops the partition for this run).
 *  4. Only then are the range's objects uploaded, and only once all of them are in S3 is `e` committed.
 *
 * Grouping is a function of the records alone (tenant and receivedAt from each record's bytes, the
 * partition, the offsets), and Kafka's log is immutable, so re-reading [c, e) re-creates the same
 * keys with the same content: a crash after uploading and before committing leaves nothing lost
 * (the offsets were not committed) and nothing duplicated (the next run overwrites the same keys).
 * A run that cannot finish reading a recorded range before its deadline uploads nothing of it.
 */
import type { ArchiveSink, ArchiveSource, PartitionPosition, ReadRange, TopicRecord } from './ports.ts';
import { Grouper, type ArchiveGroup } from './grouping.ts';
import { manifestKey } from './keys.ts';
import { encodeNdjsonGz } from './ndjson.ts';
import { forEachLimit } from '../concurrency.ts';

export type { ArchiveSink, ArchiveSource } from './ports.ts';

export interface RangeManifest {
  v: 1;
  group: string;
  topic: string;
  partition: number;
  /** Decimal strings: inclusive start, exclusive end. */
  start: string;
  end: string;
  createdAt: string;
}

export interface ArchiverOptions {
  /** Consumer group whose committed offsets say what is archived (`sluice-archiver`). */
  group: string;
  /** Stop reading at this time (ms since the epoch); uploads and the commit come after it. */
  readDeadlineMs: number;
  /** Raw bytes read per round (bounds memory); a run does rounds until caught up or out of time. */
  maxRoundBytes?: number;
  /** Objects compressed and uploaded at once. */
  uploadConcurrency?: number;
  gzipLevel?: number;
  /** At most this many rounds (default: unlimited until caught up or the deadline). */
  maxRounds?: number;
  /** Test hook: called after every object of a round is uploaded, before the commit. */
  afterUpload?: (round: RoundResult) => void | Promise<void>;
  log?: (message: string, data?: Record<string, unknown>) => void;
}

export interface RoundResult {
  records: number;
  invalid: number;
  objects: number;
  rawBytes: number;
  gzBytes: number;
  /** Per partition: the committed range [start, end). */
  committed: { partition: number; start: string; end: string; replayed: boolean }[];
  /** Partitions whose recorded range could not be finished before the deadline (retried next run). */
  unfinished: number[];
  keys: string[];
}

export interface ArchiveRunResult extends Omit<RoundResult, 'committed' | 'unfinished' | 'keys'> {
  rounds: number;
  /** True when every partition reached the high watermark seen at the start of the last round. */
  caughtUp: boolean;
  /** Records left between what was committed and the high watermark seen last. */
  lag: string;
  keys: string[];
  readMs: number;
  writeMs: number;
}

const DEFAULT_ROUND_BYTES = 128 * 1024 * 1024;

export async function runArchiver(source: ArchiveSource, sink: ArchiveSink, opts: ArchiverOptions): Promise<ArchiveRunResult> {
  const total: ArchiveRunResult = { rounds: 0, records: 0, invalid: 0, objects: 0, rawBytes: 0, gzBytes: 0, caughtUp: false, lag: '0', keys: [], readMs: 0, writeMs: 0 };
  const maxRounds = opts.maxRounds ?? Number.POSITIVE_INFINITY;
  while (total.rounds < maxRounds && Date.now() < opts.readDeadlineMs) {
    const positions = await source.positions();
    const lagging = positions.filter((p) => p.start < p.latest);
    total.lag = lagging.reduce((n, p) => n + (p.latest - p.start), 0n).toString();
    if (lagging.length === 0) {
      total.caughtUp = true;
      break;
    }
    total.rounds++;
    const { round, reachedAll, readMs, writeMs } = await archiveRound(source, sink, opts, lagging);
    total.records += round.records;
    total.invalid += round.invalid;
    total.objects += round.objects;
    total.rawBytes += round.rawBytes;
    total.gzBytes += round.gzBytes;
    total.keys.push(...round.keys);
    total.readMs += readMs;
    total.writeMs += writeMs;
    // Reached the high watermarks seen at the start of the round: caught up. New records that arrived
    // meanwhile are the next scheduled run's work (so a busy topic cannot keep one run going forever).
    if (reachedAll) {
      total.caughtUp = true;
      total.lag = '0';
      break;
    }
  }
  return total;
}

async function archiveRound(
  source: ArchiveSource,
  sink: ArchiveSink,
  opts: ArchiverOptions,
  lagging: PartitionPosition[],
): Promise<{ round: RoundResult; reachedAll: boolean; readMs: number; writeMs: number }> {
  const log = opts.log ?? (() => undefined);
  const topic = source.topic;
  const budget = opts.maxRoundBytes ?? DEFAULT_ROUND_BYTES;

  // 1-2. Which ranges are already decided (an earlier run wrote a manifest for this start)?
  const fixedEnd = new Map<number, bigint>();
  await Promise.all(
    lagging.map(async (p) => {
      const body = await sink.get(manifestKey(opts.group, topic, p.partition, p.start));
      if (!body) return;
      const m = JSON.parse(body.toString('utf8')) as RangeManifest;
      const end = BigInt(m.end);
      if (end > p.latest || end <= p.start) {
        log('archive manifest ignored: the log does not reach its end (topic truncated or recreated?)', { partition: p.partition, start: m.start, end: m.end, latest: p.latest.toString() });
        return;
      }
      fixedEnd.set(p.partition, end);
    }),
  );

  // 3. Read.
  const t0 = performance.now();
  const grouper = new Grouper(topic);
  const ranges: ReadRange[] = lagging.map((p) => ({ partition: p.partition, start: p.start, end: fixedEnd.get(p.partition) ?? p.latest }));
  const latest = new Map(lagging.map((p) => [p.partition, p.latest]));
  const reached = await source.read(ranges, {
    deadlineMs: opts.readDeadlineMs,
    onRecord: (r) => {
      grouper.add(r);
      // A decided range is read to its end whatever the budget; a new one stops at the budget.
      return fixedEnd.has(r.partition) || grouper.rawBytes < budget;
    },
  });
  const readMs = performance.now() - t0;

  // Decide and record each partition's range.
  const t1 = performance.now();
  const round: RoundResult = { records: 0, invalid: 0, objects: 0, rawBytes: 0, gzBytes: 0, committed: [], unfinished: [], keys: [] };
  const commit = new Map<number, bigint>();
  let reachedAll = true;
  await Promise.all(
    ranges.map(async (r) => {
      const end = reached.get(r.partition) ?? r.start;
      if (end < latest.get(r.partition)!) reachedAll = false;
      const fixed = fixedEnd.get(r.partition);
      if (fixed !== undefined) {
        if (end < fixed) {
          grouper.dropPartition(r.partition);
          round.unfinished.push(r.partition);
          return;
        }
        commit.set(r.partition, fixed);
        round.committed.push({ partition: r.partition, start: r.start.toString(), end: fixed.toString(), replayed: true });
        return;
      }
      if (end <= r.start) return;
      const manifest: RangeManifest = { v: 1, group: opts.group, topic, partition: r.partition, start: r.start.toString(), end: end.toString(), createdAt: new Date().toISOString() };
      const key = manifestKey(opts.group, topic, r.partition, r.start);
      if (!(await sink.putIfAbsent(key, Buffer.from(JSON.stringify(manifest))))) {
        // Another run recorded a range for this start meanwhile: its range wins; leave it to that run.
        log('archive manifest already exists; partition left for the run that wrote it', { partition: r.partition, start: manifest.start });
        grouper.dropPartition(r.partition);
        round.unfinished.push(r.partition);
        return;
      }
      commit.set(r.partition, end);
      round.committed.push({ partition: r.partition, start: manifest.start, end: manifest.end, replayed: false });
    }),
  );

  // 4. Upload every object, then commit.
  const groups = grouper.groups();
  round.records = grouper.records;
  round.invalid = grouper.invalid;
  round.rawBytes = grouper.rawBytes;
  await forEachLimit(groups, opts.uploadConcurrency ?? 8, async (g) => {
    const metadata = objectMetadata(g);
    const body = await encodeNdjsonGz(g.lines, opts.gzipLevel);
    g.lines = []; // free the raw lines as soon as they are compressed
    await sink.put(g.key, body, { contentType: 'application/x-ndjson', metadata });
    round.gzBytes += body.length;
  });
  round.objects = groups.length;
  round.keys = groups.map((g) => g.key);
  if (opts.afterUpload) await opts.afterUpload(round);
  await source.commit(commit);
  const writeMs = performance.now() - t1;
  round.committed.sort((a, b) => a.partition - b.partition);
  log('archive round done', { records: round.records, objects: round.objects, rawBytes: round.rawBytes, gzBytes: round.gzBytes, invalid: round.invalid, committed: round.committed, unfinished: round.unfinished });
  return { round, reachedAll: reachedAll && round.unfinished.length === 0, readMs, writeMs };
}

/** S3 user metadata: lets `sluice archive ls` show counts with a HEAD instead of a download. */
export function objectMetadata(g: ArchiveGroup): Record<string, string> {
  return {
    events: String(g.lines.length),
    'raw-bytes': String(g.rawBytes),
    'min-received-at': new Date(g.minReceivedAtMs).toISOString(),
    'max-received-at': new Date(g.maxReceivedAtMs).toISOString(),
    ...(g.invalid ? { invalid: String(g.invalid) } : {}),
  };
}
