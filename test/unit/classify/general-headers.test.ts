/**
 * General header rules added for logs from systems the classifier was not developed on. Every line
 * here is synthetic, written in the style of a format (no line copied from any dataset).
 */
import { describe, expect, it } from 'vitest';
import { classify } from '../../../shared/classify/index.ts';

const RECEIVED = new Date('2024-06-01T12:00:00Z');

describe('general header rules', () => {
  it('year-less month-day timestamps: mm-dd and mm.dd before a time', () => {
    expect(classify('05-31 09:15:02.250  411  412 I Alarm: tick', RECEIVED).timestamp).toBe('2024-05-31T09:15:02.250Z');
    expect(classify('[05.30 08:00:01] agent.bin - link ready', RECEIVED).timestamp).toBe('2024-05-30T08:00:01.000Z');
    // A month-day later in the year than the receive time is last year's.
    expect(classify('12-24 10:00:00.000  1  2 D Tag: x', RECEIVED).timestamp).toBe('2023-12-24T10:00:00.000Z');
  });

  it('logcat-style `pid tid L tag:` header (single-letter level between the ids and the tag)', () => {
    const c = classify('05-31 09:15:02.250  4410  4421 W NetMonitor: socket timeout after 30s', RECEIVED);
    expect(c.level).toBe('warn');
    expect(c.message).toBe('socket timeout after 30s');
    expect(c.fields.component).toBe('NetMonitor');
    expect(c.fields.pid).toBe(4410);
    expect(c.fields.thread).toBe('4421');
    // Without the tag the letter is prose, not a level.
    const p = classify('05-31 09:15:02.250  4410  4421 A quick note', RECEIVED);
    expect(p.level).toBeUndefined();
  });

  it('klog/glog header `Lmmdd hh:mm:ss.uuuuuu tid file:line] msg`', () => {
    const c = classify('E0531 09:15:02.123456    2817 reconciler.go:88] sync failed: timeout', RECEIVED);
    expect(c.level).toBe('error');
    expect(c.timestamp).toBe('2024-05-31T09:15:02.123Z');
    expect(c.message).toBe('sync failed: timeout');
    expect(c.fields.component).toBe('reconciler.go:88');
    expect(c.fields.thread).toBe('2817');
  });

  it('column-aligned header: a level and a component padded by wide gaps', () => {
    const c = classify('2024-05-31 09:15:02, Warning               SVC    Queue depth above limit', RECEIVED);
    expect(c.level).toBe('warn');
    expect(c.fields.component).toBe('SVC');
    expect(c.message).toBe('Queue depth above limit');
  });

  it('dotted logger name without a colon after the level, then a request-context bracket', () => {
    const c = classify('2024-05-31 09:15:02.101 3310 INFO acme.api.handlers.orders [req-7f3a user-9 - -] order 42 accepted', RECEIVED);
    expect(c.level).toBe('info');
    expect(c.fields.component).toBe('acme.api.handlers.orders');
    expect(c.fields.thread).toBe('req-7f3a user-9 - -');
    expect(c.message).toBe('order 42 accepted');
    // Only the first bracket after the logger is header.
    expect(classify('2024-05-31 09:15:02 WARN a.b.c [ctx] [item 7] stale', RECEIVED).message).toBe('[item 7] stale');
    // Thread bracket before the logger (servlet-container style).
    expect(classify('31-May-2024 09:15:02.101 INFO [pool-2] com.acme.web.Server.start Started in 812 ms', RECEIVED).message).toBe('Started in 812 ms');
    // A plain word with one dot is not a logger.
    expect(classify('2024-05-31 09:15:02 INFO config.yaml loaded', RECEIVED).message).toBe('config.yaml loaded');
  });

  it('header run: ids, dates and upper-case words before an upper-case level word', () => {
    const c = classify('- 1717146902 2024.05.31 N07-B2 2024-05-31-09.15.02.101 N07-B2 HW CTRL ERROR fan 3 stopped', RECEIVED);
    expect(c.level).toBe('error');
    expect(c.message).toBe('fan 3 stopped');
    expect(c.timestampFallback).toBe(false);
    expect(c.timestamp).toBe('2024-05-31T09:15:02.000Z');
  });

  it('header run: leading fields before the timestamp, ending at a level word', () => {
    const c = classify('svc-a.log.2 2024-05-31 09:15:02.101 3310 WARNING acme.worker.pool [-] pool resized', RECEIVED);
    expect(c.timestamp).toBe('2024-05-31T09:15:02.101Z');
    expect(c.level).toBe('warn');
    expect(c.message).toBe('pool resized');
  });

  it('header run: a second date and host fields before a `prog[pid]:` tag', () => {
    const c = classify('- 1717146902 2024.05.31 n17 May 31 09:15:02 n17/n17 cron(pam)[812]: session opened', RECEIVED);
    expect(c.message).toBe('session opened');
    expect(c.service).toBe('cron(pam)');
    expect(c.fields.pid).toBe(812);
  });

  it('header run stops at prose: a message with a level word later is left whole', () => {
    const c = classify('2024-05-31 09:15:02 user alice saw ERROR twice', RECEIVED);
    expect(c.message).toBe('user alice saw ERROR twice');
    expect(c.level).toBeUndefined();
    // No timestamp in the run: not a header.
    expect(classify('job-7 step-2 ERROR disk full', RECEIVED).message).toBe('job-7 step-2 ERROR disk full');
    expect(classify('abc-1 def-2 ghi-3 nothing here', RECEIVED).format).toBe('text');
  });

  it('pid tag with a parenthesised note before the colon', () => {
    const c = classify('May 31 09:15:02 box-1 guardd[77] ([4410]): denied write /tmp/x', RECEIVED);
    expect(c.host).toBe('box-1');
    expect(c.service).toBe('guardd');
    expect(c.fields.pid).toBe(77);
    expect(c.message).toBe('denied write /tmp/x');
  });
  it('two header-shaped fields then ` - ` after the timestamp are the component (program and arch, worker and pid)', () => {
    const c = classify('[05.30 08:00:01] updater.bin *32 - mirror.example.net:8443 open via relay', RECEIVED);
    expect(c.message).toBe('mirror.example.net:8443 open via relay');
    expect(c.fields.component).toBe('updater.bin *32');
    expect(classify('2024-05-30 08:00:01 worker-3 pid:42 - queue drained', RECEIVED).message).toBe('queue drained');
    // Plain words before a dash are prose, not header fields.
    expect(classify('2024-05-30 08:00:01 backup done - 3 files', RECEIVED).message).toBe('backup done - 3 files');
  });
  it('a header run that holds a timestamp ends at a `component:` tag too', () => {
    const c = classify('- 1717236000 2024.06.01 gw7 Jun 1 10:00:00 ops@gw7 leased: offer 10.0.0.9 to aa:bb:cc:dd:ee:ff', RECEIVED);
    expect(c.message).toBe('offer 10.0.0.9 to aa:bb:cc:dd:ee:ff');
    expect(c.fields.component).toBe('leased');
    expect(c.timestamp).toBe('2024-06-01T10:00:00.000Z');
    // Without a timestamp in the run, header-shaped fields and a colon are the message.
    expect(classify('node-7 rack-2 leased: offer', RECEIVED).format).toBe('text');
  });
  it('a leading run of fields holding an epoch ends at the first field that is no header', () => {
    // id host component state epoch flag, then the message (which may start with a `Word:` or a k=v).
    const a = classify('88123 rack-07 power supply 1717236000 1 Voltage: rail 3 low', RECEIVED);
    expect(a.message).toBe('Voltage: rail 3 low');
    expect(a.timestamp).toBe('2024-06-01T10:00:00.000Z');
    expect(classify('88124 rack-07 sensor_bus temp.read 1717236001 0 inlet=31 outlet=40', RECEIVED).message).toBe('inlet=31 outlet=40');
    // Prose with a number and an epoch is not a header: one header-shaped field before the plain words.
    expect(classify('3 files copied 1717236000 bytes total', RECEIVED).message).toBe('3 files copied 1717236000 bytes total');
    // After a BSD-syslog time and host inside the run, a `TAG:` is still the program.
    expect(classify('- 1717236000 2024.06.01 gw7 Jun 1 10:00:00 ops@gw7 ACPI: table loaded', RECEIVED).message).toBe('table loaded');
  });

  it('after a header run that ended at its level, a `word:` starts the message', () => {
    const c = classify('- 1717236000 2024.06.01 R1-M0 2024-06-01-10.00.00.000000 R1-M0 RAS APP FATAL loader: image missing', RECEIVED);
    expect(c.level).toBe('critical');
    expect(c.message).toBe('loader: image missing');
  });
});
