import { describe, expect, it } from 'vitest';
import { joinMultiline, MultilineJoiner } from '../../../shared/classify/multiline.ts';

describe('joinMultiline', () => {
  it('Java: exception header after the log line, frames, Caused by, ... N more, Suppressed', () => {
    const lines = [
      '2024-06-01 10:00:00,000 ERROR [main] a.B: request failed',
      'java.lang.IllegalStateException: outer',
      '\tat com.acme.Service.run(Service.java:42)',
      '\tat java.base/java.lang.Thread.run(Thread.java:833)',
      '\tSuppressed: java.io.IOException: close failed',
      '\t\tat com.acme.Res.close(Res.java:9)',
      'Caused by: java.net.ConnectException: refused',
      '\tat java.base/sun.nio.ch.Net.connect0(Native Method)',
      '\t... 12 more',
      '2024-06-01 10:00:01,000 INFO [main] a.B: next',
    ];
    const out = joinMultiline(lines);
    expect(out).toHaveLength(2);
    expect(out[0]).toBe(lines.slice(0, 9).join('\n'));
    expect(out[1]).toBe(lines[9]);
  });
  it('Python traceback with the final exception line, chained', () => {
    const lines = [
      'ERROR:root:job failed',
      'Traceback (most recent call last):',
      '  File "job.py", line 3, in <module>',
      '    run()',
      'KeyError: \'x\'',
      '',
      'During handling of the above exception, another exception occurred:',
      '',
      'Traceback (most recent call last):',
      '  File "job.py", line 5, in <module>',
      'ValueError: bad',
      'INFO:root:next',
    ];
    const out = joinMultiline(lines);
    expect(out).toEqual([lines.slice(0, 11).join('\n'), 'INFO:root:next']);
  });
  it('a bare traceback (no log line before it) is one event; blank lines outside events stay', () => {
    const out = joinMultiline(['', 'Traceback (most recent call last):', '  File "a.py", line 1, in <module>', 'ZeroDivisionError: division by zero', '', 'plain line']);
    expect(out).toEqual(['', 'Traceback (most recent call last):\n  File "a.py", line 1, in <module>\nZeroDivisionError: division by zero', '', 'plain line']);
  });
  it('a dotted line not followed by a frame starts its own event', () => {
    expect(joinMultiline(['first', 'com.acme.Thing: hello', 'third'])).toEqual(['first', 'com.acme.Thing: hello', 'third']);
  });
  it('single lines pass through; streaming gives the same result', () => {
    const lines = ['a', 'b', '  c', 'd'];
    const got: string[] = [];
    const j = new MultilineJoiner((e) => got.push(e));
    for (const l of lines) j.push(l);
    j.end();
    expect(got).toEqual(['a', 'b\n  c', 'd']);
    expect(joinMultiline(lines)).toEqual(got);
  });
  it('caps runaway events', () => {
    const lines = ['head', ...Array.from({ length: 2500 }, (_, i) => `  line ${i}`)];
    const out = joinMultiline(lines);
    expect(out.length).toBe(3);
    expect(out.join('\n')).toBe(lines.join('\n'));
  });
});
