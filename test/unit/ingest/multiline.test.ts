import { describe, expect, it, vi } from 'vitest';

// Stand-in for the classify implementation, with its contract: continuation lines (whitespace + "at ",
// "Caused by:") are appended to the previous event with "\n"; blank lines between an event and its
// continuation stay inside the event; other blank lines come back as their own entries.
vi.mock('../../../shared/classify/multiline.ts', () => {
  function joinMultiline(lines: readonly string[]): string[] {
    const out: string[] = [];
    let blanks: string[] = [];
    for (const l of lines) {
      if (l.trim() === '') {
        blanks.push(l);
      } else if (out.length > 0 && /^(\s+at |Caused by:)/.test(l)) {
        out[out.length - 1] += '\n' + [...blanks, l].join('\n');
        blanks = [];
      } else {
        out.push(...blanks, l);
        blanks = [];
      }
    }
    out.push(...blanks);
    return out;
  }
  // The streaming form (push each line, end), with the same contract.
  class MultilineJoiner {
    private readonly lines: string[] = [];
    constructor(private readonly emit: (event: string) => void) {}
    push(line: string): void {
      this.lines.push(line);
    }
    end(): void {
      for (const e of joinMultiline(this.lines)) this.emit(e);
    }
  }
  return { joinMultiline, MultilineJoiner };
});

const { parseIngest } = await import('../../../shared/ingest/index.ts');
const { CTX, req } = await import('./helpers.ts');

const TRACE = 'java.lang.IllegalStateException: boom\n    at a.B.c(B.java:1)\n    at a.B.d(B.java:2)\nCaused by: x.Y: z';

describe('text bodies go through joinMultiline', () => {
  it('a stack trace sent as lines is one event (NDJSON is not joined)', () => {
    const r = parseIngest(req(`INFO start\n${TRACE}\nINFO end`, { 'content-type': 'text/plain' }), CTX);
    expect(r.records.map((x) => x.envelope.raw)).toEqual(['INFO start', TRACE, 'INFO end']);
    expect(r.records[1]!.envelope.originalBytes).toBe(Buffer.byteLength(TRACE));
    const n = parseIngest(req(`INFO start\n${TRACE}`, { 'content-type': 'application/x-ndjson' }), CTX);
    expect(n.accepted).toBe(5);
  });

  it('blank lines reach the joiner (kept inside an event, skipped between events)', () => {
    const body = 'start\n\nError: x\n\n    at a(b:1)\n\n  \nend\n';
    const r = parseIngest(req(body, { 'content-type': 'text/plain' }), CTX);
    expect(r.records.map((x) => x.envelope.raw)).toEqual(['start', 'Error: x\n\n    at a(b:1)', 'end']);
    // same with an invalid byte (byte-level path): mapping back to lines still works
    const bad = Buffer.concat([Buffer.from('start\n\nError: '), Buffer.from([0xff]), Buffer.from('\n\n    at a(b:1)\n\n  \nend\n')]);
    const r2 = parseIngest(req(bad, { 'content-type': 'text/plain' }), CTX);
    expect(r2.records.map((x) => [x.envelope.raw, x.envelope.invalidUtf8 === true, x.envelope.originalBytes])).toEqual([
      ['start', false, 5],
      ['Error: \uFFFD\n\n    at a(b:1)', true, 8 + 1 + 0 + 1 + 13],
      ['end', false, 3],
    ]);
  });

  it('with invalid UTF-8 in one line, only the joined event holding that line is flagged; sizes are wire sizes', () => {
    const body = Buffer.concat([
      Buffer.from('INFO start\njava.lang.Error: b'),
      Buffer.from([0xc3, 0x28]), // invalid 2-byte sequence
      Buffer.from('d\n    at a.B.c(B.java:1)\r\nINFO end'),
    ]);
    const r = parseIngest(req(body, { 'content-type': 'text/plain' }), CTX);
    expect(r.records.map((x) => x.envelope.invalidUtf8 === true)).toEqual([false, true, false]);
    const ev = r.records[1]!.envelope;
    expect(ev.raw).toBe('java.lang.Error: b\uFFFD(d\n    at a.B.c(B.java:1)');
    expect(ev.originalBytes).toBe(Buffer.byteLength('java.lang.Error: b') + 2 + 1 + 1 + Buffer.byteLength('    at a.B.c(B.java:1)'));
  });
});
