/**
 * Hand-written timestamp readers (no `Date.parse`, no regular expressions): each reads one form at a
 * position of a string and returns epoch milliseconds, or NaN when the text there is not that form.
 * `TS.end` is then the index just past the timestamp.
 *
 * Rules (also in README.md): no zone written => UTC; no year (syslog `Mmm dd hh:mm:ss`) => the year of
 * the receive time, or the year before when that would put the event more than a day in the future;
 * time of day only => the receive time's date (the day before when more than 12 h in the future);
 * two-digit years => 20yy; ambiguous numeric dates (`17/06/09`, `03/04/2024`) => the valid reading
 * closest to the receive time.
 */

const DAY_MS = 86_400_000;

/**
 * The readers' scratch state, passed in explicitly: the results of the last successful read (`end`,
 * `syslogStyle`), the inner readers' out-values, and two memos (the last day computed, the last second
 * formatted). One cursor is reused for every call (the readers allocate nothing); it is not shared
 * between concurrent callers, who each hold their own (`new TimeCursor()`).
 */
export class TimeCursor {
  /** Index just past the timestamp last read. */
  end = 0;
  /** The form had a month name first and no year (BSD syslog style). */
  syslogStyle = false;
  /** `monthAt`: index past the month name. */
  monthEnd = 0;
  /** `readNum`: index past the digits. */
  numEnd = 0;
  /** `readTime`: hours, minutes, seconds, milliseconds, and the index past the time. */
  h = 0;
  m = 0;
  s = 0;
  ms = 0;
  tEnd = 0;
  /** `readZone`: index past the zone. */
  zEnd = 0;
  /** `utc`'s memo: the last date computed and its `Date.UTC` (a batch's lines mostly share their date). */
  dayY = NaN;
  dayMo = NaN;
  dayD = NaN;
  dayMs = NaN;
  /** `isoOf`'s memo: the second last formatted and its `YYYY-MM-DDTHH:MM:SS.`. */
  lastSec = NaN;
  lastPrefix = '';
  /** `isoOf`'s memo of the day: the last day formatted (days since the epoch) and its `YYYY-MM-DDT`. */
  lastDay = NaN;
  lastDayPrefix = '';
  /** `toIso`'s memo: the last few results, by second and millisecond. */
  readonly isoT: number[] = new Array<number>(16).fill(NaN);
  readonly isoS: string[] = new Array<string>(16).fill('');
}

const enum C {
  SPACE = 0x20,
  PLUS = 0x2b,
  COMMA = 0x2c,
  MINUS = 0x2d,
  DOT = 0x2e,
  SLASH = 0x2f,
  D0 = 0x30,
  D9 = 0x39,
  COLON = 0x3a,
  LBRACK = 0x5b,
  RBRACK = 0x5d,
  T = 0x54,
  Z = 0x5a,
}

function isDigit(c: number): boolean {
  return c >= C.D0 && c <= C.D9;
}

function key3(s: string, i: number): number {
  return ((s.charCodeAt(i) | 0x20) << 16) | ((s.charCodeAt(i + 1) | 0x20) << 8) | (s.charCodeAt(i + 2) | 0x20);
}

const MONTHS = new Map<number, number>();
['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].forEach((m, idx) =>
  MONTHS.set(key3(m, 0), idx + 1),
);
const WEEKDAYS = new Set<number>(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => key3(d, 0)));

function isLetter(c: number): boolean {
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x7a;
}

/** Month number at s[i..i+3) (3-letter English abbreviation, any case), or 0. Skips a full name's tail via `cur.monthEnd`. */
function monthAt(cur: TimeCursor, s: string, i: number): number {
  if (i + 3 > s.length) return 0;
  const m = MONTHS.get(key3(s, i));
  if (m === undefined) return 0;
  let j = i + 3;
  // Full month names ("December", "Sept"): skip the remaining letters.
  while (j < s.length && isLetter(s.charCodeAt(j)) && j - i < 10) j++;
  // A 3-letter prefix of a longer word that is not a month ("Mayday") is rejected by the caller's separator check.
  cur.monthEnd = j;
  return m;
}

/** Reads 1..max digits at i; returns the value, sets `cur.numEnd`; -1 when no digit. */
function readNum(cur: TimeCursor, s: string, i: number, max: number): number {
  let v = 0;
  let j = i;
  const lim = Math.min(s.length, i + max);
  while (j < lim) {
    const c = s.charCodeAt(j);
    if (c < C.D0 || c > C.D9) break;
    v = v * 10 + (c - C.D0);
    j++;
  }
  if (j === i) return -1;
  cur.numEnd = j;
  return v;
}

/** Exactly n digits at i, or -1. */
function fixed(s: string, i: number, n: number): number {
  if (i + n > s.length) return -1;
  let v = 0;
  for (let j = i; j < i + n; j++) {
    const c = s.charCodeAt(j);
    if (c < C.D0 || c > C.D9) return -1;
    v = v * 10 + (c - C.D0);
  }
  return v;
}

/**
 * `H:MM[:SS][(.|,)fff...]` with 1-2 digit fields (and `:fff` milliseconds, as some Android-style
 * loggers write). Returns false when not a time.
 */
function readTime(cur: TimeCursor, s: string, i: number): boolean {
  const h = readNum(cur, s, i, 2);
  if (h < 0 || h > 24) return false;
  let j = cur.numEnd;
  if (s.charCodeAt(j) !== C.COLON) return false;
  const m = readNum(cur, s, j + 1, 2);
  if (m < 0 || m > 59) return false;
  j = cur.numEnd;
  let sec = 0;
  if (s.charCodeAt(j) === C.COLON) {
    sec = readNum(cur, s, j + 1, 2);
    if (sec < 0 || sec > 60) return false;
    j = cur.numEnd;
  }
  let ms = 0;
  const c = s.charCodeAt(j);
  if ((c === C.DOT || c === C.COMMA) && isDigit(s.charCodeAt(j + 1))) {
    // Decimal fraction: up to 9 digits, milliseconds from the first three.
    let k = j + 1;
    let scale = 100;
    while (k < s.length && isDigit(s.charCodeAt(k)) && k - j <= 9) {
      ms += (s.charCodeAt(k) - C.D0) * scale;
      scale /= 10;
      k++;
    }
    ms = Math.floor(ms);
    j = k;
  } else if (c === C.COLON && isDigit(s.charCodeAt(j + 1))) {
    const v = readNum(cur, s, j + 1, 3);
    if (isDigit(s.charCodeAt(cur.numEnd))) return false;
    ms = v;
    j = cur.numEnd;
  }
  cur.h = h;
  cur.m = m;
  cur.s = sec;
  cur.ms = ms;
  cur.tEnd = j;
  return true;
}

/**
 * Zone after a time: `Z`, `±hh:mm`, `±hhmm`, `±hh`, or one space then `±hhmm`/`UTC`/`GMT`.
 * Returns the offset in minutes (east positive) and sets `cur.zEnd`; 0 and cur.zEnd = i when none.
 */
function readZone(cur: TimeCursor, s: string, i: number): number {
  cur.zEnd = i;
  if (i >= s.length) return 0;
  let c = s.charCodeAt(i);
  let j = i;
  if (c === C.Z) {
    cur.zEnd = i + 1;
    return 0;
  }
  if (c === C.SPACE) {
    j = i + 1;
    c = s.charCodeAt(j);
    if ((c === 0x55 || c === 0x47) && j + 3 <= s.length) {
      const k = s.slice(j, j + 3);
      if ((k === 'UTC' || k === 'GMT') && !isLetter(s.charCodeAt(j + 3))) {
        cur.zEnd = j + 3;
        return 0;
      }
      return 0;
    }
    // With a space, only the 4-digit form counts (avoid reading "- 1" or a pid as a zone).
    if ((c === C.PLUS || c === C.MINUS) && fixed(s, j + 1, 4) >= 0 && !isDigit(s.charCodeAt(j + 5))) {
      const v = fixed(s, j + 1, 4);
      const off = Math.floor(v / 100) * 60 + (v % 100);
      cur.zEnd = j + 5;
      return c === C.MINUS ? -off : off;
    }
    return 0;
  }
  if (c !== C.PLUS && c !== C.MINUS) return 0;
  const hh = fixed(s, j + 1, 2);
  if (hh < 0 || hh > 14) return 0;
  let k = j + 3;
  let mm = 0;
  if (s.charCodeAt(k) === C.COLON) {
    mm = fixed(s, k + 1, 2);
    if (mm < 0) return 0;
    k += 3;
  } else if (fixed(s, k, 2) >= 0) {
    mm = fixed(s, k, 2);
    k += 2;
  }
  if (isDigit(s.charCodeAt(k))) return 0;
  cur.zEnd = k;
  const off = hh * 60 + mm;
  return c === C.MINUS ? -off : off;
}

/**
 * `Date.UTC(y, mo - 1, d, h, mi, sec, ms)` (NaN for an invalid month or day), with the date's part
 * remembered: MakeDate(day, MakeTime(h, mi, sec, ms)) is day * msPerDay + the time, so adding the
 * time to `Date.UTC(y, mo - 1, d)` gives the same number (arguments are integers here; TimeClip kept).
 */
function utc(cur: TimeCursor, y: number, mo: number, d: number, h: number, mi: number, sec: number, ms: number): number {
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return NaN;
  if (y !== cur.dayY || mo !== cur.dayMo || d !== cur.dayD) {
    cur.dayMs = Date.UTC(y, mo - 1, d);
    cur.dayY = y;
    cur.dayMo = mo;
    cur.dayD = d;
  }
  if (!Number.isInteger(h) || !Number.isInteger(mi) || !Number.isInteger(sec) || !Number.isInteger(ms) || Number.isNaN(cur.dayMs)) {
    return Date.UTC(y, mo - 1, d, h, mi, sec, ms);
  }
  const t = cur.dayMs + (h * 3_600_000 + mi * 60_000 + sec * 1_000 + ms);
  return Math.abs(t) > 8.64e15 ? NaN : t;
}

function twoDigitYear(yy: number): number {
  return 2000 + yy;
}

/** Optional time after a date at i (`T` or space, then a time, then a zone). Returns ms or NaN. */
function dateThenTime(cur: TimeCursor, s: string, i: number, y: number, mo: number, d: number): number {
  const c = s.charCodeAt(i);
  if ((c === C.T || c === C.SPACE || c === C.MINUS || c === C.COLON) && readTime(cur, s, i + 1)) {
    // A time is two fields at least: "2024-01-01 12" is not read as a time.
    const off = readZone(cur, s, cur.tEnd);
    cur.end = cur.zEnd;
    return utc(cur, y, mo, d, cur.h, cur.m, cur.s, cur.ms) - off * 60_000;
  }
  // Date only.
  cur.end = i;
  return utc(cur, y, mo, d, 0, 0, 0, 0);
}

/** Of two readings, the one closest to the receive time, preferring one not in the future (> 1 day ahead). */
function closest(ref: number, a: number, b: number): number {
  if (Number.isNaN(a)) return b;
  if (Number.isNaN(b)) return a;
  const fa = a > ref + DAY_MS;
  const fb = b > ref + DAY_MS;
  if (fa !== fb) return fa ? b : a;
  return Math.abs(a - ref) <= Math.abs(b - ref) ? a : b;
}

/**
 * A time at i after a year-less month/day (`mm-dd`, `mm.dd`, `mm/dd`, klog's `mmdd`): the receive
 * year, or the year before when that would be more than a day in the future (as for syslog dates).
 */
function monthDayTime(cur: TimeCursor, s: string, i: number, ref: number, mo: number, d: number): number {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || !readTime(cur, s, i)) return NaN;
  const off = readZone(cur, s, cur.tEnd);
  cur.end = cur.zEnd;
  const y = new Date(ref).getUTCFullYear();
  let t = utc(cur, y, mo, d, cur.h, cur.m, cur.s, cur.ms) - off * 60_000;
  if (t > ref + DAY_MS) t = utc(cur, y - 1, mo, d, cur.h, cur.m, cur.s, cur.ms) - off * 60_000;
  return t;
}

/** klog/glog date and time: `mmdd hh:mm:ss.uuuuuu` at i (the severity letter before it is not read here). */
export function parseMonthDayCompact(cur: TimeCursor, s: string, i: number, ref: number): number {
  const md = fixed(s, i, 4);
  if (md < 0 || s.charCodeAt(i + 4) !== C.SPACE) return NaN;
  const t = monthDayTime(cur, s, i + 5, ref, Math.floor(md / 100), md % 100);
  if (Number.isNaN(t)) return NaN;
  const e = s.charCodeAt(cur.end);
  if (isLetter(e) || isDigit(e)) return NaN;
  return t;
}

function parseNumeric(cur: TimeCursor, s: string, i: number, ref: number): number {
  let j = i;
  while (j < s.length && isDigit(s.charCodeAt(j)) && j - i < 20) j++;
  const n = j - i;
  const sep = s.charCodeAt(j);
  if (n === 4 && (sep === C.MINUS || sep === C.SLASH || sep === C.DOT)) return parseYearFirst(cur, s, i, j);
  if (n === 8) return parseCompactDate(cur, s, i, j);
  if (n === 6 && sep === C.SPACE && fixed(s, j + 1, 6) >= 0 && !isDigit(s.charCodeAt(j + 7))) return parseCompactShort(cur, s, i, j);
  if (n === 1 || n === 2) return parseSmallFirst(cur, s, i, j, ref);
  if (n >= 10 && n <= 19 && sep !== C.COLON && sep !== C.MINUS && sep !== C.SLASH) return parseEpoch(cur, s, i, j);
  return NaN;
}

/** yyyy-mm-dd, yyyy/mm/dd, yyyy.mm.dd (the separator at j), then an optional time. */
function parseYearFirst(cur: TimeCursor, s: string, i: number, j: number): number {
  const sep = s.charCodeAt(j);
  const y = fixed(s, i, 4);
  const mo = readNum(cur, s, j + 1, 2);
  if (mo < 1 || s.charCodeAt(cur.numEnd) !== sep) return NaN;
  const d = readNum(cur, s, cur.numEnd + 1, 2);
  if (d < 1) return NaN;
  return dateThenTime(cur, s, cur.numEnd, y, mo, d);
}

/** yyyymmdd (i..j), then -, T or space and a time (hh:mm:ss or hhmmss). */
function parseCompactDate(cur: TimeCursor, s: string, i: number, j: number): number {
  const sep = s.charCodeAt(j);
  const y = fixed(s, i, 4);
  const mo = fixed(s, i + 4, 2);
  const d = fixed(s, i + 6, 2);
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31) return NaN;
  if ((sep === C.T || sep === C.MINUS) && fixed(s, j + 1, 6) >= 0 && !isDigit(s.charCodeAt(j + 7))) {
    const hms = fixed(s, j + 1, 6);
    const off = readZone(cur, s, j + 7);
    cur.end = cur.zEnd;
    return utc(cur, y, mo, d, Math.floor(hms / 10000), Math.floor(hms / 100) % 100, hms % 100, 0) - off * 60_000;
  }
  return dateThenTime(cur, s, j, y, mo, d);
}

/** yymmdd hhmmss (the date at i, the space at j). */
function parseCompactShort(cur: TimeCursor, s: string, i: number, j: number): number {
  const ymd = fixed(s, i, 6);
  const hms = fixed(s, j + 1, 6);
  const h = Math.floor(hms / 10000);
  const mi = Math.floor(hms / 100) % 100;
  const sec = hms % 100;
  if (h > 23 || mi > 59 || sec > 60) return NaN;
  cur.end = j + 7;
  return utc(cur, twoDigitYear(Math.floor(ymd / 10000)), Math.floor(ymd / 100) % 100, ymd % 100, h, mi, sec, 0);
}

/** One or two digits at i..j: a time of day, a day before a month name, or a numeric a/b/c date. */
function parseSmallFirst(cur: TimeCursor, s: string, i: number, j: number, ref: number): number {
  const n = j - i;
  const sep = s.charCodeAt(j);
  const a = n === 1 ? s.charCodeAt(i) - C.D0 : fixed(s, i, 2);
  if (sep === C.COLON) return parseTimeOfDay(cur, s, i, ref);
  if (sep === C.SLASH || sep === C.MINUS || sep === C.DOT || sep === C.SPACE) {
    if (isLetter(s.charCodeAt(j + 1))) {
      // dd/Mon/yyyy:hh:mm:ss zone (Common Log Format), dd-Mon-yyyy hh:mm:ss, dd Mon yyyy hh:mm:ss
      const mo = monthAt(cur, s, j + 1);
      if (mo === 0 || s.charCodeAt(cur.monthEnd) !== sep) return NaN;
      const y = fixed(s, cur.monthEnd + 1, 4);
      if (y < 0) return NaN;
      return dateThenTime(cur, s, cur.monthEnd + 5, y, mo, a);
    }
    if (sep === C.SPACE) return NaN;
    return parseNumericDate(cur, s, j, n, a, ref);
  }
  return NaN;
}

/** Time of day only (at i): on the receive date. */
function parseTimeOfDay(cur: TimeCursor, s: string, i: number, ref: number): number {
  if (!readTime(cur, s, i)) return NaN;
  const off = readZone(cur, s, cur.tEnd);
  cur.end = cur.zEnd;
  const day = Math.floor(ref / DAY_MS) * DAY_MS;
  let t = day + ((cur.h * 60 + cur.m) * 60 + cur.s) * 1000 + cur.ms - off * 60_000;
  if (t > ref + DAY_MS / 2) t -= DAY_MS;
  return t;
}

/** a/b/c numeric (`a`, n digits, read; the separator at j), or month and day without a year then a time. */
function parseNumericDate(cur: TimeCursor, s: string, j: number, n: number, a: number, ref: number): number {
  const sep = s.charCodeAt(j);
  const b = readNum(cur, s, j + 1, 2);
  if (b < 0) return NaN;
  if (s.charCodeAt(cur.numEnd) === C.SPACE && n === 2 && cur.numEnd - j === 3) {
    // Month and day without a year, then a time: "03-17 16:13:38.811" (logcat), "10.30 16:49:06".
    return monthDayTime(cur, s, cur.numEnd + 1, ref, a, b);
  }
  if (s.charCodeAt(cur.numEnd) !== sep) return NaN;
  const cStart = cur.numEnd + 1;
  let c = readNum(cur, s, cStart, 4);
  if (c < 0) return NaN;
  const cDigits = cur.numEnd - cStart;
  if (cDigits !== 2 && cDigits !== 4) return NaN;
  const afterDate = cur.numEnd;
  // Time (if any) is the same for every reading: read it once via a dummy date.
  const base = dateThenTime(cur, s, afterDate, 1970, 1, 1);
  if (Number.isNaN(base)) return NaN;
  if (cDigits === 4) {
    // dd/mm/yyyy or mm/dd/yyyy (dots: always dd.mm.yyyy).
    const dm = utc(cur, c, b, a, 0, 0, 0, 0);
    const md = sep === C.DOT ? NaN : utc(cur, c, a, b, 0, 0, 0, 0);
    const day = closest(ref, b <= 12 ? dm : NaN, a <= 12 ? md : NaN);
    return Number.isNaN(day) ? NaN : day + base;
  }
  // All two-digit: yy/mm/dd, dd/mm/yy, mm/dd/yy: the valid one closest to the receive time.
  c = c + 0;
  let best = NaN;
  if (b <= 12) {
    best = closest(ref, best, utc(cur, twoDigitYear(a), b, c, 0, 0, 0, 0) + base);
    best = closest(ref, best, utc(cur, twoDigitYear(c), b, a, 0, 0, 0, 0) + base);
  }
  if (a <= 12) best = closest(ref, best, utc(cur, twoDigitYear(c), a, b, 0, 0, 0, 0) + base);
  return best;
}

/** Epoch seconds (10 digits at i..j, optional fraction), milliseconds (13), micro (16) or nano (19). */
function parseEpoch(cur: TimeCursor, s: string, i: number, j: number): number {
  const n = j - i;
  const sep = s.charCodeAt(j);
  if (n !== 10 && n !== 13 && n !== 16 && n !== 19) return NaN;
  let v = Number(s.slice(i, i + 13 > j ? j : i + 13));
  if (n === 10) v *= 1000;
  let k = j;
  if (n === 10 && sep === C.DOT && isDigit(s.charCodeAt(j + 1))) {
    k = j + 1;
    let scale = 100;
    while (k < s.length && isDigit(s.charCodeAt(k))) {
      if (scale >= 1) v += (s.charCodeAt(k) - C.D0) * scale;
      scale /= 10;
      k++;
    }
  }
  if (isLetter(s.charCodeAt(k))) return NaN;
  // 2000-01-01 .. 2100-01-01 only, so that long ids are not read as times.
  if (v < 946_684_800_000 || v > 4_102_444_800_000) return NaN;
  cur.end = k;
  return Math.floor(v);
}

function parseAlpha(cur: TimeCursor, s: string, i: number, ref: number): number {
  let j = i;
  // Optional weekday: "Sun ", "Sun, ", "Sunday, ".
  if (j + 4 <= s.length && WEEKDAYS.has(key3(s, j))) {
    j += 3;
    while (j < s.length && isLetter(s.charCodeAt(j)) && j - i < 10) j++;
    if (s.charCodeAt(j) === C.COMMA) j++;
    if (s.charCodeAt(j) !== C.SPACE) return NaN;
    j++;
    if (isDigit(s.charCodeAt(j))) {
      // RFC 2822: "Sun, 04 Dec 2005 04:47:44 +0000"
      return parseNumeric(cur, s, j, ref);
    }
  }
  const mo = monthAt(cur, s, j);
  if (mo === 0) return NaN;
  j = cur.monthEnd;
  if (s.charCodeAt(j) === C.DOT) j++;
  if (s.charCodeAt(j) !== C.SPACE) return NaN;
  j++;
  if (s.charCodeAt(j) === C.SPACE) j++; // "Jun  3"
  const d = readNum(cur, s, j, 2);
  if (d < 1 || d > 31) return NaN;
  j = cur.numEnd;
  let c = s.charCodeAt(j);
  if (c === C.COMMA) {
    j++;
    c = s.charCodeAt(j);
  }
  if (c !== C.SPACE) return NaN;
  j++;
  // "Dec 04 2005 04:47:44" / "Dec 4, 2005 4:47:44 PM"
  if (fixed(s, j, 4) >= 0 && s.charCodeAt(j + 4) === C.SPACE) return yearThenTime(cur, s, j, mo, d);
  return timeThenYear(cur, s, j, ref, mo, d);
}

/** After a month and day: a year at j, then an optional time (12-hour clock allowed) and zone. */
function yearThenTime(cur: TimeCursor, s: string, j: number, mo: number, d: number): number {
  const y = fixed(s, j, 4);
  if (!readTime(cur, s, j + 5)) {
    cur.end = j + 4;
    cur.syslogStyle = false;
    return utc(cur, y, mo, d, 0, 0, 0, 0);
  }
  let h = cur.h;
  let k = cur.tEnd;
  // 12-hour clock.
  if (s.charCodeAt(k) === C.SPACE) {
    const ap = s.charCodeAt(k + 1) | 0x20;
    if ((ap === 0x61 || ap === 0x70) && (s.charCodeAt(k + 2) | 0x20) === 0x6d && !isLetter(s.charCodeAt(k + 3))) {
      if (h === 12) h = 0;
      if (ap === 0x70) h += 12;
      k += 3;
    }
  }
  const off = readZone(cur, s, k);
  cur.end = cur.zEnd;
  cur.syslogStyle = false;
  return utc(cur, y, mo, d, h, cur.m, cur.s, cur.ms) - off * 60_000;
}

/** After a month and day: a time at j, then a zone and the year (ctime), or no year (syslog: the receive year). */
function timeThenYear(cur: TimeCursor, s: string, j: number, ref: number, mo: number, d: number): number {
  if (!readTime(cur, s, j)) return NaN;
  let k = cur.tEnd;
  const h = cur.h;
  const mi = cur.m;
  const sec = cur.s;
  const ms = cur.ms;
  let off = readZone(cur, s, k);
  k = cur.zEnd;
  // ctime: "Sun Dec 04 04:47:44 2005" (year after the time), possibly with a zone before or after it.
  if (s.charCodeAt(k) === C.SPACE && fixed(s, k + 1, 4) >= 1970 && !isDigit(s.charCodeAt(k + 5))) {
    const y = fixed(s, k + 1, 4);
    k += 5;
    if (off === 0) {
      off = readZone(cur, s, k);
      k = cur.zEnd;
    }
    cur.end = k;
    cur.syslogStyle = false;
    return utc(cur, y, mo, d, h, mi, sec, ms) - off * 60_000;
  }
  // No year: the receive year, or the year before when that would be in the future.
  cur.end = k;
  cur.syslogStyle = true;
  const y = new Date(ref).getUTCFullYear();
  let t = utc(cur, y, mo, d, h, mi, sec, ms) - off * 60_000;
  if (t > ref + DAY_MS) t = utc(cur, y - 1, mo, d, h, mi, sec, ms) - off * 60_000;
  return t;
}

/**
 * Reads a timestamp in any supported form at s[i] (optionally in square brackets). Returns epoch ms
 * or NaN; on success `cur.end` is the index after it (after the closing bracket if bracketed).
 */
export function parseTimestampAt(cur: TimeCursor, s: string, i: number, ref: number): number {
  if (i >= s.length) return NaN;
  cur.syslogStyle = false;
  const c = s.charCodeAt(i);
  if (c === C.LBRACK) {
    const t = parseTimestampAt(cur, s, i + 1, ref);
    if (Number.isNaN(t) || s.charCodeAt(cur.end) !== C.RBRACK) return NaN;
    cur.end++;
    return t;
  }
  let t: number;
  if (isDigit(c)) t = parseNumeric(cur, s, i, ref);
  else if (isLetter(c)) t = parseAlpha(cur, s, i, ref);
  else return NaN;
  if (Number.isNaN(t)) return NaN;
  // A timestamp ends at a boundary (not inside a word or number).
  const e = s.charCodeAt(cur.end);
  if (isLetter(e) || isDigit(e)) return NaN;
  return t;
}

/** A whole string as a timestamp (e.g. a JSON `time` value); NaN when it is not one. */
export function parseTimestampString(cur: TimeCursor, s: string, ref: number): number {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) === C.SPACE) i++;
  const t = parseTimestampAt(cur, s, i, ref);
  if (Number.isNaN(t)) return NaN;
  let e = cur.end;
  while (e < s.length && s.charCodeAt(e) === C.SPACE) e++;
  return e === s.length ? t : NaN;
}

/** Epoch number (seconds, ms, us or ns, chosen by magnitude) to ms. */
export function epochToMs(n: number): number {
  if (!Number.isFinite(n) || n <= 0) return NaN;
  if (n < 1e11) return Math.floor(n * 1000); // seconds (until year 5138)
  if (n < 1e14) return Math.floor(n); // milliseconds
  if (n < 1e17) return Math.floor(n / 1000); // microseconds
  return Math.floor(n / 1e6); // nanoseconds
}

/** Accepted window around the receive time: at most 1 day ahead, at most 10 years (3,653 days) back. */
export const FUTURE_LIMIT_MS = DAY_MS;
export const PAST_LIMIT_MS = 3653 * DAY_MS;

export function plausible(t: number, ref: number): boolean {
  return t <= ref + FUTURE_LIMIT_MS && t >= ref - PAST_LIMIT_MS;
}


/** `00` to `99`. */
const TWO_DIGITS: string[] = [];
for (let i = 0; i < 100; i++) TWO_DIGITS.push(i < 10 ? `0${i}` : String(i));

/**
 * `YYYY-MM-DDTHH:MM:SS.` of an epoch second: `new Date(sec * 1000).toISOString().slice(0, 20)`
 * without a Date (whose formatting is a C printf): the day's part memoized, the civil date from the
 * day number by H. Hinnant's `civil_from_days` (exact for the proleptic Gregorian calendar).
 * Years outside 0-9999 (a sign and six digits in ISO) are left to Date, cut as before.
 */
function secondPrefix(cur: TimeCursor, sec: number): string {
  const day = Math.floor(sec / 86400);
  let rem = sec - day * 86400;
  if (day !== cur.lastDay) {
    const z = day + 719468;
    const era = Math.floor(z / 146097);
    const doe = z - era * 146097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const m = mp < 10 ? mp + 3 : mp - 9;
    const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    if (y < 0 || y > 9999) return new Date(sec * 1000).toISOString().slice(0, 20);
    cur.lastDayPrefix = `${TWO_DIGITS[Math.floor(y / 100)]!}${TWO_DIGITS[y % 100]!}-${TWO_DIGITS[m]!}-${TWO_DIGITS[d]!}T`;
    cur.lastDay = day;
  }
  const h = Math.floor(rem / 3600);
  rem -= h * 3600;
  const mi = Math.floor(rem / 60);
  return `${cur.lastDayPrefix}${TWO_DIGITS[h]!}:${TWO_DIGITS[mi]!}:${TWO_DIGITS[rem - mi * 60]!}.`;
}

/** ISO 8601 with milliseconds, UTC; memoized (above). */
export function toIso(cur: TimeCursor, t: number): string {
  const sec = Math.floor(t / 1000);
  const k = (sec ^ (t - sec * 1000)) & 15;
  if (cur.isoT[k] === t) return cur.isoS[k]!;
  const s = isoOf(cur, t);
  cur.isoT[k] = t;
  cur.isoS[k] = s;
  return s;
}

function isoOf(cur: TimeCursor, t: number): string {
  const sec = Math.floor(t / 1000);
  const ms = t - sec * 1000;
  if (sec !== cur.lastSec) {
    cur.lastPrefix = secondPrefix(cur, sec);
    cur.lastSec = sec;
  }
  return cur.lastPrefix + (ms < 10 ? '00' + ms : ms < 100 ? '0' + ms : ms) + 'Z';
}
