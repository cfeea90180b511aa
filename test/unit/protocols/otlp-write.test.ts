import { describe, expect, it } from 'vitest';
import { expectUtf8String, literalOf } from '../../support/literal.ts';
import { envelopeValue, metadataPart, requestParts } from '../../../shared/envelope/encode.ts';
import { envelopeValueOf, literalParts, LiteralWriter } from '../../../shared/envelope/literal.ts';
import { decodeOtlp } from '../../../shared/ingest/protocols/otlp.ts';
import { recordRaw, resourceJson, scopeJson } from '../../../shared/ingest/protocols/otlp-model.ts';
import { decodeLogsRequest } from '../../../shared/ingest/protocols/otlp-proto.ts';
import { Writer } from '../../../shared/ingest/protocols/wire.ts';

/** What the value holds between the raw's quotes. */

/** A deterministic generator (no flaky seeds). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

const STRINGS = ['', 'plain', 'say "hi"\\n', 'tab\there\nnew\u0001\u001f', 'é ü 日本 🚀', '{"k":"v","n":[1,2]}', '\u2028\u2029', '__proto__', '7', 'x'.repeat(300)];
/** Long enough (>= 32) for the writers' native fast path, each with one thing that path must leave to the slow one. */
const LONG = ['l'.repeat(40), 'l'.repeat(40) + '"', '\\' + 'l'.repeat(40), 'l'.repeat(40) + '\n', 'é🚀'.repeat(20), 'l'.repeat(40) + '\ufffd', 'l'.repeat(40) + '\u2028', 'l'.repeat(40) + '\u007f'];
const BAD_UTF8 = [Buffer.from([0x61, 0xff, 0x62]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe2, 0x82]), Buffer.from([0xf4, 0x90, 0x80, 0x80]), Buffer.from([0xc0, 0xaf])];

function anyValue(next: () => number, depth = 0, scalar = false): Buffer {
  const w = new Writer();
  const k = Math.floor(next() * (depth > 1 || scalar ? 6 : 9));
  const str = (): Buffer => (next() < 0.15 ? BAD_UTF8[Math.floor(next() * BAD_UTF8.length)]! : Buffer.from(STRINGS[Math.floor(next() * STRINGS.length)]!));
  if (k === 0) w.bytesField(1, str());
  else if (k === 1) w.varintField(2, next() < 0.5 ? 0 : 1);
  else if (k === 2) w.varintField(3, [0, 5, -5, 2 ** 40, -(2 ** 60), 2 ** 53 + 1][Math.floor(next() * 6)]!);
  else if (k === 3) {
    const d = Buffer.alloc(8);
    d.writeDoubleLE([0.5, -0, 1e21, 1 / 3, NaN, Infinity, -Infinity][Math.floor(next() * 7)]!);
    w.tag(4, 1);
    return Buffer.concat([w.finish(), d]);
  } else if (k === 4) w.bytesField(7, Buffer.from([0, 1, 0xfe, 0xff]));
  else if (k === 5) return Buffer.alloc(0); // an AnyValue with no value
  else if (k === 6) w.bytesField(5, new Writer().bytesField(1, anyValue(next, depth + 1)).bytesField(1, anyValue(next, depth + 1)).finish());
  else w.bytesField(6, new Writer().bytesField(1, keyValue(next, depth + 1)).finish());
  return w.finish();
}

function keyValue(next: () => number, depth = 0, key?: string): Buffer {
  const keys = ['a', 'b', 'http.route', '1', '__proto__', 'a"b', 'é'];
  const w = new Writer().stringField(1, key ?? keys[Math.floor(next() * keys.length)]!);
  if (next() < 0.9) w.bytesField(2, anyValue(next, depth, key !== undefined));
  return w.finish();
}

function logRecord(next: () => number): Buffer {
  const w = new Writer();
  const parts: Buffer[] = [];
  const fixed64 = (field: number, lo: number, hi: number): void => {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(lo, 0);
    b.writeUInt32LE(hi, 4);
    parts.push(Buffer.concat([new Writer().tag(field, 1).finish(), b]));
  };
  if (next() < 0.7) fixed64(1, Math.floor(next() * 2 ** 32), [0, 1, 418187000, 0xffffffff][Math.floor(next() * 4)]!);
  if (next() < 0.3) fixed64(11, Math.floor(next() * 2 ** 32), 418187000);
  if (next() < 0.8) parts.push(new Writer().varintField(2, Math.floor(next() * 30)).finish());
  if (next() < 0.6) parts.push(new Writer().stringField(3, ['INFO', 'warn', '', 'x"y'][Math.floor(next() * 4)]!).finish());
  if (next() < 0.85) parts.push(new Writer().bytesField(5, next() < 0.5 ? new Writer().bytesField(1, Buffer.from(STRINGS[Math.floor(next() * STRINGS.length)]!)).finish() : anyValue(next)).finish());
  const attrs = next() < 0.1 ? 40 : Math.floor(next() * 5);
  // Half the records as most SDKs send them (distinct keys, scalar values: the byte path), half anything.
  const usual = next() < 0.5;
  for (let i = 0; i < attrs; i++) parts.push(new Writer().bytesField(6, keyValue(next, 0, usual ? `k.${i}` : undefined)).finish());
  if (next() < 0.3) parts.push(new Writer().varintField(7, Math.floor(next() * 3)).finish());
  if (next() < 0.3) {
    const f = Buffer.alloc(4);
    f.writeUInt32LE(Math.floor(next() * 3));
    parts.push(Buffer.concat([new Writer().tag(8, 5).finish(), f]));
  }
  if (next() < 0.4) parts.push(new Writer().bytesField(9, Buffer.from('5b8efff798038103d269b633813fc60c', 'hex')).finish());
  if (next() < 0.4) parts.push(new Writer().bytesField(10, Buffer.from('eee19b7ec3c1b174', 'hex')).finish());
  if (next() < 0.3) parts.push(new Writer().stringField(12, ['ev', '', 'e"v'][Math.floor(next() * 3)]!).finish());
  if (next() < 0.2) parts.push(new Writer().stringField(99, 'unknown field').finish());
  // Fields in any order, as the wire allows.
  for (let i = parts.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [parts[i], parts[j]] = [parts[j]!, parts[i]!];
  }
  return Buffer.concat([w.finish(), ...parts]);
}

function request(records: Buffer[]): Buffer {
  const resource = new Writer().bytesField(1, new Writer().stringField(1, 'service.name').bytesField(2, new Writer().stringField(1, 'checkout').finish()).finish()).finish();
  const sl = new Writer().bytesField(1, new Writer().stringField(1, 'scope "s"').finish());
  for (const r of records) sl.bytesField(2, r);
  return new Writer().bytesField(1, new Writer().bytesField(1, resource).bytesField(2, sl.finish()).finish()).finish();
}

/** The reference: each non-empty record's recordRaw from the decoded request, or the WireError's message. */
function referenceOf(body: Buffer): string[] | string {
  let decoded;
  try {
    decoded = decodeLogsRequest(body);
  } catch (e) {
    return (e as Error).message;
  }
  const out: string[] = [];
  for (const rl of decoded) {
    for (const sl of rl.scopeLogs) {
      for (const r of sl.logRecords) {
        const empty = (r.body === undefined || r.body === null || r.body === '') && r.eventName === undefined && Object.keys(r.attributes).length === 0;
        if (!empty) out.push(recordRaw(resourceJson(rl.resource), scopeJson(sl.scope), r, 'R'));
      }
    }
  }
  return out;
}

/**
 * A record as SDKs send a request's records (time, severity, string body, attributes in a fixed
 * order), its keys and values drawn from small sets so that neighbours repeat, or nearly repeat
 * (a value of the same length, another kind with the same bytes, a key one byte off): what the
 * attribute cache must tell apart.
 */
function likeRecord(next: () => number, i: number): Buffer {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64LE(1796117400000000000n + BigInt(i) * 1000n);
  const w = new Writer().tag(1, 1);
  const head = Buffer.concat([w.finish(), ts]);
  const rec = new Writer().varintField(2, pick([9, 9, 13])).stringField(3, pick(['INFO', 'INFO', 'WARN'])).bytesField(5, new Writer().stringField(1, `line ${i} ${'y'.repeat(pick([5, 60, 300]))}`).finish());
  const keys = [pick(['order.id', 'order.id', 'order.ie', '1rder.id']), pick(['http.route', 'http.route', 'http.rout', '']), pick(['k', 'k', 'http.route', 'a"b'])];
  const values = (): Buffer =>
    pick([
      new Writer().varintField(3, pick([i, 5, 6, 2 ** 40])).finish(),
      new Writer().stringField(1, pick(['/api/v1/orders', '/api/v1/orderz', 'é日本', 'x'.repeat(300)])).finish(),
      new Writer().bytesField(7, Buffer.from('/api/v1/orders')).finish(),
      new Writer().varintField(2, pick([0, 1])).finish(),
      Buffer.alloc(0),
      new Writer().bytesField(5, new Writer().bytesField(1, new Writer().stringField(1, 'a').finish()).finish()).finish(),
    ]);
  const count = pick([2, 3, 3, 3]);
  for (let k = 0; k < count; k++) rec.bytesField(6, new Writer().stringField(1, keys[k]!).bytesField(2, next() < 0.7 ? STABLE[k]! : values()).finish());
  return Buffer.concat([head, rec.finish()]);
}
const STABLE = [new Writer().varintField(3, 7).finish(), new Writer().stringField(1, '/api/v1/orders').finish(), new Writer().stringField(1, 'v').finish()];

/** `b` with a few bytes changed (some requests then malformed, some records read otherwise). */
function mutate(next: () => number, b: Buffer): Buffer {
  const m = Buffer.from(b);
  const n = 1 + Math.floor(next() * 3);
  for (let k = 0; k < n; k++) m[Math.floor(next() * m.length)] = Math.floor(next() * 256);
  return m;
}

describe('OTLP records written straight as envelope literals', () => {
  it('protobuf: records that repeat, nearly repeat or are mutated give what the decoded path gives (attribute cache), or the same 400', () => {
    const next = rng(23);
    let malformed = 0;
    for (let q = 0; q < 300; q++) {
      const records = Array.from({ length: 12 }, (_, i) => likeRecord(next, q * 12 + i));
      const body = next() < 0.4 ? mutate(next, request(records)) : request(records);
      const expected = referenceOf(body);
      let got: string[] | string;
      try {
        got = decodeOtlp(body, 'protobuf', 'R').events.map((ev) => ev.lit!.toString('utf8'));
      } catch (e) {
        got = ((e as Error).cause as Error).message;
        malformed++;
      }
      expect(got).toEqual(typeof expected === 'string' ? expected : expected.map(literalOf));
    }
    expect(malformed).toBeGreaterThan(10);
  }, 30_000);


  it('protobuf: every generated record gives exactly the literal of recordRaw (byte path and decoded path alike)', () => {
    const next = rng(17);
    const records = Array.from({ length: 3000 }, () => logRecord(next));
    const body = request(records);
    const expected: string[] = [];
    for (const rl of decodeLogsRequest(body)) {
      for (const sl of rl.scopeLogs) {
        for (const r of sl.logRecords) {
          const empty = (r.body === undefined || r.body === null || r.body === '') && r.eventName === undefined && Object.keys(r.attributes).length === 0;
          if (!empty) expected.push(recordRaw(resourceJson(rl.resource), scopeJson(sl.scope), r, 'R'));
        }
      }
    }
    const d = decodeOtlp(body, 'protobuf', 'R');
    expect(d.events.length + d.rejected).toBe(3000);
    expect(d.events.length).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) {
      const ev = d.events[i]!;
      expect(ev.lit!.toString('utf8')).toBe(literalOf(expected[i]!));
      expect(ev.bytes).toBe(Buffer.byteLength(expected[i]!));
    }
  }, 30_000);

  it('JS strings: the literal and the size are what JSON.stringify gives, lone surrogates included', () => {
    const w = new LiteralWriter();
    for (const s of [...STRINGS, ...LONG, 'l'.repeat(40) + '\ud800', '\udfff' + 'l'.repeat(40), '\ud800', 'a\udc00b', '\ud83d\ude80\ud83d', 'ß'.repeat(2000)]) {
      w.begin();
      w.jsString(s);
      const l = w.end();
      expect(l.lit.toString('utf8')).toBe(literalOf(JSON.stringify(s)));
      expect(l.rawBytes).toBe(Buffer.byteLength(JSON.stringify(s)));
    }
  });

  it('UTF-8 bytes: valid text is copied, invalid bytes become U+FFFD as Buffer#toString decodes them', () => {
    const w = new LiteralWriter();
    const longBad = BAD_UTF8.map((b) => Buffer.concat([Buffer.from('l'.repeat(40)), b]));
    for (const b of [...STRINGS.map((s) => Buffer.from(s)), ...LONG.map((s) => Buffer.from(s)), ...BAD_UTF8, ...longBad]) {
      expectUtf8String(w, b);
    }
  });

  it('the value from a literal is byte for byte the value from the raw text', () => {
    const parts = requestParts('tenant-a', 'req-"1"');
    const meta = metadataPart('2026-12-01T10:00:00.000Z', 'src', 'host', ['a', 'b']);
    const raw = '{"message":"say \\"hi\\"\\n","x":"é🚀"}';
    const w = new LiteralWriter();
    w.begin();
    w.jsonText(raw);
    const l = w.end();
    const id = '01a23171-d4b9-7000-a000-0b61b2e15342';
    for (const cut of [false, true]) {
      expect(envelopeValueOf(literalParts(parts, meta), id, l.lit, cut, 1234).toString('utf8')).toBe(envelopeValue(parts, id, meta, raw, cut, 1234));
    }
  });

  it('literals written one after another stay intact when the writer moves to a new chunk', () => {
    const w = new LiteralWriter();
    const texts = Array.from({ length: 40 }, (_, i) => `"${'q'.repeat(50_000 + i)}"`);
    const lits = texts.map((t) => {
      w.begin();
      w.jsonText(t);
      return w.end();
    });
    lits.forEach((l, i) => expect(l.lit.toString('utf8')).toBe(literalOf(texts[i]!)));
  });
});
