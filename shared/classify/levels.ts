import type { Level } from './types.ts';

/**
 * The level vocabulary: words loggers use for severity (log4j/logback, java.util.logging, Python,
 * Go, syslog keywords, .NET, Apache httpd), lower-cased, to the normalized level.
 * Single letters (klog, logcat) are not in it: they are read only where the format places them.
 */
const WORDS: ReadonlyArray<readonly [string, Level]> = [
  ['trace', 'trace'],
  ['trc', 'trace'],
  ['finest', 'trace'],
  ['finer', 'trace'],
  ['verbose', 'trace'],
  ['debug', 'debug'],
  ['dbg', 'debug'],
  ['debg', 'debug'],
  ['fine', 'debug'],
  ['config', 'debug'],
  ['info', 'info'],
  ['inf', 'info'],
  ['information', 'info'],
  ['informational', 'info'],
  ['notice', 'notice'],
  ['warn', 'warn'],
  ['warning', 'warn'],
  ['wrn', 'warn'],
  ['error', 'error'],
  ['err', 'error'],
  ['eror', 'error'],
  ['severe', 'error'],
  ['fatal', 'critical'],
  ['critical', 'critical'],
  ['crit', 'critical'],
  ['dpanic', 'critical'],
  ['alert', 'alert'],
  ['emerg', 'emergency'],
  ['emergency', 'emergency'],
  ['panic', 'emergency'],
];

const MAP = new Map<string, Level>(WORDS);

/** Longest word in the vocabulary, to reject long tokens without lower-casing them. */
const MAX_LEN = 13;

/** Normalizes a level word (any case, surrounding spaces ignored); undefined when not a level word. */
export function levelFromWord(word: string): Level | undefined {
  if (word.length > MAX_LEN + 4) return undefined;
  const direct = MAP.get(word);
  if (direct !== undefined) return direct;
  return MAP.get(word.trim().toLowerCase());
}

/** Level word in `s` between `start` and `end` (exclusive), or undefined. */
export function levelAt(s: string, start: number, end: number): Level | undefined {
  const n = end - start;
  if (n < 3 || n > MAX_LEN) return undefined;
  const c = s.charCodeAt(start) | 0x20;
  // Every word starts with one of: a c d e f i n p s t v w.
  if (c < 0x61 || c > 0x77) return undefined;
  // The words of this length and first letter, compared letter by letter lower-cased: the answer of
  // `MAP.get(s.slice(start, end).toLowerCase())` with no string made (no non-ASCII character
  // lower-cases to one of these words' letters: the Kelvin sign gives `k`, which none holds).
  const list = BY_SHAPE[n * 32 + (c - 0x61)];
  if (list === undefined) return undefined;
  outer: for (let j = 0; j < list.length; j++) {
    const w = list[j]![0];
    for (let i = 0; i < n; i++) {
      const x = s.charCodeAt(start + i);
      if ((x >= 0x41 && x <= 0x5a ? x | 0x20 : x) !== w.charCodeAt(i)) continue outer;
    }
    return list[j]![1];
  }
  return undefined;
}

/** The vocabulary by length and first letter (index length * 32 + letter). */
const BY_SHAPE: Array<Array<readonly [string, Level]> | undefined> = [];
for (let k = 0; k <= (MAX_LEN + 1) * 32; k++) BY_SHAPE.push(undefined);
for (const entry of WORDS) {
  const k = entry[0].length * 32 + (entry[0].charCodeAt(0) - 0x61);
  (BY_SHAPE[k] ??= []).push(entry);
}

/** True when s[start, end) is all upper-case ASCII letters. */
export function isUpperWord(s: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x41 || c > 0x5a) return false;
  }
  return true;
}

/** Syslog severity (0-7) to level. */
const SYSLOG: readonly Level[] = ['emergency', 'alert', 'critical', 'error', 'warn', 'notice', 'info', 'debug'];

export function levelFromSyslogSeverity(sev: number): Level | undefined {
  return SYSLOG[sev];
}

/**
 * Numeric levels in JSON: pino/bunyan (10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal)
 * and syslog severities 0-7. Anything else: undefined.
 */
export function levelFromNumber(n: number): Level | undefined {
  if (!Number.isInteger(n)) return undefined;
  if (n >= 0 && n <= 7) return SYSLOG[n];
  switch (n) {
    case 10:
      return 'trace';
    case 20:
      return 'debug';
    case 30:
      return 'info';
    case 40:
      return 'warn';
    case 50:
      return 'error';
    case 60:
      return 'critical';
    default:
      return undefined;
  }
}

/** A level value as found in structured data (JSON, logfmt): word, numeric string or number. */
export function levelFromValue(v: unknown): Level | undefined {
  if (typeof v === 'string') {
    const w = levelFromWord(v);
    if (w !== undefined) return w;
    if (v.length > 0 && v.length <= 2) {
      const n = Number(v);
      if (Number.isInteger(n)) return levelFromNumber(n);
    }
    return undefined;
  }
  if (typeof v === 'number') return levelFromNumber(v);
  return undefined;
}
