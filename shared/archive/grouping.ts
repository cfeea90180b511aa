/**
 * From Kafka records to archive objects (pure): each record is classified (which tenant, which hour,
 * which NDJSON line), and records are grouped by (partition, tenant, hour of receive time).
 *
 * A record that is not a valid envelope is never dropped: it goes to the `_invalid` tenant partition
 * as a wrapper line that keeps its bytes (base64) and where it came from (see `InvalidLine`).
 */
import { isUtf8 } from 'node:buffer';
import { isTenantId } from '../tenants/ids.ts';
import { hourStart, INVALID_TENANT, MAX_ARCHIVE_TIME_MS, objectKey } from './keys.ts';

/** A record as read from the topic. */
export interface SourceRecord {
  partition: number;
  offset: bigint;
  /** Kafka record timestamp (ms). Used as the receive time of records that have no valid one. */
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
}

/** The line written for a record that is not a valid envelope. */
export interface InvalidLine {
  /** Why it is not a valid envelope. */
  invalid: string;
  topic: string;
  partition: number;
  /** Decimal string (offsets can exceed 2^53). */
  offset: string;
  /** The Kafka record timestamp, ISO 8601; also the hour the line is filed under. */
  receivedAt: string;
  /** The tenant field when there was a string one (for support; not trusted). */
  tenant?: string;
  keyBase64: string | null;
  valueBase64: string | null;
}

export interface Classified {
  tenant: string;
  /** Receive time (ms): the envelope's `receivedAt`, or the Kafka timestamp for invalid records. */
  receivedAtMs: number;
  /** The NDJSON line (no newline). For a valid envelope: the Kafka value's bytes, unchanged. */
  line: Buffer;
  invalid?: string;
}

const NEWLINE = 0x0a;
const CR = 0x0d;

function kafkaTime(ts: bigint): number {
  const ms = Number(ts);
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_ARCHIVE_TIME_MS ? ms : 0;
}

export function classifyRecord(topic: string, r: SourceRecord): Classified {
  const value = r.value;
  let reason: string;
  let tenantField: string | undefined;
  if (value === null || value.length === 0) reason = 'empty value';
  else if (!isUtf8(value)) reason = 'value is not UTF-8';
  else {
    let doc: unknown;
    try {
      doc = JSON.parse(value.toString('utf8'));
    } catch {
      doc = undefined;
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) reason = 'not a JSON object';
    else {
      const env = doc as { tenant?: unknown; receivedAt?: unknown };
      if (typeof env.tenant === 'string') tenantField = env.tenant.slice(0, 200);
      const ms = typeof env.receivedAt === 'string' ? Date.parse(env.receivedAt) : NaN;
      if (!isTenantId(env.tenant)) reason = 'invalid tenant';
      else if (!(ms >= 0 && ms <= MAX_ARCHIVE_TIME_MS)) reason = 'invalid receivedAt';
      else {
        // JSON.stringify never emits a raw line break, so an envelope written by ingest is one line
        // as it is. A value with a raw CR/LF (pretty-printed JSON) is re-serialized onto one line:
        // the same document, and the same event id.
        const line = value.includes(NEWLINE) || value.includes(CR) ? Buffer.from(JSON.stringify(doc)) : value;
        return { tenant: env.tenant, receivedAtMs: ms, line };
      }
    }
  }
  const receivedAtMs = kafkaTime(r.timestamp);
  const wrapper: InvalidLine = {
    invalid: reason,
    topic,
    partition: r.partition,
    offset: r.offset.toString(),
    receivedAt: new Date(receivedAtMs).toISOString(),
    ...(tenantField !== undefined ? { tenant: tenantField } : {}),
    keyBase64: r.key ? r.key.toString('base64') : null,
    valueBase64: value ? value.toString('base64') : null,
  };
  return { tenant: INVALID_TENANT, receivedAtMs, line: Buffer.from(JSON.stringify(wrapper)), invalid: reason };
}

/** The records of one archive object: one partition, one tenant, one hour. */
export interface ArchiveGroup {
  key: string;
  tenant: string;
  hourStartMs: number;
  topic: string;
  partition: number;
  firstOffset: bigint;
  lastOffset: bigint;
  lines: Buffer[];
  /** Sum of line lengths plus one newline each = the uncompressed object size. */
  rawBytes: number;
  minReceivedAtMs: number;
  maxReceivedAtMs: number;
  invalid: number;
}

/**
 * Accumulates records (in offset order per partition) into groups. The result depends only on the
 * records given, never on time or arrival order across partitions, so the same offset range always
 * gives the same objects under the same keys.
 */
export class Grouper {
  readonly #topic: string;
  readonly #groups = new Map<string, Omit<ArchiveGroup, 'key'>>();
  records = 0;
  rawBytes = 0;
  invalid = 0;

  constructor(topic: string) {
    this.#topic = topic;
  }

  add(r: SourceRecord): void {
    const c = classifyRecord(this.#topic, r);
    const h = hourStart(c.receivedAtMs);
    const id = `${r.partition}\u0000${c.tenant}\u0000${h}`;
    let g = this.#groups.get(id);
    if (!g) {
      g = {
        tenant: c.tenant,
        hourStartMs: h,
        topic: this.#topic,
        partition: r.partition,
        firstOffset: r.offset,
        lastOffset: r.offset,
        lines: [],
        rawBytes: 0,
        minReceivedAtMs: c.receivedAtMs,
        maxReceivedAtMs: c.receivedAtMs,
        invalid: 0,
      };
      this.#groups.set(id, g);
    }
    if (r.offset < g.firstOffset) g.firstOffset = r.offset;
    if (r.offset > g.lastOffset) g.lastOffset = r.offset;
    g.lines.push(c.line);
    g.rawBytes += c.line.length + 1;
    if (c.receivedAtMs < g.minReceivedAtMs) g.minReceivedAtMs = c.receivedAtMs;
    if (c.receivedAtMs > g.maxReceivedAtMs) g.maxReceivedAtMs = c.receivedAtMs;
    this.records++;
    this.rawBytes += c.line.length + 1;
    if (c.invalid) {
      g.invalid++;
      this.invalid++;
    }
  }

  /** Drops the records of one partition (its range could not be finished this run). */
  dropPartition(partition: number): void {
    for (const [id, g] of this.#groups) {
      if (g.partition !== partition) continue;
      this.#groups.delete(id);
      this.records -= g.lines.length;
      this.rawBytes -= g.rawBytes;
      this.invalid -= g.invalid;
    }
  }

  groups(): ArchiveGroup[] {
    return [...this.#groups.values()].map((g) => ({ ...g, key: objectKey(g) }));
  }
}
