import { describe, expect, it } from 'vitest';
import { IngestError, parseIngest, type IngestResult } from '../../../shared/ingest/index.ts';
import { fitJsonLiteral } from '../../../shared/ingest/split.ts';
import { CTX, req } from './helpers.ts';

function err(fn: () => unknown): IngestError {
  try {
    fn();
  } catch (e) {
    if (e instanceof IngestError) return e;
    throw e;
  }
  throw new Error('did not throw');
}
const raws = (r: IngestResult) => r.records.map((x) => x.envelope.raw);

describe('formats by Content-Type', () => {
  it('NDJSON: each line is the raw, unparsed; blank lines skipped; CRLF', () => {
    const r = parseIngest(req('{"a": 1}\r\n\r\n  \n{"b":2}\nnot json at all\n', { 'content-type': 'application/x-ndjson' }), CTX);
    expect(r.format).toBe('ndjson');
    expect(raws(r)).toEqual(['{"a": 1}', '{"b":2}', 'not json at all']);
    expect(r.records[0]!.envelope.originalBytes).toBe(8);
  });

  it('application/jsonl is NDJSON too', () => {
    expect(parseIngest(req('{"a":1}\n{"a":2}', { 'content-type': 'application/jsonl; charset=utf-8' }), CTX).format).toBe('ndjson');
  });

  it('JSON array: elements as the exact text sent, strings as their value, blank strings skipped', () => {
    const r = parseIngest(req('[ {"a" : 1}, "plain line", 42, null, [1, 2], "" ]', { 'content-type': 'application/json' }), CTX);
    expect(r.format).toBe('json-array');
    expect(raws(r)).toEqual(['{"a" : 1}', 'plain line', '42', 'null', '[1, 2]']);
  });

  it('single JSON object: kept as its text', () => {
    const body = '{\n  "msg": "hello",\n  "n": 1\n}\n';
    const r = parseIngest(req(body, { 'content-type': 'application/json' }), CTX);
    expect(r.format).toBe('json');
    expect(raws(r)).toEqual([body.trim()]);
  });

  it('text/plain: lines (LF or CRLF)', () => {
    const r = parseIngest(req('first line\r\nsecond line\n\nthird', { 'content-type': 'text/plain' }), CTX);
    expect(r.format).toBe('text');
    expect(raws(r)).toEqual(['first line', 'second line', 'third']);
  });

  it('text/plain: a Java stack trace sent as lines is one event (shared/classify joinMultiline)', () => {
    const trace = 'java.lang.IllegalStateException: boom\n\tat a.B.c(B.java:1)\n\tat a.B.d(B.java:2)\nCaused by: x.Y: z\n\t... 3 more';
    const r = parseIngest(req(`INFO start\n${trace}\nINFO end\n`, { 'content-type': 'text/plain' }), CTX);
    // (the joiner attaches an exception logged right after a log line to that line)
    expect(raws(r).filter((x) => x.includes(trace))).toHaveLength(1);
    expect(raws(r).at(-1)).toBe('INFO end');
    expect(r.accepted).toBeLessThanOrEqual(3);
  });

  it('says JSON but is not: falls back to text lines, nothing lost', () => {
    for (const body of ['[2024-01-01 12:00] INFO started\n[2024-01-01 12:01] WARN slow', 'plain\nlines', '{broken\n{"a":']) {
      const r = parseIngest(req(body, { 'content-type': 'application/json' }), CTX);
      expect(r.format).toBe('text');
      expect(raws(r)).toEqual(body.split('\n'));
    }
  });

  it('says JSON but is NDJSON: NDJSON', () => {
    const r = parseIngest(req('{"a":1}\n{"a":2}\n', { 'content-type': 'application/json' }), CTX);
    expect(r.format).toBe('ndjson');
    expect(r.accepted).toBe(2);
  });
});

describe('JSON array structure', () => {
  it('brackets, commas and quotes inside strings do not split elements', () => {
    const r = parseIngest(req('[ "a]", {"b":"},{\\"x\\"]"}, ["[", "]"] ]'), CTX);
    expect(r.format).toBe('json-array');
    expect(raws(r)).toEqual(['a]', '{"b":"},{\\"x\\"]"}', '["[", "]"]']);
  });
  it.each(['[1,]', '[,1]', '[1,,2]', '[1 2]', '[1] trailing', '[1', '["open]', '[{"a":1]', '[}'])(
    'broken array %j -> text lines, nothing lost',
    (body) => {
      const r = parseIngest(req(body, { 'content-type': 'application/json' }), CTX);
      expect(r.format).toBe('text');
      expect(raws(r)).toEqual([body]);
    },
  );
  it('pretty-printed array: each element keeps its text, line breaks included (the envelope escapes them)', () => {
    const r = parseIngest(req('[\n  {\n    "a": 1,\n    "b": [1, 2]\n  },\n  "x"\n]\n'), CTX);
    expect(raws(r)).toEqual(['{\n    "a": 1,\n    "b": [1, 2]\n  }', 'x']);
    expect(r.records[0]!.value.includes(0x0a)).toBe(false);
  });
});

describe('sniffing (no Content-Type, octet-stream, curl -d form type)', () => {
  for (const ct of [undefined, 'application/octet-stream', 'application/x-www-form-urlencoded']) {
    const h: Record<string, string> = ct ? { 'content-type': ct } : {};
    it(`[${ct ?? 'none'}] '[' -> JSON array`, () => {
      expect(parseIngest(req('  [{"a":1},{"a":2}]', h), CTX).format).toBe('json-array');
    });
    it(`[${ct ?? 'none'}] '{' on several lines parsing as objects -> NDJSON`, () => {
      const r = parseIngest(req('{"a":1}\n{"a":2}\n{"a":3}', h), CTX);
      expect(r.format).toBe('ndjson');
      expect(r.accepted).toBe(3);
    });
    it(`[${ct ?? 'none'}] '{' single (pretty-printed) object -> json`, () => {
      const r = parseIngest(req('{\n "a": {\n  "b": 1\n }\n}', h), CTX);
      expect(r.format).toBe('json');
      expect(r.accepted).toBe(1);
    });
    it(`[${ct ?? 'none'}] one-line object -> json`, () => {
      expect(parseIngest(req('{"a":1}\n', h), CTX).format).toBe('json');
    });
    it(`[${ct ?? 'none'}] anything else -> text`, () => {
      const r = parseIngest(req('Jan 1 host app[1]: hello\nJan 1 host app[1]: bye\n', h), CTX);
      expect(r.format).toBe('text');
      expect(r.accepted).toBe(2);
    });
    it(`[${ct ?? 'none'}] '[' that is not JSON -> text`, () => {
      expect(parseIngest(req('[INFO] a\n[WARN] b', h), CTX).format).toBe('text');
    });
  }

  it('NDJSON with a broken line after valid object lines: NDJSON, broken line kept as text', () => {
    const r = parseIngest(req('{"a":1}\n{"a":2\n{"a":3}'), CTX);
    expect(r.format).toBe('ndjson');
    expect(raws(r)).toEqual(['{"a":1}', '{"a":2', '{"a":3}']);
  });
});

describe('empty bodies', () => {
  it.each(['', '   \n\r\n\t '])('empty or whitespace-only -> 400 empty_body (%j)', (body) => {
    const e = err(() => parseIngest(req(body), CTX));
    expect(e.status).toBe(400);
    expect(e.code).toBe('empty_body');
  });
  it('an empty JSON array is accepted with 0 events', () => {
    expect(parseIngest(req('[]'), CTX).accepted).toBe(0);
  });
});

describe('per-event limit: truncated, never dropped', () => {
  it('ASCII event over the limit is cut to the limit and flagged', () => {
    const big = 'a'.repeat(5000);
    const r = parseIngest(req(`small\n${big}\nafter`, { 'content-type': 'text/plain' }), { ...CTX, limits: { maxEventBytes: 1000 } });
    expect(r.accepted).toBe(3);
    expect(r.truncated).toBe(1);
    const e = r.records[1]!.envelope;
    expect(e.truncated).toBe(true);
    expect(e.originalBytes).toBe(5000);
    expect(e.raw).toBe('a'.repeat(1000));
    expect(r.records[0]!.envelope.truncated).toBe(false);
  });

  it('cut on a UTF-8 character boundary (multi-byte characters)', () => {
    const big = '€'.repeat(1000); // 3 bytes each
    const r = parseIngest(req(big, { 'content-type': 'application/x-ndjson' }), { ...CTX, limits: { maxEventBytes: 1000 } });
    const e = r.records[0]!.envelope;
    expect(e.truncated).toBe(true);
    expect(e.originalBytes).toBe(3000);
    expect(e.raw).toBe('€'.repeat(333));
    expect(Buffer.byteLength(e.raw)).toBe(999);
    expect(e.raw).not.toContain('\uFFFD');
  });

  it('1 MiB default: a 1.5 MiB line becomes exactly 1 MiB', () => {
    const r = parseIngest(req('x'.repeat(1.5 * 1024 * 1024)), CTX);
    expect(r.records[0]!.envelope.raw.length).toBe(1024 * 1024);
    expect(r.records[0]!.envelope.originalBytes).toBe(1.5 * 1024 * 1024);
  });

  it('an event whose JSON literal would outgrow twice the limit (control characters) is cut further and flagged', () => {
    const MiB = 1024 * 1024;
    // 1 MiB of NULs: 6 MiB once escaped, more than a Lambda invocation from MSK can carry.
    const nul = parseIngest(req('\u0000'.repeat(MiB), { 'content-type': 'text/plain' }), CTX);
    expect(nul.truncated).toBe(1);
    const e = nul.records[0]!;
    expect(e.envelope).toMatchObject({ truncated: true, originalBytes: MiB });
    expect(e.envelope.raw).toBe('\u0000'.repeat(e.envelope.raw.length));
    const literal = Buffer.byteLength(JSON.stringify(e.envelope.raw));
    expect(literal).toBeLessThanOrEqual(2 * MiB + 2);
    expect(literal).toBeGreaterThan(2 * MiB + 2 - 6);
    expect(e.value.length).toBeLessThan(2 * MiB + 1024);
    expect(JSON.parse(e.value.toString('utf8'))).toEqual(e.envelope);
    // Within twice the limit once escaped: kept whole. So is a 1 MiB event of ordinary text and quotes.
    const some = parseIngest(req('\u0001'.repeat(300_000) + 'end', { 'content-type': 'text/plain' }), CTX);
    expect(some.records[0]!.envelope).toMatchObject({ truncated: false, raw: '\u0001'.repeat(300_000) + 'end' });
    const quotes = ('said "a" \\ and "b" ' + 'x'.repeat(30)).repeat(30_000).slice(0, MiB - 1) + '.';
    const q = parseIngest(req(quotes, { 'content-type': 'text/plain' }), CTX).records[0]!.envelope;
    expect(q.truncated).toBe(false);
    expect(q.raw === quotes).toBe(true);
  });

  it('cuts a JSON literal on a character boundary, never inside a surrogate pair', () => {
    const s = '\u0000😀'.repeat(10); // 6 + 4 bytes per pair of characters
    for (let max = 2; max <= 110; max++) {
      const cut = fitJsonLiteral(s, max);
      expect(Buffer.byteLength(JSON.stringify(cut)), `max ${max}`).toBeLessThanOrEqual(max);
      expect(s.startsWith(cut)).toBe(true);
      expect((cut as unknown as { isWellFormed(): boolean }).isWellFormed()).toBe(true);
      // Nothing more would have fitted.
      if (cut.length < s.length) expect(Buffer.byteLength(JSON.stringify(s.slice(0, cut.length + (s.charCodeAt(cut.length) >= 0xd800 ? 2 : 1))))).toBeGreaterThan(max);
    }
    expect(fitJsonLiteral(s, 1000)).toBe(s);
  });

  it('JSON array element and single object over the limit are truncated too', () => {
    const el = { msg: 'z'.repeat(3000) };
    const a = parseIngest(req(JSON.stringify([el, { ok: 1 }])), { ...CTX, limits: { maxEventBytes: 1000 } });
    expect(a.records.map((x) => x.envelope.truncated)).toEqual([true, false]);
    expect(Buffer.byteLength(a.records[0]!.envelope.raw)).toBe(1000);
    const s = parseIngest(req(JSON.stringify(el)), { ...CTX, limits: { maxEventBytes: 1000 } });
    expect(s.records[0]!.envelope.truncated).toBe(true);
  });
});

describe('UTF-8', () => {
  const bad = Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x21]); // "bad" + invalid + "!"
  it('invalid bytes are replaced with U+FFFD and flagged per event, not per body', () => {
    const body = Buffer.concat([Buffer.from('good line\n'), bad, Buffer.from('\nalso good é\n')]);
    const r = parseIngest(req(body, { 'content-type': 'application/x-ndjson' }), CTX);
    expect(r.invalidUtf8).toBe(1);
    const [a, b, c] = r.records.map((x) => x.envelope);
    expect(a!.invalidUtf8).toBeUndefined();
    expect(b!.invalidUtf8).toBe(true);
    expect(b!.raw).toBe('bad\uFFFD\uFFFD!');
    expect(b!.originalBytes).toBe(6);
    expect(c!.raw).toBe('also good é');
    expect(c!.invalidUtf8).toBeUndefined();
    expect(JSON.parse(r.records[1]!.value.toString()).invalidUtf8).toBe(true);
  });

  it('text bodies too', () => {
    const body = Buffer.concat([bad, Buffer.from('\nfine')]);
    const r = parseIngest(req(body, { 'content-type': 'text/plain' }), CTX);
    expect(r.records.map((x) => x.envelope.invalidUtf8 === true)).toEqual([true, false]);
  });

  it('a legitimate U+FFFD in valid UTF-8 is not flagged', () => {
    const r = parseIngest(req('has \uFFFD in it\n'), CTX);
    expect(r.invalidUtf8).toBe(0);
  });

  it('NUL bytes are data: kept in raw, escaped in the JSON value', () => {
    const r = parseIngest(req(Buffer.from('a\u0000b\nc')), CTX);
    expect(r.records[0]!.envelope.raw).toBe('a\u0000b');
    expect(r.records[0]!.value.toString()).toContain('"raw":"a\\u0000b"');
  });

  it('text bodies from the event take the no-decode path with the same result; lone surrogates are repaired', () => {
    const body = '\uFEFF{"a":"é"}\n{"b":2}\nline €';
    const viaText = req(body);
    expect(viaText.bodyText).toBe(body);
    const { bodyText: _drop, ...viaBuffer } = viaText;
    const a = parseIngest(viaText, CTX).records.map((x) => [x.envelope.raw, x.envelope.originalBytes]);
    const b = parseIngest(viaBuffer, CTX).records.map((x) => [x.envelope.raw, x.envelope.originalBytes]);
    expect(a).toEqual(b);
    expect(a[0]).toEqual(['{"a":"é"}', 10]);
    const lone = parseIngest(req('bad \uD800 surrogate'), CTX).records[0]!;
    expect(lone.envelope.raw).toBe('bad \uFFFD surrogate');
    expect(lone.value.toString()).toBe(JSON.stringify(lone.envelope));
  });

  it('a UTF-8 BOM is dropped', () => {
    const r = parseIngest(req(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[{"a":1}]')])), CTX);
    expect(r.format).toBe('json-array');
  });
});

describe('deep nesting and volume', () => {
  it('a JSON array of events nested 1,000 deep is fine', () => {
    const deep = '{"a":'.repeat(1000) + '1' + '}'.repeat(1000);
    const r = parseIngest(req(`[${deep},{"b":2}]`), CTX);
    expect(r.format).toBe('json-array');
    expect(raws(r)).toEqual([deep, '{"b":2}']);
  });

  it('an element too deep for JSON.stringify keeps its source text instead of crashing', () => {
    const deep = '['.repeat(50_000) + ']'.repeat(50_000);
    const r = parseIngest(req(`[1, ${deep} , "x"]`), CTX);
    expect(raws(r)).toEqual(['1', deep, 'x']);
  });

  it('a single object nested 100,000 deep is kept as its text', () => {
    const deep = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
    const r = parseIngest(req(deep, { 'content-type': 'application/json' }), CTX);
    expect(r.accepted).toBe(1);
    expect(r.records[0]!.envelope.raw).toBe(deep);
  });

  it('a JSON array of a million tiny events works within the body limit (when the per-request cap allows that many)', () => {
    const body = '[' + new Array(1_000_000).fill('1').join(',') + ']';
    const t0 = performance.now();
    const r = parseIngest(req(body), { ...CTX, limits: { maxEventsPerRequest: 1_000_000 } });
    expect(r.accepted).toBe(1_000_000);
    let n = 0;
    let last = '';
    let unordered = 0;
    for (const batch of r.batches(5000)) {
      for (const rec of batch) {
        if (!(rec.envelope.id > last)) unordered++;
        last = rec.envelope.id;
        n++;
      }
    }
    expect(n).toBe(1_000_000);
    expect(unordered).toBe(0);
    expect(performance.now() - t0).toBeLessThan(20_000);
  }, 30_000);
});

describe('envelope', () => {
  it('value is exactly JSON.stringify(envelope), with and without metadata / flags', () => {
    const bodies: Array<[string | Buffer, Record<string, string>]> = [
      ['{"a":"q\\"uote"}\n{"b":"\u2028"}', {}],
      ['x\ny', { 'x-log-source': 'src "1"', 'x-log-host': 'Web-1', 'x-log-tags': 'A, b ,a' }],
      ['x', { 'x-log-host': 'h' }],
      ['x', { 'x-log-source': 's' }],
      [Buffer.from([0xff, 0x0a, 0x61]), { 'x-log-source': 's' }],
      ['z'.repeat(50), {}],
    ];
    for (const [body, h] of bodies) {
      const r = parseIngest(req(body, h), { ...CTX, limits: { maxEventBytes: 20 } });
      for (const rec of r.records) {
        expect(rec.value.toString('utf8')).toBe(JSON.stringify(rec.envelope));
        expect(JSON.parse(rec.value.toString('utf8'))).toEqual(rec.envelope);
      }
    }
  });

  it('fields: v, tenant from ctx, receivedAt ISO ms UTC, requestId, tags', () => {
    const r = parseIngest(req('hello', { 'x-log-tags': 'Prod,web,prod' }), CTX);
    const e = r.records[0]!.envelope;
    expect(e).toMatchObject({
      v: 1,
      tenant: 'acme',
      receivedAt: '2025-01-02T03:04:05.678Z',
      requestId: 'req-apigw-1',
      tags: ['prod', 'web'],
      raw: 'hello',
      truncated: false,
      originalBytes: 5,
    });
    expect('source' in e).toBe(false);
    expect('invalidUtf8' in e).toBe(false);
  });

  it('the tenant comes only from ctx: a "tenant" field in the event, metadata or query changes nothing', () => {
    const r = parseIngest(
      req('{"tenant":"evil","msg":"x"}\n{"tenant":"evil2"}', { 'x-log-tags': 'tenant:evil', 'x-tenant': 'evil', 'x-log-source': 'evil' }, { tenant: 'evil' }),
      CTX,
    );
    for (const rec of r.records) {
      expect(rec.envelope.tenant).toBe('acme');
      expect(JSON.parse(rec.value.toString()).tenant).toBe('acme');
      expect(rec.key).toBe('acme');
    }
    expect(r.records[0]!.envelope.raw).toBe('{"tenant":"evil","msg":"x"}');
  });

  it('records and batches give identical records', () => {
    const body = Array.from({ length: 25 }, (_, i) => `line ${i}`).join('\n');
    const r = parseIngest(req(body), { ...CTX, spread: 4 });
    const batched = [...r.batches(7)];
    expect(batched.map((b) => b.length)).toEqual([7, 7, 7, 4]);
    const flat = batched.flat();
    const fresh = parseIngest(req(body), CTX); // another request: other ids
    expect(flat.map((x) => x.value.toString())).toEqual(r.records.map((x) => x.value.toString()));
    expect(flat.map((x) => x.key)).toEqual(r.records.map((x) => x.key));
    expect(fresh.records[0]!.envelope.id).not.toBe(r.records[0]!.envelope.id);
  });

  it('batches respect maxBytes', () => {
    const body = Array.from({ length: 10 }, () => 'x'.repeat(100)).join('\n');
    const r = parseIngest(req(body), CTX);
    const size = r.records[0]!.value.length;
    for (const b of r.batches(100, size * 3)) expect(b.reduce((s, x) => s + x.value.length, 0)).toBeLessThanOrEqual(size * 3);
  });
});
