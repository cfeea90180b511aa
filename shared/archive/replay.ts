/**
 * Replay (orchestration over injected store and producer): the archive objects of a tenant and time
 * range, their events filtered by receivedAt in [from, to), produced back to the raw topic with the
 * envelope bytes unchanged — so every event keeps its id and reindexing overwrites, never duplicates.
 */
import { createHash } from 'node:crypto';
import { decodeNdjsonGz } from './ndjson.ts';
import { listPrefixes, objectsInRange, type ArchiveObject, type ListedObject, type TimeRange } from './range.ts';
import { tenantPrefix } from './keys.ts';
import { REPLAY_HEADERS } from '../process/records.ts';

export interface ReplayStore {
  list(prefix: string): Promise<ListedObject[]>;
  get(key: string): Promise<Buffer | undefined>;
}

export interface OutRecord {
  topic: string;
  key: string;
  value: Buffer;
  headers?: Record<string, Buffer>;
}

export type ReplayProduce = (records: readonly OutRecord[]) => Promise<void>;

/** The tenant's archive objects whose hour overlaps the range (all of them without a range), in replay order. */
export async function listArchive(store: ReplayStore, tenant: string, range?: TimeRange): Promise<ArchiveObject[]> {
  const prefixes = range ? listPrefixes(tenant, range) : [tenantPrefix(tenant)];
  const listed: ListedObject[] = [];
  // A few LIST calls at a time (one per day of the range).
  for (let i = 0; i < prefixes.length; i += 8) {
    const pages = await Promise.all(prefixes.slice(i, i + 8).map((p) => store.list(p)));
    for (const page of pages) listed.push(...page);
  }
  return objectsInRange(listed, tenant, range);
}

export interface ReplayProgress {
  objectsDone: number;
  objectsTotal: number;
  /** Compressed bytes of the objects done / of all objects. */
  bytesDone: number;
  bytesTotal: number;
  events: number;
}

export interface ReplaySummary {
  objects: number;
  /** Events produced. */
  events: number;
  /** Events in the objects but outside [from, to) (the hour partitions are wider than the range). */
  skipped: number;
  /** Lines that are not an envelope of this tenant (should be none; never produced). */
  foreign: number;
  /**
   * Events whose id was already produced by this replay: the archive can hold an event twice when a
   * produce was written to Kafka just as ingest gave up on it and spilled it (both copies are the same
   * envelope). Copies share their receive hour, so ids are remembered per hour partition.
   */
  duplicates: number;
  /** Envelope bytes produced. */
  bytes: number;
  /** Compressed bytes downloaded. */
  objectBytes: number;
  seconds: number;
}

export interface ReplayOptions {
  store: ReplayStore;
  produce: ReplayProduce;
  topic: string;
  tenant: string;
  range: TimeRange;
  objects: readonly ArchiveObject[];
  /**
   * Kafka keys: 1 (default) keys every event by the tenant; n > 1 spreads them over `tenant#0..n-1`
   * by a hash of the event id (ingest's key scheme), so a large replay uses several partitions.
   */
  spread?: number;
  batchRecords?: number;
  batchBytes?: number;
  onProgress?: (p: ReplayProgress) => void;
}

interface LineInfo {
  tenant?: unknown;
  id?: unknown;
  receivedAt?: unknown;
}

export function replayKey(tenant: string, id: string, spread: number): string {
  const s = Math.floor(spread);
  if (!(s > 1)) return tenant;
  return `${tenant}#${createHash('sha1').update(id).digest().readUInt32BE(0) % s}`;
}

/**
 * One archived line: its event id when it is to be replayed, else why not (another tenant's or not
 * an envelope: foreign; outside the range: skipped; an id already replayed from this hour: duplicate).
 */
function judgeLine(line: Buffer, o: ReplayOptions, seen: Set<string>): string | { not: 'foreign' | 'skipped' | 'duplicates' } {
  let info: LineInfo;
  try {
    info = JSON.parse(line.toString('utf8')) as LineInfo;
  } catch {
    return { not: 'foreign' };
  }
  if (info.tenant !== o.tenant || typeof info.id !== 'string' || typeof info.receivedAt !== 'string') return { not: 'foreign' };
  const ms = Date.parse(info.receivedAt);
  if (!(ms >= o.range.fromMs && ms < o.range.toMs)) return { not: 'skipped' };
  if (seen.has(info.id)) return { not: 'duplicates' };
  seen.add(info.id);
  return info.id;
}

export async function runReplay(o: ReplayOptions): Promise<ReplaySummary> {
  const t0 = performance.now();
  const batchRecords = o.batchRecords ?? 1000;
  const batchBytes = o.batchBytes ?? 4 * 1024 * 1024;
  const summary: ReplaySummary = { objects: 0, events: 0, skipped: 0, foreign: 0, duplicates: 0, bytes: 0, objectBytes: 0, seconds: 0 };
  let seenHour = '';
  let seen = new Set<string>();
  const progress: ReplayProgress = { objectsDone: 0, objectsTotal: o.objects.length, bytesDone: 0, bytesTotal: o.objects.reduce((n, x) => n + x.size, 0), events: 0 };
  o.onProgress?.(progress);
  let batch: OutRecord[] = [];
  let batchSize = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const b = batch;
    batch = [];
    batchSize = 0;
    await o.produce(b);
  };
  // Download the next object while the current one is produced.
  const fetchObject = (i: number): Promise<Buffer | undefined> | undefined => {
    const obj = o.objects[i];
    return obj ? o.store.get(obj.key) : undefined;
  };
  let pending = fetchObject(0);
  for (let i = 0; i < o.objects.length; i++) {
    const obj = o.objects[i]!;
    const body = await pending;
    pending = fetchObject(i + 1);
    if (!body) throw new Error(`Archive object disappeared while replaying: ${obj.key}`);
    summary.objectBytes += body.length;
    const hour = obj.key.slice(0, obj.key.lastIndexOf('/'));
    if (hour !== seenHour) {
      seenHour = hour;
      seen = new Set();
    }
    for (const line of await decodeNdjsonGz(body)) {
      if (line.length === 0) continue;
      const verdict = judgeLine(line, o, seen);
      if (typeof verdict !== 'string') {
        summary[verdict.not]++;
        continue;
      }
      // Marked as a replay: the stage indexes it without counting or charging it again.
      batch.push({ topic: o.topic, key: replayKey(o.tenant, verdict, o.spread ?? 1), value: line, headers: { ...REPLAY_HEADERS } });
      batchSize += line.length;
      summary.events++;
      summary.bytes += line.length;
      if (batch.length >= batchRecords || batchSize >= batchBytes) {
        await flush();
        progress.events = summary.events;
        o.onProgress?.(progress);
      }
    }
    await flush();
    summary.objects++;
    progress.objectsDone++;
    progress.bytesDone += obj.size;
    progress.events = summary.events;
    o.onProgress?.(progress);
  }
  summary.seconds = (performance.now() - t0) / 1000;
  return summary;
}
