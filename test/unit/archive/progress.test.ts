import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatBytes, progressReporter } from '../../../cli/replay.ts';

function sink(isTTY: boolean): { stream: NodeJS.WritableStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  Object.assign(stream, { isTTY });
  return { stream, text: () => text };
}

const p = (objectsDone: number) => ({ objectsDone, objectsTotal: 4, bytesDone: objectsDone * 100, bytesTotal: 400, events: objectsDone * 10 });

describe('replay progress', () => {
  it('draws a bar in place on a terminal and ends the line when done', () => {
    const s = sink(true);
    const r = progressReporter(s.stream);
    r.update(p(0));
    r.update(p(4));
    r.done();
    expect(s.text()).toContain('\r[');
    expect(s.text()).toContain('100% 4/4 objects, 40 events');
    expect(s.text().endsWith('\n')).toBe(true);
  });
  it('writes plain lines, rate-limited, when not a terminal', () => {
    const s = sink(false);
    const r = progressReporter(s.stream, 0);
    r.update(p(2));
    r.done();
    r.update(p(3));
    expect(s.text()).toMatch(/^replay: 50% 2\/4 objects, 20 events, \d+ s\n$/);
    expect(s.text()).not.toContain('\r');
  });
  it('formats bytes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(200 * 1024 * 1024)).toBe('200 MiB');
  });
});
