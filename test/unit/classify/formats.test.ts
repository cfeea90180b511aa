import { describe, expect, it } from 'vitest';
import { classify, toDocument } from '../../../shared/classify/index.ts';
import type { RawEnvelope } from '../../../shared/envelope/types.ts';

const at = (iso: string): Date => new Date(iso);

describe('JSON', () => {
  it('pino: numeric level, epoch ms, msg', () => {
    const c = classify('{"level":30,"time":1531171074631,"pid":657,"hostname":"box","msg":"hello world"}', at('2018-07-10T00:00:00Z'));
    expect(c).toMatchObject({ format: 'json', level: 'info', message: 'hello world', host: 'box', timestamp: '2018-07-09T21:17:54.631Z', timestampFallback: false });
    expect(c.fields).toEqual({ pid: 657 });
  });
  it('ECS dotted keys and @timestamp', () => {
    const c = classify(
      '{"@timestamp":"2019-08-06T12:09:12.375Z","log.level":"INFO","message":"Tomcat started on port(s): 8080 (http)","service.name":"spring-petclinic","process.thread.name":"restartedMain","log.logger":"org.springframework.boot.web.embedded.tomcat.TomcatWebServer"}',
      at('2019-08-06T12:10:00Z'),
    );
    expect(c).toMatchObject({ level: 'info', message: 'Tomcat started on port(s): 8080 (http)', service: 'spring-petclinic', timestamp: '2019-08-06T12:09:12.375Z' });
    expect(c.fields['log.logger']).toBe('org.springframework.boot.web.embedded.tomcat.TomcatWebServer');
  });
  it('nested log.level, zap epoch seconds with fraction', () => {
    const c = classify('{"log":{"level":"warning"},"ts":1257894000.123,"caller":"main.go:12","msg":"slow"}', at('2009-11-11T00:00:00Z'));
    expect(c).toMatchObject({ level: 'warn', message: 'slow', timestamp: '2009-11-10T23:00:00.123Z' });
    expect(c.fields).toEqual({ caller: 'main.go:12' });
  });
  it('epoch seconds; severity key; no message key keeps the whole line', () => {
    const raw = '{"severity":"ERROR","timestamp":1700000000,"code":7}';
    const c = classify(raw, at('2023-11-15T00:00:00Z'));
    expect(c).toMatchObject({ level: 'error', message: raw, timestamp: '2023-11-14T22:13:20.000Z' });
  });
  it('implausible time stays in fields, falls back, flagged', () => {
    const c = classify('{"time":"1999-01-01T00:00:00Z","msg":"old"}', at('2024-01-01T00:00:00Z'));
    expect(c.timestamp).toBe('2024-01-01T00:00:00.000Z');
    expect(c.flags).toEqual(expect.arrayContaining(['timestamp_fallback', 'timestamp_implausible']));
    expect(c.fields.time).toBe('1999-01-01T00:00:00Z');
  });
  it('caps nesting depth (a 1,000-deep object is stored as text below the cap)', () => {
    let raw = '';
    for (let i = 0; i < 1000; i++) raw += '{"a":';
    raw += '1';
    for (let i = 0; i < 1000; i++) raw += '}';
    const t0 = performance.now();
    const c = classify(raw, at('2024-01-01T00:00:00Z'));
    expect(performance.now() - t0).toBeLessThan(200);
    expect(c.format).toBe('json');
    let depth = 0;
    let v: unknown = c.fields;
    while (typeof v === 'object' && v !== null) {
      v = (v as Record<string, unknown>).a;
      depth++;
    }
    expect(depth).toBeLessThanOrEqual(7);
    expect(typeof v).toBe('string');
  });
});

describe('logfmt', () => {
  it('reads time, level, msg; other pairs are string fields', () => {
    const c = classify(
      'time=2013-10-25T18:35:43Z level=info msg="Stopping all fetchers" tag=stopping_fetchers id=ConsumerFetcherManager-1382721708341 module=kafka.consumer.ConsumerFetcherManager',
      at('2013-10-26T00:00:00Z'),
    );
    expect(c).toMatchObject({ format: 'logfmt', level: 'info', message: 'Stopping all fetchers', timestamp: '2013-10-25T18:35:43.000Z' });
    expect(c.fields).toEqual({ tag: 'stopping_fetchers', id: 'ConsumerFetcherManager-1382721708341', module: 'kafka.consumer.ConsumerFetcherManager' });
  });
  it('escaped quotes', () => {
    const c = classify('level=warn msg="say \\"hi\\"" at=here', at('2024-01-01T00:00:00Z'));
    expect(c.message).toBe('say "hi"');
    expect(c.timestampFallback).toBe(true);
  });
});

describe('syslog', () => {
  it('RFC 5424 example 1 (no SD, BOM)', () => {
    const c = classify("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \uFEFF'su root' failed for lonvick on /dev/pts/8", at('2003-10-11T22:14:16Z'));
    expect(c).toMatchObject({
      format: 'syslog5424',
      level: 'critical',
      host: 'mymachine.example.com',
      service: 'su',
      message: "'su root' failed for lonvick on /dev/pts/8",
      timestamp: '2003-10-11T22:14:15.003Z',
    });
    expect(c.fields).toMatchObject({ facility: 'auth', msgid: 'ID47' });
  });
  it('RFC 5424 example 2 (zone offset, microseconds)', () => {
    const c = classify("<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.", at('2003-08-24T13:00:00Z'));
    expect(c).toMatchObject({ level: 'notice', host: '192.0.2.1', service: 'myproc', message: "%% It's time to make the do-nuts.", timestamp: '2003-08-24T12:14:15.000Z' });
    expect(c.fields).toMatchObject({ facility: 'local4', procid: '8710' });
  });
  it('RFC 5424 structured data with escapes', () => {
    const c = classify(
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Appli\\"cation\\]" eventID="1011"][examplePriority@32473 class="high"] An application event log entry...',
      at('2003-10-11T22:15:00Z'),
    );
    expect(c.message).toBe('An application event log entry...');
    expect(c.fields.sd).toEqual({
      'exampleSDID@32473': { iut: '3', eventSource: 'Appli"cation]', eventID: '1011' },
      'examplePriority@32473': { class: 'high' },
    });
  });
  it('RFC 3164: priority to facility and severity, year from the receive time', () => {
    const c = classify("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", at('2024-10-12T00:00:00Z'));
    expect(c).toMatchObject({ format: 'syslog3164', level: 'critical', host: 'mymachine', message: "'su root' failed for lonvick on /dev/pts/8", timestamp: '2024-10-11T22:14:15.000Z' });
    expect(c.fields).toMatchObject({ facility: 'auth', component: 'su' });
  });
  it('RFC 3164 with pid; a date that would be in the future takes the previous year', () => {
    const c = classify('<13>Dec 31 23:59:59 web01 nginx[1234]: worker exited', at('2025-01-01T00:10:00Z'));
    expect(c).toMatchObject({ level: 'notice', host: 'web01', service: 'nginx', message: 'worker exited', timestamp: '2024-12-31T23:59:59.000Z' });
    expect(c.fields.pid).toBe(1234);
  });
});

describe('access logs', () => {
  it('Common Log Format (Apache docs example)', () => {
    const line = '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326';
    const c = classify(line, at('2000-10-10T21:00:00Z'));
    expect(c).toMatchObject({ format: 'access_common', message: line, timestamp: '2000-10-10T20:55:36.000Z' });
    expect(c.level).toBeUndefined();
    expect(c.fields).toEqual({ client_ip: '127.0.0.1', user: 'frank', method: 'GET', path: '/apache_pb.gif', protocol: 'HTTP/1.0', status: 200, bytes: 2326 });
  });
  it('Combined Log Format', () => {
    const c = classify(
      '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"',
      at('2000-10-10T21:00:00Z'),
    );
    expect(c.format).toBe('access_combined');
    expect(c.fields).toMatchObject({ referrer: 'http://www.example.com/start.html', user_agent: 'Mozilla/4.08 [en] (Win98; I ;Nav)' });
  });
  it('nginx combined with $request_time; Apache %D microseconds; bytes "-"', () => {
    const n = classify(
      '93.184.216.34 - - [17/May/2015:08:05:32 +0000] "GET /downloads/product_1 HTTP/1.1" 304 0 "-" "Debian APT-HTTP/1.3 (0.8.16~exp12ubuntu10.21)" 0.042',
      at('2015-05-17T09:00:00Z'),
    );
    expect(n.fields).toMatchObject({ status: 304, bytes: 0, response_time_ms: 42 });
    expect(n.fields.referrer).toBeUndefined();
    const a = classify('::1 - - [17/May/2015:08:05:32 +0000] "POST /login HTTP/1.1" 500 - "-" "curl/8.0" 153000', at('2015-05-17T09:00:00Z'));
    expect(a.fields).toMatchObject({ client_ip: '::1', method: 'POST', status: 500, bytes: 0, response_time_ms: 153 });
  });
});

describe('JVM GC', () => {
  it('JDK 8 PrintGCDetails with date stamps', () => {
    const c = classify(
      '2013-10-25T18:35:43.387+0000: 441.482: [GC [PSYoungGen: 2430541K->268617K(2484544K)] 7687523K->5660738K(8076992K), 0.3266870 secs] [Times: user=1.05 sys=0.17, real=0.33 secs]',
      at('2013-10-25T18:36:00Z'),
    );
    expect(c).toMatchObject({ format: 'jvm_gc', timestamp: '2013-10-25T18:35:43.387Z' });
    expect(c.fields).toMatchObject({
      gc_type: 'GC',
      collector: 'PSYoungGen',
      heap_before_kb: 7687523,
      heap_after_kb: 5660738,
      heap_total_kb: 8076992,
      pause_ms: 326.687,
      uptime_s: 441.482,
      real_s: 0.33,
    });
  });
  it('JDK 8 Full GC with a cause containing parentheses', () => {
    const c = classify(
      '2015-05-26T14:45:37.987-0200: 151.126: [Full GC (System.gc()) [PSYoungGen: 5104K->0K(38400K)] [ParOldGen: 8K->4980K(87552K)] 5112K->4980K(125952K), [Metaspace: 2987K->2987K(1056768K)], 0.0290060 secs] [Times: user=0.05 sys=0.00, real=0.03 secs]',
      at('2015-05-26T17:00:00Z'),
    );
    expect(c.timestamp).toBe('2015-05-26T16:45:37.987Z');
    expect(c.fields).toMatchObject({ gc_type: 'Full GC', cause: 'System.gc()', collector: 'PSYoungGen', heap_before_kb: 5112, heap_after_kb: 4980, heap_total_kb: 125952, pause_ms: 29.006 });
  });
  it('JDK 9+ unified logging', () => {
    const c = classify('[2024-01-01T10:00:00.123+0000][0.123s][info][gc] GC(3) Pause Young (Normal) (G1 Evacuation Pause) 24M->4M(256M) 3.456ms', at('2024-01-01T10:00:01Z'));
    expect(c).toMatchObject({ format: 'jvm_unified', level: 'info', timestamp: '2024-01-01T10:00:00.123Z', message: 'GC(3) Pause Young (Normal) (G1 Evacuation Pause) 24M->4M(256M) 3.456ms' });
    expect(c.fields).toMatchObject({ gc_id: 3, gc_type: 'Pause Young (Normal)', cause: 'G1 Evacuation Pause', heap_before_kb: 24576, heap_after_kb: 4096, heap_total_kb: 262144, pause_ms: 3.456, uptime_s: 0.123, tags: 'gc' });
  });
  it('unified logging with uptime only falls back to the receive time', () => {
    const c = classify('[0.025s][info][gc] GC(0) Pause Full (System.gc()) 2M->1M(14M) 3.960ms', at('2024-01-01T10:00:01Z'));
    expect(c).toMatchObject({ format: 'jvm_unified', timestampFallback: true });
    expect(c.fields).toMatchObject({ gc_type: 'Pause Full', cause: 'System.gc()', pause_ms: 3.96 });
    expect(classify('[0.001s][info][gc] Using G1', at('2024-01-01T10:00:01Z')).fields.collector).toBe('G1');
  });
});

describe('CEF', () => {
  it('bare CEF with extension values containing spaces', () => {
    const c = classify('CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232 msg=Worm stopped at gate', at('2024-01-01T00:00:00Z'));
    expect(c).toMatchObject({ format: 'cef', message: 'worm successfully stopped', level: 'critical', service: 'threatmanager' });
    expect(c.fields).toMatchObject({ device_vendor: 'Security', signature_id: '100', severity: '10', extension: { src: '10.0.0.1', dst: '2.1.2.2', spt: '1232', msg: 'Worm stopped at gate' } });
  });
  it('CEF behind a syslog header, with escapes', () => {
    const c = classify('Sep 19 08:26:10 host CEF:0|security|threatmanager|1.0|100|detected a \\| in message|Medium|src=10.0.0.1 act=blocked a \\= dst=1.1.1.1', at('2024-09-19T09:00:00Z'));
    expect(c).toMatchObject({ format: 'cef', message: 'detected a | in message', level: 'warn', host: 'host', timestamp: '2024-09-19T08:26:10.000Z' });
    expect(c.fields.extension).toEqual({ src: '10.0.0.1', act: 'blocked a =', dst: '1.1.1.1' });
  });
});

describe('generic header', () => {
  const ref = at('2024-06-01T12:00:00Z');
  it.each([
    ['2024-06-01T10:00:00Z INFO started', '2024-06-01T10:00:00.000Z', 'info', 'started'],
    ['2024-06-01 10:00:00,123 - myapp.db - WARNING - slow query', '2024-06-01T10:00:00.123Z', 'warn', 'slow query'],
    ['2024-06-01 10:00:00.123 [main] ERROR com.acme.Server - bind failed', '2024-06-01T10:00:00.123Z', 'error', 'bind failed'],
    ['[Sat Jun 01 10:00:00 2024] [error] [client 1.2.3.4] File does not exist: /var/www/x', '2024-06-01T10:00:00.000Z', 'error', '[client 1.2.3.4] File does not exist: /var/www/x'],
    ['[Sat Jun 01 10:00:00.123456 2024] [core:crit] [pid 42] AH00001: oops', '2024-06-01T10:00:00.123Z', 'critical', 'oops'],
    ['240601 100000 77 DEBUG x.Y: hello', '2024-06-01T10:00:00.000Z', 'debug', 'hello'],
    ['24/06/01 10:00:00 INFO a.B: hi', '2024-06-01T10:00:00.000Z', 'info', 'hi'],
    ['1717236000 notice: ready', '2024-06-01T10:00:00.000Z', 'notice', 'ready'],
    ['1717236000123 FATAL out of memory', '2024-06-01T10:00:00.123Z', 'critical', 'out of memory'],
    ['Jun  1 10:00:00 host kernel: eth0 up', '2024-06-01T10:00:00.000Z', undefined, 'eth0 up'],
    ['20240601-10:0:0:5|Comp|123|msg body', '2024-06-01T10:00:00.005Z', undefined, 'msg body'],
    ['2024-06-01T10:00:00.000Z\tinfo\tmain.go:12\tserver started', '2024-06-01T10:00:00.000Z', 'info', 'server started'],
    ['01-Jun-2024 10:00:00.123 SEVERE [main] org.apache.catalina.Foo.bar Failed', '2024-06-01T10:00:00.123Z', 'error', 'Failed'],
    ['10:00:00.500 [worker-1] WARN  c.a.Job - retrying', '2024-06-01T10:00:00.500Z', 'warn', 'retrying'],
    ['WARNING:root:disk almost full', '2024-06-01T12:00:00.000Z', 'warn', 'disk almost full'],
    ['[INFO] Building jar', '2024-06-01T12:00:00.000Z', 'info', 'Building jar'],
  ])('%s', (line, ts, level, message) => {
    const c = classify(line, ref);
    expect(c.format).toBe('generic');
    expect(c.timestamp).toBe(ts);
    expect(c.level).toBe(level);
    expect(c.message).toBe(message);
  });
  it('a level-less line has no level, and an unrecognised line is text', () => {
    expect(classify('2024-06-01 10:00:00 started the thing', ref).level).toBeUndefined();
    const c = classify('just some words: here', ref);
    expect(c).toMatchObject({ format: 'text', message: 'just some words: here', timestampFallback: true, flags: ['timestamp_fallback'] });
  });
  it('implausible timestamps: future and far past', () => {
    const f = classify('2024-06-03T10:00:00Z ERROR from the future', ref);
    expect(f.timestampFallback).toBe(true);
    expect(f.flags).toContain('timestamp_implausible');
    expect(f.fields.timestamp).toBe('2024-06-03T10:00:00Z');
    expect(classify('2010-01-01T00:00:00Z ERROR old', ref).timestampFallback).toBe(true);
    expect(classify('2024-06-02T11:00:00Z ERROR within a day ahead', ref).timestampFallback).toBe(false);
  });
  it('ambiguous dd/mm vs mm/dd: the reading closest to the receive time', () => {
    expect(classify('01/06/2024 10:00:00 INFO x', ref).timestamp).toBe('2024-06-01T10:00:00.000Z');
    // 03/06 read as 3 June would be two days ahead: 6 March.
    expect(classify('03/06/2024 10:00:00 INFO x', ref).timestamp).toBe('2024-03-06T10:00:00.000Z');
    expect(classify('06/01/2024 10:00:00 INFO x', ref).timestamp).toBe('2024-06-01T10:00:00.000Z');
  });
  it('multi-line: header from the first line, the rest kept in the message', () => {
    const c = classify('2024-06-01 10:00:00 ERROR [main] a.B: boom\njava.lang.RuntimeException: x\n\tat a.B.c(B.java:1)', ref);
    expect(c.message).toBe('boom\njava.lang.RuntimeException: x\n\tat a.B.c(B.java:1)');
    expect(c.flags).toContain('multiline');
  });
});

describe('toDocument', () => {
  it('adds the envelope fields and flags', () => {
    const env: RawEnvelope = {
      v: 1,
      tenant: 'acme',
      id: 'ev-1',
      receivedAt: '2024-06-01T12:00:00.000Z',
      source: 'app',
      host: 'fwd-1',
      tags: ['prod'],
      raw: 'no header here',
      truncated: true,
      originalBytes: 99999,
      invalidUtf8: true,
      requestId: 'r1',
    };
    expect(toDocument(env)).toEqual({
      '@timestamp': '2024-06-01T12:00:00.000Z',
      message: 'no header here',
      format: 'text',
      host: 'fwd-1',
      fields: {},
      flags: ['timestamp_fallback', 'truncated', 'invalid_utf8'],
      tenant: 'acme',
      event_id: 'ev-1',
      source: 'app',
      tags: ['prod'],
      received_at: '2024-06-01T12:00:00.000Z',
    });
    const withHost = toDocument({ ...env, raw: '<13>Jun  1 11:00:00 web01 app: hi', truncated: false, invalidUtf8: undefined });
    expect(withHost).toMatchObject({ host: 'web01', level: 'notice', '@timestamp': '2024-06-01T11:00:00.000Z', flags: [] });
  });
});
