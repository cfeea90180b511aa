/**
 * The Lambda MSK event (what an MSK / self-managed Kafka event source hands a function) to plain
 * records, and back: `toMskEvent` builds the exact shape Lambda sends from records consumed from
 * the local Kafka or made up in a test, so the stage's core runs in-process on a real event.
 *
 * Shape (https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html):
 *   { eventSource: 'aws:kafka', eventSourceArn, bootstrapServers,
 *     records: { '<topic>-<partition>': [{ topic, partition, offset, timestamp, timestampType,
 *                                           key: base64, value: base64, headers: [{ name: number[] }] }] } }
 * Pure: no I/O.
 */
import type { MSKEvent, MSKRecord } from 'aws-lambda';

export interface KafkaMessage {
  topic: string;
  partition: number;
  offset: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  key: Buffer | undefined;
  value: Buffer;
  /** Header name -> value (the last one wins when a name repeats). */
  headers: Record<string, Buffer>;
}

/**
 * Decodes every record of the event, in topic-partition order then offset order. Only the
 * coordinates are read up front: the key, value and headers are decoded from base64 when first
 * read (`valueText()` decodes the value straight to text through a reused buffer), so a stage that
 * needs only the text allocates no Buffer per record.
 */
export function decodeMskEvent(event: MSKEvent): MskMessage[] {
  const out: MskMessage[] = [];
  const groups = event.records ?? {};
  for (const tp of Object.keys(groups).sort()) {
    const list = groups[tp] ?? [];
    const start = out.length;
    for (const r of list) out.push(new MskMessage(r));
    // Lambda sends a partition's records in offset order; don't rely on it.
    let sorted = true;
    for (let i = start + 1; i < out.length; i++) if (out[i]!.offset < out[i - 1]!.offset) sorted = false;
    if (!sorted) {
      const part = out.splice(start).sort((a, b) => a.offset - b.offset);
      out.push(...part);
    }
  }
  return out;
}

/** One record of a Lambda MSK event (see `decodeMskEvent`). */
export class MskMessage implements KafkaMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  private readonly record: MSKRecord;
  private decoded: { key: Buffer | undefined; value: Buffer; headers: Record<string, Buffer> } | undefined;

  constructor(r: MSKRecord) {
    this.record = r;
    this.topic = r.topic;
    this.partition = Number(r.partition);
    this.offset = Number(r.offset);
    this.timestamp = Number(r.timestamp);
  }

  get key(): Buffer | undefined {
    return this.full().key;
  }

  get value(): Buffer {
    return this.full().value;
  }

  get headers(): Record<string, Buffer> {
    return this.full().headers;
  }

  /** True when the record carries a header of that name (read without decoding the key or value). */
  hasHeader(name: string): boolean {
    if (this.decoded !== undefined) return this.decoded.headers[name] !== undefined;
    for (const h of this.record.headers ?? []) if (Object.hasOwn(h, name)) return true;
    return false;
  }

  /** Size of the value in bytes. */
  get valueBytes(): number {
    return base64Bytes(this.record.value);
  }

  /** The value as UTF-8 text (invalid sequences become U+FFFD), without keeping a Buffer. */
  valueText(): string {
    const b64 = this.record.value;
    if (typeof b64 !== 'string' || b64 === '') return '';
    const need = (b64.length >>> 2) * 3 + 3;
    if (scratch.length < need) scratch = Buffer.allocUnsafe(Math.max(need, scratch.length * 2));
    const n = scratch.write(b64, 0, 'base64');
    return scratch.toString('utf8', 0, n);
  }

  private full() {
    return (this.decoded ??= decodeParts(this.record));
  }
}

/** Reused by `valueText` (grown to the largest value seen; values are at most a few MB). */
let scratch = Buffer.allocUnsafe(64 * 1024);

/** Decoded size of a base64 string. */
function base64Bytes(b64: string | undefined): number {
  if (typeof b64 !== 'string' || b64 === '') return 0;
  let pad = 0;
  if (b64.charCodeAt(b64.length - 1) === 0x3d) pad++;
  if (b64.charCodeAt(b64.length - 2) === 0x3d) pad++;
  return (b64.length >>> 2) * 3 - pad;
}

function decodeParts(r: MSKRecord): { key: Buffer | undefined; value: Buffer; headers: Record<string, Buffer> } {
  const headers: Record<string, Buffer> = {};
  for (const h of r.headers ?? []) {
    for (const name of Object.keys(h)) headers[name] = Buffer.from(h[name] ?? []);
  }
  return {
    key: typeof r.key === 'string' && r.key !== '' ? Buffer.from(r.key, 'base64') : undefined,
    value: typeof r.value === 'string' ? Buffer.from(r.value, 'base64') : Buffer.alloc(0),
    headers,
  };
}

export interface MessageInput {
  topic: string;
  partition: number;
  offset: number;
  timestamp?: number;
  key?: Buffer | string | null | undefined;
  value: Buffer | string;
  headers?: Record<string, Buffer | string> | undefined;
}

export interface MskEventOptions {
  eventSourceArn?: string;
  bootstrapServers?: string;
}

/** Builds the event Lambda would send for these records (grouped by `<topic>-<partition>`). */
export function toMskEvent(records: readonly MessageInput[], opts: MskEventOptions = {}): MSKEvent {
  const groups: Record<string, MSKRecord[]> = {};
  for (const r of records) {
    const tp = `${r.topic}-${r.partition}`;
    const rec: MSKRecord = {
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp ?? Date.now(),
      timestampType: 'CREATE_TIME',
      key: r.key == null ? '' : toBuf(r.key).toString('base64'),
      value: toBuf(r.value).toString('base64'),
      headers: Object.entries(r.headers ?? {}).map(([k, v]) => ({ [k]: [...toBuf(v)] })),
    };
    (groups[tp] ??= []).push(rec);
  }
  return {
    eventSource: 'aws:kafka',
    eventSourceArn:
      opts.eventSourceArn ?? 'arn:aws:kafka:us-east-1:000000000000:cluster/sluice-local/00000000-0000-0000-0000-000000000000-1',
    bootstrapServers: opts.bootstrapServers ?? '127.0.0.1:9092',
    records: groups,
  };
}

const toBuf = (v: Buffer | string): Buffer => (typeof v === 'string' ? Buffer.from(v) : v);

/** A header's value as a string, or undefined. */
export function headerString(m: KafkaMessage, name: string): string | undefined {
  const h = m.headers[name];
  return h ? h.toString('utf8') : undefined;
}
