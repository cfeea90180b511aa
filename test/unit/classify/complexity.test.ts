/**
 * Every per-event cost is bounded and linear (issue 15): adversarial lines at 1 KB, 16 KB and 64 KB,
 * each made of one format's header followed by a long run of one shape (digits, dots, spaces, colons,
 * brackets, quotes, pipes, `k=` pairs, unclosed structures...), go through `classify`, `toDocument`,
 * `joinMultiline` and the template miner. The 64 KB time must be at most ~100x the 1 KB time (linear
 * is 64x; a quadratic path is thousands). A ratio within one run, not an absolute time: each time is
 * the minimum of a few repetitions, and the 1 KB time is a mean over 64 calls, to cut noise.
 */
import { describe, expect, it } from 'vitest';
import { classify, joinMultiline, toDocument } from '../../../shared/classify/index.ts';
import type { RawEnvelope } from '../../../shared/envelope/types.ts';
import { createMiner, tokenize } from '../../../shared/templates/index.ts';

const ref = new Date('2024-06-01T12:00:00Z');

/** One header per format and per timestamp/level shape the parsers read, plus unfinished ones. */
export const HEADERS: Record<string, string> = {
  none: '',
  gc: '[GC ',
  gcFull: '[Full GC (Allocation Failure) ',
  gcDated: '2013-10-25T18:35:43.387+0000: 441.482: [GC (Allocation Failure) [PSYoungGen: ',
  gcTimes: '[GC 1K->1K(2K), 0.1 secs] [Times: user=',
  unified: '[2024-06-01T10:00:00.000+0000][0.123s][info][gc] GC(3) Pause Young ',
  syslog5424: '<34>1 2024-06-01T10:00:00Z host app 123 ID47 - ',
  syslog5424Sd: '<34>1 2024-06-01T10:00:00Z host app 123 ID47 [ex@1 a="',
  syslog3164: '<34>Jun  1 10:00:00 host app[12]: ',
  pri: '<34>',
  bsd: 'Jun  1 10:00:00 host app[12]: ',
  access: '127.0.0.1 - - [01/Jun/2024:10:00:00 +0000] "GET /',
  accessCombined: '127.0.0.1 - - [01/Jun/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 12 "-" "',
  logfmt: 'ts=2024-06-01T10:00:00Z level=info msg=',
  logfmtQuoted: 'level=info msg="',
  cef: 'CEF:0|Vendor|Product|1.0|100|name|5|',
  cefExt: 'CEF:0|V|P|1|1|n|5|src=1.2.3.4 msg=',
  json: '{"msg":"',
  jsonValue: '{"level":"info","a":',
  jsonArray: '{"a":[',
  iso: '2024-06-01T10:00:00Z INFO ',
  isoFraction: '2024-06-01T10:00:00.',
  isoComma: '2024-06-01 10:00:00,123 ',
  isoZone: '2024-06-01 10:00:00 +',
  level: '[INFO] ',
  python: 'WARNING:root:',
  klog: 'I0601 10:00:00.000000 12 file.go:1] ',
  epoch: '1717236000 ',
  ctime: 'Sun Dec 04 04:47:44 2005 ',
  bracketTime: '[2024-06-01 10:00:00] ',
  logcat: '06-01 10:00:00.000 123 456 I tag: ',
  slashDate: '2024/06/01 10:00:00 ',
  compactDate: '20240601-10:00:00:123|',
  month: 'Jun ',
  headerRun: '2024-06-01 10:00:00 node-1 a.b.c 12 ',
  dottedLogger: '2024-06-01 10:00:00 INFO a.b.c [',
  aligned: 'Info                  CBS    ',
  frame: 'java.lang.IllegalStateException: boom\n\tat ',
  traceback: 'Traceback (most recent call last):\n  File "',
};

/** Runs of one shape, `n` characters long (about). */
export const RUNS: Record<string, (n: number) => string> = {
  digits: (n) => '1'.repeat(n),
  dots: (n) => '.'.repeat(n),
  spaces: (n) => ' '.repeat(n) + 'x',
  tabs: (n) => '\t'.repeat(n) + 'x',
  colons: (n) => ':'.repeat(n),
  openBrackets: (n) => '['.repeat(n),
  closeBrackets: (n) => ']'.repeat(n),
  bracketPairs: (n) => '[a] '.repeat(n / 4),
  parens: (n) => '('.repeat(n),
  braces: (n) => '{'.repeat(n),
  angles: (n) => '<'.repeat(n),
  quotes: (n) => '"'.repeat(n),
  singleQuotes: (n) => "'".repeat(n),
  backslashes: (n) => '\\'.repeat(n),
  pipes: (n) => '|'.repeat(n),
  equals: (n) => '='.repeat(n),
  commas: (n) => ','.repeat(n),
  dashes: (n) => '-'.repeat(n),
  slashes: (n) => '/'.repeat(n),
  keyEquals: (n) => 'k='.repeat(n / 2),
  pairs: (n) => 'k=v '.repeat(n / 4),
  keyQuote: (n) => 'k="'.repeat(n / 3),
  keyColon: (n) => 'a: '.repeat(n / 3),
  digitDots: (n) => '1.'.repeat(n / 2),
  digitColons: (n) => '1:'.repeat(n / 2),
  digitSpaces: (n) => '1 '.repeat(n / 2),
  digitDashes: (n) => '1-'.repeat(n / 2),
  letters: (n) => 'a'.repeat(n),
  upper: (n) => 'A'.repeat(n),
  words: (n) => 'ab '.repeat(n / 3),
  levels: (n) => 'INFO '.repeat(n / 5),
  dotted: (n) => 'a.'.repeat(n / 2),
  heap: (n) => '1K->1K('.repeat(n / 7),
  secs: (n) => '1.1 '.repeat(n / 4),
  times: (n) => '10:00:00 '.repeat(n / 9),
  addresses: (n) => '1.2.3.4:'.repeat(n / 8),
  hex: (n) => '0x1f '.repeat(n / 5),
  percents: (n) => '%'.repeat(n),
  ats: (n) => '@'.repeat(n),
  newlines: (n) => '\nx'.repeat(n / 2),
  frames: (n) => '\n  at x'.repeat(n / 7),
};

const SIZES = { small: 1024, middle: 16 * 1024, large: 64 * 1024 };

const MAX_RATIO = 100;

/** Least time of `reps` runs of `calls` calls of `f`, per call (ms). */
function perCall(f: () => void, calls: number, reps: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) f();
    best = Math.min(best, (performance.now() - t0) / calls);
  }
  return best;
}

interface Worst {
  name: string;
  /** 64 KB time / 1 KB time. */
  ratio: number;
  /** 16 KB time / 1 KB time (linear: 16), to show the growth of a failing case. */
  ratio16: number;
}

/**
 * The combinations whose 64 KB / 1 KB time ratio passes the bound, over every header x run shape.
 * `prepare` turns the line into the input of `run` (outside the timing). A combination over the bound
 * is measured again, up to three times (a shared machine's noise), before it counts: a super-linear
 * path stays far over it (a quadratic one is ~4,000x), noise does not.
 */
function overBound<T>(run: (x: T) => void, prepare: (s: string) => T, headers: Record<string, string> = HEADERS): Worst[] {
  const over: Worst[] = [];
  for (const [hn, h] of Object.entries(headers)) {
    for (const [rn, g] of Object.entries(RUNS)) {
      const small = prepare(sized(h, g, SIZES.small));
      const large = prepare(sized(h, g, SIZES.large));
      run(small);
      run(large);
      // The 1 KB time floors at 0.5 µs: below it the clock's resolution, not the code, is measured.
      const measure = (): number => perCall(() => run(large), 1, 3) / Math.max(perCall(() => run(small), 64, 2), 0.0005);
      let ratio = measure();
      for (let retry = 0; retry < 3 && ratio > MAX_RATIO; retry++) ratio = Math.min(ratio, measure());
      if (ratio > MAX_RATIO) {
        const middle = prepare(sized(h, g, SIZES.middle));
        const ratio16 = perCall(() => run(middle), 4, 3) / Math.max(perCall(() => run(small), 64, 2), 0.0005);
        over.push({ name: `${hn} + ${rn}`, ratio: Math.round(ratio), ratio16: Math.round(ratio16) });
      }
    }
  }
  return over;
}

const same = (s: string): string => s;

/** The header then the run, cut to exactly n characters. */
function sized(header: string, run: (n: number) => string, n: number): string {
  return (header + run(n)).slice(0, n);
}

function envelope(raw: string): RawEnvelope {
  return {
    v: 1,
    id: 'e1',
    tenant: 't1',
    receivedAt: '2024-06-01T12:00:00.000Z',
    raw,
    tags: [],
    truncated: false,
    originalBytes: raw.length,
    requestId: 'r1',
  };
}

describe('every per-event cost is linear in the event (64 KB at most ~100x 1 KB)', () => {
  it('classify, every parser through its header', () => {
    expect(overBound((s) => classify(s, ref), same)).toEqual([]);
  }, 240_000);

  it('toDocument (classifying from the envelope)', () => {
    const some = Object.fromEntries(Object.entries(HEADERS).filter(([k]) => ['none', 'json', 'syslog5424', 'gc', 'iso', 'logfmt'].includes(k)));
    expect(overBound((e) => toDocument(e), envelope, some)).toEqual([]);
  }, 240_000);

  it('the miner (tokenize, mask, match, learn) on what classify leaves as the message', () => {
    expect(overBound<string>((m) => createMiner({}).add(m), (s) => classify(s, ref).message)).toEqual([]);
  }, 240_000);

  it('the tokenizer on the raw line, as the miner calls it (reused buffers, its token limit)', () => {
    expect(overBound((s) => tokenize(s, undefined, true, 8 * 96), same)).toEqual([]);
  }, 240_000);

  it('joinMultiline on the lines of a body', () => {
    expect(overBound<string[]>((lines) => joinMultiline(lines), (s) => s.split('\n'))).toEqual([]);
  }, 240_000);

  it('the reported case: a GC line of 64 KB of digits (was ~9 s) is parsed as GC in linear time', () => {
    const line = '[GC ' + '1'.repeat(64 * 1024);
    expect(classify(line, ref).format).toBe('jvm_gc');
    expect(overBound((s) => classify(s, ref), same, { gc: '[GC ' })).toEqual([]);
  });
});
