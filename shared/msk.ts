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

/** Decodes every record of the event, in topic-partition order then offset order. */
export function decodeMskEvent(event: MSKEvent): KafkaMessage[] {
  const out: KafkaMessage[] = [];
  const groups = event.records ?? {};
  for (const tp of Object.keys(groups).sort()) {
    const list = groups[tp] ?? [];
    const start = out.length;
    for (const r of list) out.push(decodeRecord(r));
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

export function decodeRecord(r: MSKRecord): KafkaMessage {
  const headers: Record<string, Buffer> = {};
  for (const h of r.headers ?? []) {
    for (const name of Object.keys(h)) headers[name] = Buffer.from(h[name] ?? []);
  }
  return {
    topic: r.topic,
    partition: Number(r.partition),
    offset: Number(r.offset),
    timestamp: Number(r.timestamp),
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
