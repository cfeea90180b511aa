import { describe, expect, it } from 'vitest';
import { parseIngest } from '../../../shared/ingest/index.ts';
import { arraySpans } from '../../../shared/ingest/split.ts';
import { CTX, req } from './helpers.ts';

const raws = (body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
  const r = parseIngest(req(body, headers), CTX);
  return { format: r.format, raws: r.records.map((x) => x.envelope.raw), sizes: r.records.map((x) => x.envelope.originalBytes) };
};

describe('a JSON array body: each element is archived as the exact text the tenant sent', () => {
  it('keeps integers past 2^53, 1.10, 1e400 and duplicate keys exactly (JSON.parse + stringify changed all four)', () => {
    const elements = [
      '{"id":9007199254740993,"n":12345678901234567890123}',
      '{"price":1.10}',
      '{"huge":1e400}',
      '{"a":1,"a":2}',
      '9007199254740993',
      '1.10',
      '1e400',
      '-0',
      '{ "spaced" :  [ 1 ,2 ] }',
    ];
    const body = `[${elements.join(',')}]`;
    const out = raws(body);
    expect(out.format).toBe('json-array');
    expect(out.raws).toEqual(elements);
    expect(out.sizes).toEqual(elements.map((e) => Buffer.byteLength(e)));
    // What the old path made of them, for the record:
    expect(JSON.stringify(JSON.parse(elements[0]!))).not.toBe(elements[0]);
    expect(JSON.stringify(JSON.parse('{"price":1.10}'))).toBe('{"price":1.1}');
  });

  it('the Kafka value carries the element text byte for byte (the archive writes that value unchanged)', () => {
    const el = '{"id":9007199254740993,"p":1.10,"x":1e400,"k":"v","k":"w","t":"caf\u00e9 \\u00e9"}';
    const r = parseIngest(req(`[${el}, "line"]`, { 'content-type': 'application/json' }), CTX);
    const env = JSON.parse(r.records[0]!.value.toString('utf8')) as { raw: string };
    expect(env.raw).toBe(el);
    expect(Buffer.from(env.raw, 'utf8').equals(Buffer.from(el, 'utf8'))).toBe(true);
  });

  it('string elements are their value: escapes decoded, sizes counted in UTF-8 bytes of the value', () => {
    const out = raws('["caf\\u00e9", "tab\\there", "plain", "\\"quoted\\"", "   "]');
    expect(out.raws).toEqual(['caf\u00e9', 'tab\there', 'plain', '"quoted"']);
    expect(out.sizes).toEqual([Buffer.byteLength('caf\u00e9'), 8, 5, 8]);
  });

  it('non-ASCII and invalid-UTF-8 bodies: slices keep their characters; a bad byte is flagged per element', () => {
    expect(raws('[{"m":"日本語"}, "é"]').raws).toEqual(['{"m":"日本語"}', 'é']);
    const bad = Buffer.concat([Buffer.from('[{"m":"'), Buffer.from([0xff]), Buffer.from('"}, {"ok":1}]')]);
    const r = parseIngest(req(bad, { 'content-type': 'application/json' }), CTX);
    expect(r.format).toBe('json-array');
    expect(r.records.map((x) => x.envelope.raw)).toEqual(['{"m":"\uFFFD"}', '{"ok":1}']);
    expect(r.records.map((x) => x.envelope.invalidUtf8 === true)).toEqual([true, false]);
  });

  it('an element that is not JSON makes the body text lines (nothing lost), as before', () => {
    for (const body of ['[1, abc]', '["a" "b"]', '["a"x]', '["tab\there"]', '[{"a":}]', '["\\q"]']) {
      const out = raws(body);
      expect(out.format, body).toBe('text');
      expect(out.raws.join('\n'), body).toBe(body);
    }
  });

  it('keeps two integers per element, not the elements: 2M `{}` hold 16 MB of ranges', () => {
    const n = 2_000_000;
    const body = `[${'{},'.repeat(n - 1)}{}]`;
    const spans = arraySpans(body, 0)!;
    expect(spans.count).toBe(n);
    expect(spans.at.byteLength).toBeLessThanOrEqual(2 * 4 * 2 * n);
    expect(body.slice(spans.at[2 * (n - 1)]!, spans.at[2 * (n - 1) + 1]!)).toBe('{}');
  });

  it('past the per-request cap, elements are only scanned: the body is refused without validating them', () => {
    const body = `[${'{"a":1},'.repeat(300_000)}{"a":1}]`;
    const best = (cap: number): number => {
      let ms = Infinity;
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        expect(arraySpans(body, 0, cap)!.count).toBe(300_001);
        ms = Math.min(ms, performance.now() - t0);
      }
      return ms;
    };
    // A JSON.parse per element is the larger part of the work: skipping it past the cap shows.
    expect(best(1000)).toBeLessThan(best(Infinity));
  });
});
