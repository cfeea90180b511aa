/**
 * Archive object keys (pure).
 *
 *   raw/tenant=<id>/dt=<YYYY-MM-DD>/hour=<HH>/<topic>-<partition>-<firstOffset>-<lastOffset>.ndjson.gz
 *
 * Hive-style partitions so Athena/Glue can prune by tenant, day and hour. Offsets are zero-padded to
 * 20 digits so that keys sort by offset within a partition (a listing is in log order). The tenant
 * segment is either a valid tenant id (see `isTenantId`: lower-case letters, digits, hyphens, so it
 * cannot contain `/`, `=`, `..` or anything else that could leave its prefix) or `_invalid` for
 * records that are not a valid envelope; anything else throws.
 */
import { isTenantId } from '../tenants/ids.ts';

/** Root of the archive data (the Athena table's LOCATION). */
export const RAW_PREFIX = 'raw/';
/** Tenant partition for records that are not a valid envelope (bad JSON, bad tenant, bad time). */
export const INVALID_TENANT = '_invalid';
export const OBJECT_SUFFIX = '.ndjson.gz';
/** Kafka's own topic-name rule (legal characters, max 249). */
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const OFFSET_DIGITS = 20;
const HOUR_MS = 3_600_000;
/** Latest instant whose ISO form still has a 4-digit year (9999-12-31T23:59:59.999Z). */
export const MAX_ARCHIVE_TIME_MS = 253_402_300_799_999;

export class ArchiveKeyError extends Error {
  override readonly name = 'ArchiveKeyError';
}

/** A tenant segment that is safe in a key: a valid tenant id or `_invalid`. */
export function isArchiveTenant(tenant: string): boolean {
  return tenant === INVALID_TENANT || isTenantId(tenant);
}

function assertArchiveTenant(tenant: string): void {
  if (!isArchiveTenant(tenant)) throw new ArchiveKeyError(`Not an archivable tenant id: ${JSON.stringify(tenant.slice(0, 60))}`);
}

/** Start (ms, UTC) of the hour containing `ms`. */
export function hourStart(ms: number): number {
  return Math.floor(ms / HOUR_MS) * HOUR_MS;
}

/** `{ dt: 'YYYY-MM-DD', hour: 'HH' }` of an instant, in UTC. */
export function hourParts(ms: number): { dt: string; hour: string } {
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_ARCHIVE_TIME_MS) throw new ArchiveKeyError(`Time out of archivable range: ${ms}`);
  const iso = new Date(ms).toISOString();
  return { dt: iso.slice(0, 10), hour: iso.slice(11, 13) };
}

/** `raw/tenant=<t>/` */
export function tenantPrefix(tenant: string): string {
  assertArchiveTenant(tenant);
  return `${RAW_PREFIX}tenant=${tenant}/`;
}

/** `raw/tenant=<t>/dt=<d>/` for the UTC day containing `ms`. */
export function dayPrefix(tenant: string, ms: number): string {
  return `${tenantPrefix(tenant)}dt=${hourParts(ms).dt}/`;
}

/** `raw/tenant=<t>/dt=<d>/hour=<h>/` for the UTC hour containing `ms`. */
export function hourPrefix(tenant: string, ms: number): string {
  const { dt, hour } = hourParts(ms);
  return `${tenantPrefix(tenant)}dt=${dt}/hour=${hour}/`;
}

export interface ObjectKeyParts {
  tenant: string;
  /** Start of the hour (ms since the epoch, UTC). */
  hourStartMs: number;
  topic: string;
  partition: number;
  /** Offset of the first record in the object (inclusive). */
  firstOffset: bigint;
  /** Offset of the last record in the object (inclusive). */
  lastOffset: bigint;
}

const pad = (o: bigint): string => o.toString().padStart(OFFSET_DIGITS, '0');

export function objectKey(p: ObjectKeyParts): string {
  if (!TOPIC.test(p.topic)) throw new ArchiveKeyError(`Not a Kafka topic name: ${JSON.stringify(p.topic.slice(0, 60))}`);
  if (!Number.isInteger(p.partition) || p.partition < 0) throw new ArchiveKeyError(`Bad partition ${p.partition}`);
  if (p.firstOffset < 0n || p.lastOffset < p.firstOffset) throw new ArchiveKeyError(`Bad offset range ${p.firstOffset}-${p.lastOffset}`);
  return `${hourPrefix(p.tenant, p.hourStartMs)}${p.topic}-${p.partition}-${pad(p.firstOffset)}-${pad(p.lastOffset)}${OBJECT_SUFFIX}`;
}

const KEY =
  /^raw\/tenant=([^/]+)\/dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})\/([A-Za-z0-9._-]+)-(\d+)-(\d+)-(\d+)\.ndjson\.gz$/;

/** The parts of an archive key, or undefined when the key is not one this module writes. */
export function parseObjectKey(key: string): ObjectKeyParts | undefined {
  const m = KEY.exec(key);
  if (!m) return undefined;
  const [, tenant, dt, hour, topic, partition, first, last] = m as unknown as [string, string, string, string, string, string, string, string];
  if (!isArchiveTenant(tenant)) return undefined;
  const hourStartMs = Date.parse(`${dt}T${hour}:00:00.000Z`);
  if (!Number.isFinite(hourStartMs) || new Date(hourStartMs).toISOString().slice(0, 13) !== `${dt}T${hour}`) return undefined;
  return { tenant, hourStartMs, topic, partition: Number(partition), firstOffset: BigInt(first), lastOffset: BigInt(last) };
}

/**
 * Where the archiver records the offset range it chose for a partition before uploading anything of
 * it (see archiver.ts: the determinism invariant). Outside `raw/`, so Athena never reads it.
 */
export function manifestKey(group: string, topic: string, partition: number, startOffset: bigint): string {
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(group)) throw new ArchiveKeyError(`Consumer group not usable in a key: ${JSON.stringify(group.slice(0, 60))}`);
  if (!TOPIC.test(topic)) throw new ArchiveKeyError(`Not a Kafka topic name: ${JSON.stringify(topic.slice(0, 60))}`);
  return `_manifests/${group}/${topic}/${partition}/${pad(startOffset)}.json`;
}
