import { describe, expect, it } from 'vitest';
import { LiteralWriter, piece } from '../../../shared/envelope/literal.ts';
import { IngestError } from '../../../shared/ingest/errors.ts';
import { decodeOtlp } from '../../../shared/ingest/protocols/otlp.ts';
import { recordRaw, resourceJson, scopeJson, isEmptyRecord } from '../../../shared/ingest/protocols/otlp-model.ts';
import { logsRequestFromJson } from '../../../shared/ingest/protocols/otlp-json.ts';
import { scanJsonLogsRequest } from '../../../shared/ingest/protocols/otlp-json-scan.ts';

/** What the value holds between the raw's quotes. */
const literalOf = (raw: string): string => JSON.stringify(raw).slice(1, -1);

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

/** JSON string literals as shippers may write them: plain, canonical escapes, and escapes JSON.stringify would not write. */
const STRINGS = [
  '""', '"plain"', JSON.stringify('say "hi"\\ \n\t\u0001\u001f'), '"é ü 日本 🚀"', JSON.stringify('{"k":"v","n":[1,2]}'), '"\u2028\u007f"',
  '"a\\/b"', '"\\u00e9t\\u00E9"', '"\\u000a"', '"\\u001F"', '"\\ud83d\\ude80"', '"lone \\ud800"', '"__proto__"', '"7"', JSON.stringify('x'.repeat(300)),
  JSON.stringify('q"'.repeat(40)),
];
const pick = <T>(next: () => number, xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;

function anyValue(next: () => number, usual: boolean): string {
  const k = Math.floor(next() * (usual ? 4 : 9));
  if (k === 0) return `{"stringValue":${pick(next, STRINGS)}}`;
  if (k === 1) return `{"boolValue":${next() < 0.5}}`;
  if (k === 2) return `{"intValue":${pick(next, ['0', '5', '-5', '"42"', '"-7"', '1099511627776', '"9007199254740993"', '-0', '"0"', '1e3'])}}`;
  if (k === 3) return `{"doubleValue":${pick(next, ['0.5', '-0', '1e21', '0.3333333333333333', '2.50', '1E-7', '"NaN"', '"Infinity"'])}}`;
  if (k === 4) return `{"bytesValue":"AAH+/w=="}`;
  if (k === 5) return '{}';
  if (k === 6) return `{"arrayValue":{"values":[${anyValue(next, true)},${anyValue(next, true)}]}}`;
  if (k === 7) return `{"kvlistValue":{"values":[{"key":"in","value":${anyValue(next, true)}}]}}`;
  return `{"string_value":${pick(next, STRINGS)},"other":1}`;
}

function logRecord(next: () => number): string {
  const usual = next() < 0.6;
  const f: string[] = [];
  const nm = (camel: string, snake: string): string => (usual || next() < 0.7 ? camel : snake);
  if (next() < 0.7) f.push(`"${nm('timeUnixNano', 'time_unix_nano')}":${pick(next, ['"1796117400123456789"', '"1796117400000000000"', '"0"', '"999"', '"99999999999999999999"', ...(usual ? [] : ['1796117400000000000', '"01796117400000000000"'])])}`);
  if (next() < 0.3) f.push(`"${nm('observedTimeUnixNano', 'observed_time_unix_nano')}":"1796117401000000000"`);
  if (next() < 0.8) f.push(`"${nm('severityNumber', 'severity_number')}":${pick(next, ['9', '0', '17', '99', 'null', ...(usual ? [] : ['"SEVERITY_NUMBER_WARN"', '9.0'])])}`);
  if (next() < 0.6) f.push(`"${nm('severityText', 'severity_text')}":${pick(next, ['"INFO"', '"warn"', '""', '"x\\"y"', 'null'])}`);
  if (next() < 0.85) f.push(`"body":${usual ? `{"stringValue":${pick(next, STRINGS)}}` : next() < 0.2 ? 'null' : anyValue(next, false)}`);
  const attrs = next() < 0.05 ? 20 : Math.floor(next() * 5);
  const kv: string[] = [];
  for (let i = 0; i < attrs; i++) {
    const key = usual ? `"k.${i}"` : pick(next, ['"a"', '"b"', '"http.route"', '"1"', '"__proto__"', '"a\\"b"', '"é"', '"\\u0061"']);
    kv.push(next() < 0.9 ? `{"key":${key},"value":${anyValue(next, usual)}}` : next() < 0.5 ? `{"key":${key}}` : `{"value":null,"key":${key}}`);
  }
  if (attrs > 0 || next() < 0.2) f.push(`"attributes":[${kv.join(',')}]`);
  if (next() < 0.3) f.push(`"${nm('droppedAttributesCount', 'dropped_attributes_count')}":${pick(next, ['0', '2', ...(usual ? [] : ['"3"'])])}`);
  if (next() < 0.3) f.push(`"flags":${pick(next, ['0', '1', ...(usual ? [] : ['"1"'])])}`);
  if (next() < 0.4) f.push(`"${nm('traceId', 'trace_id')}":${pick(next, ['"5b8efff798038103d269b633813fc60c"', '"5B8EFFF798038103D269B633813FC60C"', '""', ...(usual ? [] : ['"W47/95gDgQPSabYzgT/GDA=="'])])}`);
  if (next() < 0.4) f.push(`"${nm('spanId', 'span_id')}":"eee19b7ec3c1b174"`);
  if (next() < 0.3) f.push(`"${nm('eventName', 'event_name')}":${pick(next, ['"ev"', '""', '"e\\"v"'])}`);
  if (next() < 0.2) f.push(`"unknown":{"deep":[1,{"x":null}],"s":"\\u00e9"}`);
  if (!usual && next() < 0.05) f.push(`"body":{"stringValue":"again"}`); // a repeated key: JSON.parse keeps the last
  for (let i = f.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [f[i], f[j]] = [f[j]!, f[i]!];
  }
  return `{${f.join(next() < 0.5 ? ',' : ' ,\n ')}}`;
}

function request(next: () => number, records: string[]): string {
  const res = next() < 0.8 ? `"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}},{"key":"host.name","value":{"stringValue":"Web-1"}}]},` : '';
  const scope = next() < 0.8 ? `"scope":{"name":"s \\"q\\"","version":"1.0"},` : '';
  return ` {"resourceLogs":[{${res}"scopeLogs":[{${scope}"logRecords":[${records.join(',')}],"schemaUrl":"x"}]}]}\n`;
}

/** The literals the decoded path (JSON.parse + otlp-json.ts + recordRaw) gives for `body`. */
function expected(body: string): string[] {
  const out: string[] = [];
  for (const rl of logsRequestFromJson(JSON.parse(body))) {
    for (const sl of rl.scopeLogs) for (const r of sl.logRecords) if (!isEmptyRecord(r)) out.push(literalOf(recordRaw(resourceJson(rl.resource), scopeJson(sl.scope), r, 'R')));
  }
  return out;
}

function scans(body: Buffer): boolean {
  return scanJsonLogsRequest(body, new LiteralWriter(), { scope() {}, tail: () => piece(''), written() {}, empty() {} }, 'R');
}

describe('OTLP/JSON records scanned from the body', () => {
  it('every generated request gives exactly the literals of the decoded path, whichever path wrote it', () => {
    const next = rng(23);
    let scanned = 0;
    let total = 0;
    for (let q = 0; q < 1500; q++) {
      const body = request(next, Array.from({ length: 1 + Math.floor(next() * 3) }, () => logRecord(next)));
      const buf = Buffer.from(body);
      const want = expected(body);
      const d = decodeOtlp(buf, 'json', 'R');
      expect(d.events.map((e) => e.lit!.toString('utf8'))).toEqual(want);
      expect(d.events.map((e) => e.bytes)).toEqual(want.map((l) => Buffer.byteLength(JSON.parse(`"${l}"`) as string)));
      if (scans(buf)) scanned++;
      total++;
    }
    // Both paths are exercised: the scan takes the usual requests, the decoded path the rest.
    expect(scanned).toBeGreaterThan(total * 0.2);
    expect(scanned).toBeLessThan(total * 0.9);
  }, 60_000);

  it('records of one shape (the template path) give the decoded path\'s literals, whatever their values', () => {
    const next = rng(5);
    // Values per field, the usual first: each record draws its own, so most records fit the previous one's template
    // and some break it (a value its field refuses, a string with other escapes, a number for a string...).
    const V = {
      time: ['"1796117400123456789"', '"1796117400000000000"', '"999"', '"0"', '"01"', '""', '"12a"', '1796117400000000000', '"99999999999999999999"'],
      sev: ['9', '17', '0', '01', '-1', '9.5', '1e3', '99999999999', '"9"'],
      text: ['"INFO"', '"WARN"', '""', '"x\\"y"', '"\\u0041"', '"a\\/b"'],
      body: [JSON.stringify('{"k":"v"}'), '"plain"', '""', JSON.stringify('tab\t"q"\\'), '"\\u00e9t\\u00E9"', '"\\u001f"', '"bad \\x"', '"\\ud83d\\ude80"', JSON.stringify('x'.repeat(100))],
      int: ['5', '-5', '0', '-0', '"42"', '"4\\u0032"', '9007199254740993', '1.5', '05'],
      dbl: ['0.5', '-0', '1e21', '2.50', '1E-7', '1e999', '"NaN"', '.5'],
      str: ['"/api"', '"a\\"b"', '""', '"\\/x"', '"\\u0000"'],
      trace: ['"5b8efff798038103d269b633813fc60c"', '"5B8EFFF798038103D269B633813FC60C"', '""', '"W47/95gDgQPSabYzgT/GDA=="', '"5b8efff798038103d269b633813fc60"'],
      flags: ['1', '0', '"1"', '4294967296'],
    };
    const draw = (xs: readonly string[]): string => (next() < 0.93 ? xs[0]! : pick(next, xs));
    const record = (): string =>
      `{"timeUnixNano":${draw(V.time)},"severityNumber":${draw(V.sev)},"severityText":${draw(V.text)},"body":{"stringValue":${draw(V.body)}},` +
      `"traceId":${draw(V.trace)},"flags":${draw(V.flags)},"attributes":[{"key":"n","value":{"intValue":${draw(V.int)}}},{"key":"d","value":{"doubleValue":${draw(V.dbl)}}},` +
      `{"key":"s","value":{"stringValue":${draw(V.str)}}},{"key":"b","value":{"boolValue":${next() < 0.8}}},{"key":"z","value":null}]}`;
    let scanned = 0;
    for (let q = 0; q < 400; q++) {
      const body = request(next, Array.from({ length: 2 + Math.floor(next() * 6) }, record));
      const buf = Buffer.from(body);
      let want: string[] | undefined;
      try {
        want = expected(body);
      } catch {
        // the decoded path refuses it: so must the request
      }
      if (want === undefined) expect(() => decodeOtlp(buf, 'json', 'R')).toThrow(IngestError);
      else {
        const d = decodeOtlp(buf, 'json', 'R');
        expect(d.events.map((e) => e.lit!.toString('utf8'))).toEqual(want);
        expect(d.events.map((e) => e.bytes)).toEqual(want.map((l) => Buffer.byteLength(JSON.parse(`"${l}"`) as string)));
        if (scans(buf)) scanned++;
      }
    }
    expect(scanned).toBeGreaterThan(40);
  }, 60_000);

  it('attribute keys that change between records (one byte off, same length, another count) are written as they are, not as the last ones', () => {
    const next = rng(11);
    const keys = [['order.id', 'order.ie', 'orDer.id'], ['a', 'b', 'é'], ['http.route', 'http.rout', 'xttp.route']];
    const record = (): string => {
      const attrs = keys.slice(0, 1 + Math.floor(next() * 3)).map((ks) => `{"key":${JSON.stringify(next() < 0.6 ? ks[0] : pick(next, ks))},"value":{"stringValue":"v"}}`);
      return `{"timeUnixNano":"1796117400000000000","severityNumber":9,"body":{"stringValue":"x"},"attributes":[${attrs.join(',')}]}`;
    };
    let scanned = 0;
    for (let q = 0; q < 200; q++) {
      const body = request(next, Array.from({ length: 1 + Math.floor(next() * 8) }, record));
      const buf = Buffer.from(body);
      expect(decodeOtlp(buf, 'json', 'R').events.map((e) => e.lit!.toString('utf8'))).toEqual(expected(body));
      if (scans(buf)) scanned++;
    }
    expect(scanned).toBeGreaterThan(150);
  });

  it('the template path stays linear: records of one shape with 8x the records cost about 8x', () => {
    const rec = (i: number): string => `{"timeUnixNano":"17961174000000${String(i % 100000).padStart(5, '0')}","severityNumber":9,"body":{"stringValue":"order ${i} \\"ok\\""},"attributes":[{"key":"k","value":{"intValue":${i}}}]}`;
    const make = (count: number): Buffer => Buffer.from(request(rng(2), Array.from({ length: count }, (_, i) => rec(i))));
    const time = (b: Buffer, count: number): number => {
      let best = Infinity;
      for (let k = 0; k < 5; k++) {
        const t = process.cpuUsage();
        expect(decodeOtlp(b, 'json', 'R').events).toHaveLength(count);
        const u = process.cpuUsage(t);
        best = Math.min(best, u.user + u.system);
      }
      return best;
    };
    const small = time(make(2_000), 2_000);
    const large = time(make(16_000), 16_000);
    expect(large / Math.max(small, 1)).toBeLessThan(30);
  });

  it('a request as SDKs send it is scanned, with its JSON-text body escaped once more', () => {
    const body = request(rng(1), ['{"timeUnixNano":"1796117400000000000","severityNumber":9,"body":{"stringValue":"{\\"a\\":\\"b\\\\n\\"}"},"attributes":[{"key":"n","value":{"intValue":"3"}}]}']);
    expect(scans(Buffer.from(body))).toBe(true);
    expect(decodeOtlp(Buffer.from(body), 'json', 'R').events[0]!.lit!.toString('utf8')).toBe(expected(body)[0]);
  });

  it('malformed JSON is still a 400, whatever the scan would have made of it', () => {
    const good = '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"}}]}]}]}';
    const bad = [
      good.slice(0, -1), good + ',', good + 'x', good.replace('"x"', '"x\\q"'), good.replace('"x"', '"x\u0001"'), good.replace('"x"', '"\\u12"'),
      good.replace('}]}]}]}', '},]}]}]}'), good.replace('"body"', '"body":1,"n":01,"b"'), good.replace('"body"', '"n":-,"body"'), good.replace('"body"', '"n":tru,"body"'),
      good.replace('"body"', '"n":1.,"body"'), good.replace('"body"', '"n":[1,],"body"'), good.replace('"body"', '"n":{"a"},"body"'), good.replace('"body"', "'body'"),
    ];
    for (const b of bad) {
      expect(() => JSON.parse(b)).toThrow();
      expect(scans(Buffer.from(b))).toBe(false);
      let err: unknown;
      try {
        decodeOtlp(Buffer.from(b), 'json', 'R');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(IngestError);
      expect((err as IngestError).status).toBe(400);
    }
    expect(decodeOtlp(Buffer.from(good), 'json', 'R').events).toHaveLength(1);
  });

  it('a wrong field type found by the scan is the decoded path\'s 400', () => {
    const b = '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"},"traceId":"zz"}]}]}]}';
    expect(() => decodeOtlp(Buffer.from(b), 'json', 'R')).toThrow(/traceId must be 32 hex digits/);
  });

  it('adversarial nesting stays linear: 8x the depth costs about 8x', () => {
    const make = (depth: number): Buffer =>
      Buffer.from(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"x"},"unknown":${'['.repeat(depth)}${']'.repeat(depth)}}]}]}]}`);
    const time = (b: Buffer): number => {
      let best = Infinity;
      for (let k = 0; k < 5; k++) {
        const t = process.cpuUsage();
        expect(decodeOtlp(b, 'json', 'R').events).toHaveLength(1);
        const u = process.cpuUsage(t);
        best = Math.min(best, u.user + u.system);
      }
      return best;
    };
    const small = time(make(20_000));
    const large = time(make(160_000));
    expect(large / Math.max(small, 1)).toBeLessThan(30);
  });
});
