import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { toDocument } from '../../../shared/classify/index.ts';
import { headersOf, memoryServices, request, serve, TENANT, TOKEN } from './helpers.ts';

const REQ_ID = 'ed4acda5-034f-9f42-bba1-f29aea6d7d8f';
const headers = (extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  'x-amz-firehose-protocol-version': '1.0',
  'x-amz-firehose-request-id': REQ_ID,
  'x-amz-firehose-source-arn': 'arn:aws:firehose:us-east-1:123456789012:deliverystream/sluice',
  'x-amz-firehose-access-key': TOKEN,
  ...extra,
});
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
const firehoseBody = (datas: string[]) => JSON.stringify({ requestId: REQ_ID, timestamp: 1578090901599, records: datas.map((data) => ({ data })) });
const answer = (r: { body?: string }) => JSON.parse(r.body ?? '') as Record<string, unknown>;

/** A CloudWatch Logs subscription payload, as AWS documents it (gzip of the JSON). */
function cwl(messageType: 'DATA_MESSAGE' | 'CONTROL_MESSAGE', events: Array<{ id: string; timestamp: number; message: string }>): string {
  return b64(gzipSync(JSON.stringify({ messageType, owner: '123456789012', logGroup: '/aws/lambda/checkout', logStream: '2026/12/01/[$LATEST]abcdef', subscriptionFilters: ['to-sluice'], logEvents: events })));
}

describe('Firehose HTTP endpoint delivery /v1/firehose', () => {
  it("AWS's documented request: one event per record; the response echoes requestId with a timestamp", async () => {
    const svc = memoryServices();
    // The example of the specification: "hello" and "hello world".
    const s = await serve(request({ path: '/v1/firehose', headers: headers(), body: firehoseBody(['aGVsbG8=', 'aGVsbG8gd29ybGQ=']) }), svc);
    expect(s.response.statusCode).toBe(200);
    const a = answer(s.response);
    expect(a.requestId).toBe(REQ_ID);
    expect(typeof a.timestamp).toBe('number');
    expect(a.errorMessage).toBeUndefined();
    expect(svc.envelopes().map((e) => [e.tenant, e.raw])).toEqual([[TENANT, 'hello'], [TENANT, 'hello world']]);
  });

  it('a CloudWatch Logs DATA_MESSAGE becomes one event per logEvents entry (own time, logGroup as source, logStream as host); CONTROL_MESSAGE is skipped', async () => {
    const svc = memoryServices();
    const data = cwl('DATA_MESSAGE', [
      { id: '3195310660696698337880902507980421114328961542429EXAMPLE', timestamp: 1796117400000, message: '[ERROR] First test message' },
      { id: '3195310660696698337880902507980421114328961542430EXAMPLE', timestamp: 1796117401500, message: '{"level":"info","msg":"second"}' },
    ]);
    const control = cwl('CONTROL_MESSAGE', [{ id: '', timestamp: 1796117400000, message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' }]);
    const s = await serve(request({ path: '/v1/firehose', headers: headers(), body: firehoseBody([data, control]) }), svc);
    expect(s.response.statusCode).toBe(200);
    const envs = svc.envelopes();
    expect(envs).toHaveLength(2);
    expect(envs[0]).toMatchObject({ source: '/aws/lambda/checkout', host: '2026/12/01/[$latest]abcdef' });
    const doc = toDocument(envs[0]!);
    expect(doc['@timestamp']).toBe('2026-12-01T09:30:00.000Z');
    expect(doc.message).toBe('[ERROR] First test message');
    expect(doc.fields).toMatchObject({ cloudwatch: { log_group: '/aws/lambda/checkout', owner: '123456789012', id: '3195310660696698337880902507980421114328961542429EXAMPLE' } });
    expect(JSON.parse(envs[1]!.raw)).toMatchObject({ timestamp: '2026-12-01T09:30:01.500Z', message: '{"level":"info","msg":"second"}' });
  });

  it('common attributes are kept under fields.attributes; their source/host name the event', async () => {
    const svc = memoryServices();
    const h = headers({ 'x-amz-firehose-common-attributes': '{"commonAttributes":{"source":"orders","env":"prod"}}' });
    await serve(request({ path: '/v1/firehose', headers: h, body: firehoseBody([b64('plain record\n')]) }), svc);
    expect(svc.envelopes()[0]).toMatchObject({ source: 'orders' });
    expect(JSON.parse(svc.envelopes()[0]!.raw)).toEqual({ message: 'plain record', attributes: { source: 'orders', env: 'prod' } });
  });

  it('invalid base64, broken gzip or a broken body: 400 with errorMessage and the requestId, nothing stored', async () => {
    const svc = memoryServices();
    const broken = b64(gzipSync('{"messageType":"DATA_MESSAGE"}').subarray(0, 12));
    for (const body of [firehoseBody(['aGVsbG8=', 'not base64!!']), firehoseBody(['aGVsbG8', 'aGVsbG8=']), firehoseBody(['aGVsbG8=', broken]), '{"requestId": "x", "records": 5}', '{"records": [']) {
      const s = await serve(request({ path: '/v1/firehose', headers: headers(), body }), svc);
      expect(s.response.statusCode).toBe(400);
      const a = answer(s.response);
      expect(a.requestId).toBe(REQ_ID);
      expect(String(a.errorMessage).length).toBeGreaterThan(10);
    }
    expect(svc.delivered).toHaveLength(0);
  });

  it('the token is X-Amz-Firehose-Access-Key: 401 without it or with an unknown one; 503 with Retry-After when storage fails', async () => {
    const body = firehoseBody(['aGVsbG8=']);
    const none = await serve(request({ path: '/v1/firehose', headers: { ...headers(), 'x-amz-firehose-access-key': '' }, body }), memoryServices());
    expect(none.response.statusCode).toBe(401);
    expect(answer(none.response)).toMatchObject({ requestId: REQ_ID });
    const bad = await serve(request({ path: '/v1/firehose', headers: headers({ 'x-amz-firehose-access-key': 'wrong' }), body }), memoryServices());
    expect(bad.response.statusCode).toBe(401);
    const down = await serve(request({ path: '/v1/firehose', headers: headers(), body }), memoryServices({ fail: 'kafka-and-spill' }));
    expect(down.response.statusCode).toBe(503);
    expect(headersOf(down.response)['retry-after']).toBe('5');
  });

  it('gzip Content-Encoding of the whole request (the stream\'s "GZIP" content encoding)', async () => {
    const svc = memoryServices();
    const s = await serve(request({ path: '/v1/firehose', headers: headers({ 'content-encoding': 'gzip' }), body: gzipSync(firehoseBody(['aGVsbG8='])) }), svc);
    expect(s.response.statusCode).toBe(200);
    expect(svc.envelopes()[0]!.raw).toBe('hello');
  });
});
