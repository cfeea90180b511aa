import { describe, expect, it } from 'vitest';
import { toDocument } from '../../../shared/classify/index.ts';
import { headersOf, memoryServices, request, serve, TENANT, TOKEN } from './helpers.ts';

const auth = { authorization: `Splunk ${TOKEN}` };
const answer = (r: { body?: string }) => JSON.parse(r.body ?? '') as Record<string, unknown>;

describe('Splunk HEC /services/collector/event', () => {
  it('concatenated event objects (the documented example), string and object events, with time/host/source/sourcetype/fields', async () => {
    const svc = memoryServices();
    // From Splunk's "Format events for HTTP Event Collector": several events in one request, no separator.
    const body =
      '{"time": 1796117400, "host": "dataserver992.example.com", "source": "testapp", "sourcetype": "access", "index": "main", "fields": {"region": "us-west-1"}, "event": "Hello world!"}' +
      '{"event": {"message": "Something happened", "severity": "INFO", "user": "ann"}, "time": "1796117401.245"}\n' +
      '{"event": "third"}';
    const s = await serve(request({ path: '/services/collector/event', headers: auth, body }), svc);
    expect(s.response.statusCode).toBe(200);
    expect(answer(s.response)).toEqual({ text: 'Success', code: 0 });
    const envs = svc.envelopes();
    expect(envs).toHaveLength(3);
    expect(envs[0]).toMatchObject({ tenant: TENANT, source: 'testapp', host: 'dataserver992.example.com' });
    expect(JSON.parse(envs[0]!.raw)).toEqual({ timestamp: '2026-12-01T09:30:00.000Z', message: 'Hello world!', sourcetype: 'access', index: 'main', fields: { region: 'us-west-1' } });
    const doc = toDocument(envs[1]!);
    expect(doc).toMatchObject({ '@timestamp': '2026-12-01T09:30:01.245Z', message: 'Something happened', level: 'info' });
    expect(doc.fields).toMatchObject({ user: 'ann' });
    expect(JSON.parse(envs[2]!.raw)).toEqual({ message: 'third' });
  });

  it('an event without "event" or with a blank one: the valid ones are stored, the answer names the first bad one', async () => {
    const svc = memoryServices();
    const s = await serve(request({ path: '/services/collector', headers: auth, body: '{"event":"ok 0"}{"time":1}{"event":"  "}{"event":"ok 3"}' }), svc);
    expect(s.response.statusCode).toBe(400);
    expect(answer(s.response)).toMatchObject({ text: 'Event field is required', code: 12, 'invalid-event-number': 1, accepted: 2, rejected: 2 });
    expect(svc.envelopes().map((e) => JSON.parse(e.raw).message)).toEqual(['ok 0', 'ok 3']);
  });

  it('broken JSON: code 6 with invalid-event-number; nothing stored when no event is valid', async () => {
    const svc = memoryServices();
    const s = await serve(request({ path: '/services/collector/event/1.0', headers: auth, body: '{"event":"ok"}{"event": "cut' }), svc);
    expect(s.response.statusCode).toBe(400);
    expect(answer(s.response)).toMatchObject({ code: 6, text: 'Invalid data format', 'invalid-event-number': 1 });
    expect(svc.envelopes()).toHaveLength(1);
    const svc2 = memoryServices();
    for (const body of ['{"event": "cut', '[1,2]', '{"time":1}']) {
      const r = await serve(request({ path: '/services/collector/event', headers: auth, body }), svc2);
      expect(r.response.statusCode).toBe(400);
      expect(answer(r.response)['invalid-event-number']).toBe(0);
    }
    expect(svc2.delivered).toHaveLength(0);
    const empty = await serve(request({ path: '/services/collector/event', headers: auth, body: '  ' }), svc2);
    expect(answer(empty.response)).toEqual({ text: 'No data', code: 5 });
  });

  it('tokens: code 2 without, 4 for an unknown one (403); Basic password and Bearer are accepted too', async () => {
    const svc = memoryServices();
    const none = await serve(request({ path: '/services/collector/event', body: '{"event":"x"}' }), svc);
    expect([none.response.statusCode, answer(none.response)]).toEqual([401, { text: 'Token is required', code: 2 }]);
    const bad = await serve(request({ path: '/services/collector/event', headers: { authorization: 'Splunk 00000000-0000-0000-0000-000000000000' }, body: '{"event":"x"}' }), svc);
    expect([bad.response.statusCode, answer(bad.response)]).toEqual([403, { text: 'Invalid token', code: 4 }]);
    for (const h of [{ authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }, { authorization: `Bearer ${TOKEN}` }]) {
      expect((await serve(request({ path: '/services/collector/event', headers: h, body: '{"event":"x"}' }), svc)).response.statusCode).toBe(200);
    }
  });

  it('503 code 9 with Retry-After when the events could not be stored', async () => {
    const s = await serve(request({ path: '/services/collector/event', headers: auth, body: '{"event":"x"}' }), memoryServices({ fail: 'kafka-and-spill' }));
    expect([s.response.statusCode, answer(s.response)]).toEqual([503, { text: 'Server is busy', code: 9 }]);
    expect(headersOf(s.response)['retry-after']).toBe('5');
  });
});

describe('Splunk HEC /services/collector/raw, health, ack', () => {
  it('raw: one event per line (stack traces joined), metadata from the query string', async () => {
    const svc = memoryServices();
    const body = '2026-12-01 10:00:00 ERROR boom\njava.lang.IllegalStateException: x\n\tat a.b(C.java:1)\nsecond line\n';
    const s = await serve(request({ path: '/services/collector/raw', headers: auth, query: { host: 'Web-9', source: 'app.log', sourcetype: 'log4j' }, body }), svc);
    expect(answer(s.response)).toEqual({ text: 'Success', code: 0 });
    const envs = svc.envelopes();
    expect(envs.map((e) => e.raw)).toEqual(['2026-12-01 10:00:00 ERROR boom\njava.lang.IllegalStateException: x\n\tat a.b(C.java:1)', 'second line']);
    expect(envs[0]).toMatchObject({ host: 'web-9', source: 'app.log', tags: ['log4j'] });
  });

  it('health answers code 17 without a token; ack is disabled (code 14): the answer itself is the acknowledgement', async () => {
    const h = await serve(request({ method: 'GET', path: '/services/collector/health' }), memoryServices());
    expect([h.response.statusCode, answer(h.response)]).toEqual([200, { text: 'HEC is healthy', code: 17 }]);
    const a = await serve(request({ path: '/services/collector/ack', headers: auth, body: '{"acks":[0]}' }), memoryServices());
    expect([a.response.statusCode, answer(a.response)]).toEqual([400, { text: 'ACK is disabled', code: 14 }]);
  });
});
