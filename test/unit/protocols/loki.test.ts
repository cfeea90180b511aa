import snappy from 'snappyjs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Writer } from '../../../shared/ingest/protocols/wire.ts';
import { parseLabels } from '../../../shared/ingest/protocols/loki.ts';
import { memoryServices, request, serve, TENANT, TOKEN } from './helpers.ts';

const auth = { authorization: `Bearer ${TOKEN}` };
const JSON_CT = { ...auth, 'content-type': 'application/json' };
const PB = { ...auth, 'content-type': 'application/x-protobuf' };

/** logproto.PushRequest, snappy block-compressed, as Promtail/Alloy send it. */
function pushRequest(streams: Array<{ labels: string; entries: Array<{ s: number; n: number; line: string; meta?: Record<string, string> }> }>): Buffer {
  const w = new Writer();
  for (const st of streams) {
    const sw = new Writer().stringField(1, st.labels);
    for (const e of st.entries) {
      const ew = new Writer().bytesField(1, new Writer().varintField(1, e.s).varintField(2, e.n).finish()).stringField(2, e.line);
      for (const [k, v] of Object.entries(e.meta ?? {})) ew.bytesField(3, new Writer().stringField(1, k).stringField(2, v).finish());
      sw.bytesField(2, ew.finish());
    }
    w.bytesField(1, sw.finish());
  }
  return Buffer.from(snappy.compress(w.finish()));
}

describe('Loki push /loki/api/v1/push', () => {
  it("JSON: Loki's documented example (with structured metadata); 204; labels in fields, service_name/host as source/host", async () => {
    const svc = memoryServices();
    const body = '{"streams": [{ "stream": { "foo": "bar2", "service_name": "cart", "host": "Node-4" }, "values": [ [ "1796117400000000000", "fizzbuzz" ], [ "1796117401500000000", "fizzbuzz 2", {"trace_id": "0242ac120002", "user_id": "superUser123"} ] ] }]}';
    const s = await serve(request({ path: '/loki/api/v1/push', headers: JSON_CT, body }), svc);
    expect(s.response.statusCode).toBe(204);
    expect(s.response.body).toBe('');
    const envs = svc.envelopes();
    expect(envs).toHaveLength(2);
    expect(envs[0]).toMatchObject({ tenant: TENANT, source: 'cart', host: 'node-4' });
    expect(JSON.parse(envs[0]!.raw)).toEqual({ timestamp: '2026-12-01T09:30:00.000Z', message: 'fizzbuzz', time_unix_nano: '1796117400000000000', labels: { foo: 'bar2', service_name: 'cart', host: 'Node-4' } });
    expect(JSON.parse(envs[1]!.raw)).toMatchObject({ timestamp: '2026-12-01T09:30:01.500Z', structured_metadata: { trace_id: '0242ac120002', user_id: 'superUser123' } });
  });

  it('JSON with gzip Content-Encoding', async () => {
    const svc = memoryServices();
    const body = gzipSync('{"streams":[{"stream":{"job":"x"},"values":[["1796117400000000000","zipped"]]}]}');
    const s = await serve(request({ path: '/loki/api/v1/push', headers: { ...JSON_CT, 'content-encoding': 'gzip' }, body }), svc);
    expect(s.response.statusCode).toBe(204);
    expect(svc.envelopes()[0]).toMatchObject({ source: 'x' });
  });

  it('snappy-compressed protobuf: entries with time, line and structured metadata; stream labels parsed', async () => {
    const svc = memoryServices();
    const body = pushRequest([
      { labels: '{job="varlogs", host="web-1", msg="a \\"quoted\\" value"}', entries: [{ s: 1796117400, n: 123_000_000, line: 'GET /index 200' }, { s: 1796117402, n: 0, line: 'second', meta: { trace_id: 'abc' } }] },
      { labels: '{}', entries: [{ s: 1796117403, n: 0, line: 'no labels' }] },
    ]);
    const s = await serve(request({ path: '/loki/api/v1/push', headers: PB, body }), svc);
    expect(s.response.statusCode).toBe(204);
    const raws = svc.envelopes().map((e) => JSON.parse(e.raw) as Record<string, unknown>);
    expect(raws[0]).toMatchObject({ timestamp: '2026-12-01T09:30:00.123Z', message: 'GET /index 200', labels: { job: 'varlogs', host: 'web-1', msg: 'a "quoted" value' } });
    expect(raws[1]).toMatchObject({ structured_metadata: { trace_id: 'abc' } });
    expect(raws[2]).toMatchObject({ message: 'no labels', labels: {} });
    expect(svc.envelopes()[0]).toMatchObject({ source: 'varlogs', host: 'web-1' });
  });

  it('malformed pushes are a 400 in plain text, and nothing is stored', async () => {
    const svc = memoryServices();
    const good = pushRequest([{ labels: '{job="a"}', entries: [{ s: 1, n: 0, line: 'x' }] }]);
    const cases: Array<[Record<string, string>, string | Buffer]> = [
      [PB, Buffer.from('not snappy at all')],
      [PB, good.subarray(0, good.length - 2)],
      [PB, pushRequest([{ labels: 'job=a', entries: [{ s: 1, n: 0, line: 'x' }] }])],
      [JSON_CT, '{"streams":[{"stream":{"a":1},"values":[]}]}'],
      [JSON_CT, '{"streams":[{"stream":{},"values":[["yesterday","x"]]}]}'],
      [JSON_CT, '{"streams": ['],
    ];
    for (const [headers, body] of cases) {
      const s = await serve(request({ path: '/loki/api/v1/push', headers, body }), svc);
      expect(s.response.statusCode).toBe(400);
      expect((s.response.headers as Record<string, string>)['content-type']).toMatch(/^text\/plain/);
      expect(s.response.body!.length).toBeGreaterThan(10);
    }
    expect(svc.delivered).toHaveLength(0);
  });

  it('a snappy body that declares more than the body limit is refused before it is inflated', async () => {
    const svc = { ...memoryServices(), limits: { ...memoryServices().limits, maxBodyBytes: 20_000, maxEventBytes: 1000 } };
    const big = Buffer.from(snappy.compress(Buffer.alloc(400_000, 0x61)));
    expect(big.length).toBeLessThan(20_000);
    const s = await serve(request({ path: '/loki/api/v1/push', headers: PB, body: big }), svc);
    expect(s.response.statusCode).toBe(400);
    expect(s.response.body).toMatch(/too big/);
  });

  it('401 without a token, in plain text', async () => {
    const s = await serve(request({ path: '/loki/api/v1/push', headers: { 'content-type': 'application/json' }, body: '{"streams":[]}' }), memoryServices());
    expect(s.response.statusCode).toBe(401);
  });

  it('parseLabels handles escapes and rejects garbage', () => {
    expect(parseLabels('{a="1",b="x\\\\y\\n"}')).toEqual({ a: '1', b: 'x\\y\n' });
    expect(() => parseLabels('{a=1}')).toThrow();
    expect(() => parseLabels('{a="1"')).toThrow();
  });
});
