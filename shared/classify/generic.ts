/**
 * The generic header reader: the shape most application logs share, learned from no particular system.
 *
 *   [timestamp] { header token } message
 *
 * Header tokens, read left to right after an optional leading timestamp (any form `time.ts` reads):
 *   - a level word from the vocabulary (`levels.ts`): upper-case bare (`INFO`), or any case when
 *     bracketed (`[notice]`, `<warn>`), colon-suffixed (`error:`) or followed by more than one space
 *     or a tab/pipe (`info  started`);
 *   - a separator: ` - `, `|`, or a tab (pipe/tab-separated headers: every space-free field before the
 *     last separator is a header field);
 *   - `[...]` (thread or context, brackets may nest) and bare numbers (process id): *tentative*: they
 *     count as header only when more header follows (a level, a separator, a `component:`); otherwise
 *     the message starts at them (`[client 1.2.3.4] File does not exist` keeps its bracket);
 *   - `component:` (a space-free token ending in a colon, e.g. `dfs.DataNode$Responder:`,
 *     `sshd[42]:`, `root:`): ends the header; `name[pid]:` gives the service and pid. A single
 *     capitalised word (`Digest:`, `Note:`) is prose, not a component;
 *   - `component - ` (a token followed by a dash separator) is a component too;
 *   - `host tag:`: a space-free word followed by a `component:` token is a host when the timestamp
 *     had the BSD-syslog shape (`Mmm dd hh:mm:ss`) or the tag carries a pid (`prog[123]:`).
 * Without a leading timestamp the line is generic only when the header has a level.
 */
import type { Draft } from './draft.ts';
import { isAllDigits, skipSpaces, trimEnd } from './draft.ts';
import { isUpperWord, levelAt } from './levels.ts';
import type { Level } from './types.ts';
import { parseMonthDayCompact, parseTimestampAt } from './time.ts';
import type { Cursor } from './cursor.ts';

const SPACE = 0x20;
const TAB = 0x09;
const PIPE = 0x7c;
const LBRACK = 0x5b;
const RBRACK = 0x5d;
const COLON = 0x3a;
const MINUS = 0x2d;
const LT = 0x3c;
const GT = 0x3e;

const MAX_TOKENS = 12;
const MAX_BRACKET = 256;
const MAX_COMPONENT = 160;

/** Index of the `]` closing the `[` at i (nesting allowed), within MAX_BRACKET chars, or -1. */
function closeBracket(s: string, i: number): number {
  let depth = 0;
  const lim = Math.min(s.length, i + MAX_BRACKET);
  for (let j = i; j < lim; j++) {
    const c = s.charCodeAt(j);
    if (c === LBRACK) depth++;
    else if (c === RBRACK) {
      depth--;
      if (depth === 0) return j;
    }
  }
  return -1;
}

/** Index of the first non-space at or after i (tabs are separators here, not skipped). */
function skipSp(s: string, i: number): number {
  while (i < s.length && s.charCodeAt(i) === SPACE) i++;
  return i;
}

/** End of the space/tab/pipe-free token at i. */
function tokenEnd(s: string, i: number): number {
  let j = i;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === SPACE || c === TAB || c === PIPE) break;
    j++;
  }
  return j;
}

/** Level inside a bracket or after trimming: `[ INFO ]`, `[core:error]` (module:level). */
function bracketLevel(s: string, start: number, end: number): Level | undefined {
  while (start < end && s.charCodeAt(start) === SPACE) start++;
  while (end > start && s.charCodeAt(end - 1) === SPACE) end--;
  const lv = levelAt(s, start, end);
  if (lv !== undefined) return lv;
  const colon = s.lastIndexOf(':', end - 1);
  if (colon > start && colon < end - 2) return levelAt(s, colon + 1, end);
  return undefined;
}

/** A single capitalised word (`Digest`, `Note`): prose, not a component name. */
function isCapitalisedWord(s: string, start: number, end: number): boolean {
  const c0 = s.charCodeAt(start);
  if (c0 < 0x41 || c0 > 0x5a) return false;
  for (let i = start + 1; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x61 || c > 0x7a) return false;
  }
  return true;
}

/**
 * A component token `word:` at [q, e) (e is after the colon)? `strict` (right after a dash separator
 * or a bracketed level, where formats put the message, not a logger name): a single capitalised word
 * (`Digest:`, `Notification:`) is prose.
 */
function isComponent(s: string, q: number, e: number, strict: boolean): boolean {
  const n = e - q;
  if (n < 2 || n > MAX_COMPONENT || s.charCodeAt(e - 1) !== COLON) return false;
  if (s.charCodeAt(e - 2) === COLON) return false; // "::"
  if (strict && isCapitalisedWord(s, q, e - 1)) return false;
  for (let i = q; i < e - 1; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3d || c === 0x22) return false; // '=' or '"': a key=value or quoted text
  }
  return true;
}

/** `name[pid]:` -> sets service/pid on the draft; otherwise the token is a component. */
function applyComponent(s: string, q: number, e: number, d: Draft): void {
  const end = e - 1; // before ':'
  if (s.charCodeAt(end - 1) === RBRACK) {
    const open = s.lastIndexOf('[', end - 1);
    if (open > q && isAllDigits(s, open + 1, end - 1)) {
      d.service = s.slice(q, open);
      d.fields.pid = Number(s.slice(open + 1, end - 1));
      return;
    }
  }
  d.fields.component = s.slice(q, end);
}

/** What follows position e: more than one space, a tab, a pipe, a colon, or the end? (not a single space) */
function strongGap(s: string, e: number): boolean {
  if (e >= s.length) return true;
  const c = s.charCodeAt(e);
  if (c === SPACE) {
    const c2 = s.charCodeAt(e + 1);
    return c2 === SPACE || c2 === TAB || (c2 === MINUS && s.charCodeAt(e + 2) === SPACE);
  }
  return c === TAB || c === PIPE;
}

/** Single-letter severities, read only where a format places them (logcat `pid tid D tag:`, klog `I0101`). */
function letterLevel(c: number): Level | undefined {
  switch (c) {
    case 0x56: // V
      return 'trace';
    case 0x44: // D
      return 'debug';
    case 0x49: // I
      return 'info';
    case 0x57: // W
      return 'warn';
    case 0x45: // E
      return 'error';
    case 0x46: // F
    case 0x41: // A (assert)
      return 'critical';
    default:
      return undefined;
  }
}

/** A `name[pid]:` token at [q, e) (e after the colon): the syslog-style tag, a strong header end. */
function isPidTag(s: string, q: number, e: number): boolean {
  if (e - q < 5 || s.charCodeAt(e - 1) !== COLON || s.charCodeAt(e - 2) !== RBRACK) return false;
  const open = s.lastIndexOf('[', e - 3);
  return open > q && isAllDigits(s, open + 1, e - 2) && isComponent(s, q, e, false);
}

/**
 * `name[pid] (note):` with the `name[pid]` token at [q, e): the index after the note's colon, or -1.
 * The note is short and has no spaces (`([31211])`, `(worker)`).
 */
function pidTagNote(s: string, q: number, e: number): number {
  if (e - q < 4 || s.charCodeAt(e - 1) !== RBRACK || s.charCodeAt(e) !== SPACE || s.charCodeAt(e + 1) !== 0x28) return -1;
  const open = s.lastIndexOf('[', e - 2);
  if (open <= q || !isAllDigits(s, open + 1, e - 1)) return -1;
  const ne = tokenEnd(s, e + 1);
  if (ne - e > 40 || s.charCodeAt(ne - 1) !== COLON || s.charCodeAt(ne - 2) !== 0x29) return -1;
  return ne;
}

/**
 * A header-shaped token at [q, e): an identifier rather than a word of prose: it holds a digit or one
 * of `- _ . / @ # :` (host names, node ids, dates, file names), or is an upper-case word (`RAS`).
 * Never quoted text, key=value, a list or a `name:` (those end or belong to the message).
 */
function isHeaderShaped(s: string, q: number, e: number): boolean {
  const n = e - q;
  if (n < 1 || n > 64 || s.charCodeAt(e - 1) === COLON) return false;
  let marked = false;
  for (let i = q; i < e; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3d || c === 0x22 || c === 0x27 || c === 0x2c || c === 0x3b || c === 0x28 || c === 0x29 || c === LBRACK || c === RBRACK) return false;
    if ((c >= 0x30 && c <= 0x39) || c === MINUS || c === 0x5f || c === 0x2e || c === 0x2f || c === 0x40 || c === 0x23 || c === COLON) marked = true;
  }
  return marked || (n >= 2 && isUpperWord(s, q, e));
}

/** Result of `headerRun`: where the terminator starts, and the first timestamp met on the way. */
const RUN = { t: NaN, tStart: 0, tEnd: 0, syslogStyle: false };
const MAX_RUN = 9;

/**
 * A run of header fields before a terminator: from q, up to MAX_RUN space-separated tokens, each a
 * timestamp (any form) or header-shaped, ending at an upper-case level word (`... RAS KERNEL INFO msg`)
 * or at a `name[pid]:` tag (`... host2 Mmm d hh:mm:ss host2/host2 prog[42]: msg`). Returns the
 * terminator's index (RUN holds the first timestamp read in the run, NaN if none), or -1.
 */
function headerRun(cur: Cursor, s: string, q: number, ref: number): number {
  RUN.t = NaN;
  const n = s.length;
  let k = q;
  for (let tok = 0; tok < MAX_RUN && k < n; tok++) {
    const c = s.charCodeAt(k);
    if (c === TAB || c === PIPE || c === LBRACK) return -1;
    const e = tokenEnd(s, k);
    if (e - k >= 3 && e - k <= 13 && isUpperWord(s, k, e) && levelAt(s, k, e) !== undefined) return k;
    if (isPidTag(s, k, e)) return k;
    const t = parseTimestampAt(cur, s, k, ref);
    if (!Number.isNaN(t) && cur.end > k) {
      if (Number.isNaN(RUN.t)) {
        RUN.t = t;
        RUN.tStart = k;
        RUN.tEnd = cur.end;
        RUN.syslogStyle = cur.syslogStyle;
      }
      if (cur.end >= n || s.charCodeAt(cur.end) === SPACE) {
        k = skipSp(s, cur.end);
        continue;
      }
      // A date glued to more (`2005-06-03-15.42.50`): judged as a whole token below.
    }
    if (!isHeaderShaped(s, k, e)) return -1;
    if (e >= n || s.charCodeAt(e) !== SPACE) return -1;
    k = skipSp(s, e);
  }
  return -1;
}

/**
 * A logger name without a colon (`nova.compute.manager`, `org.apache.catalina.startup.Catalina`): two
 * dots at least, every segment an identifier (so not an address, a version or a file name).
 */
function isDottedLogger(s: string, q: number, e: number): boolean {
  if (e - q < 5 || e - q > MAX_COMPONENT) return false;
  let dots = 0;
  let segStart = true;
  for (let i = q; i < e; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (segStart) return false;
      dots++;
      segStart = true;
      continue;
    }
    const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c === 0x24;
    const digit = c >= 0x30 && c <= 0x39;
    if (segStart ? !letter : !(letter || digit || c === MINUS)) return false;
    segStart = false;
  }
  return dots >= 2 && !segStart;
}

/** klog/glog: `Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg`. Fills the draft and returns true. */
function parseKlog(cur: Cursor, line: string, rest: string, ref: number, d: Draft): boolean {
  const lv = letterLevel(line.charCodeAt(0));
  if (lv === undefined || lv === 'trace' || lv === 'debug') return false;
  const t = parseMonthDayCompact(cur, line, 1, ref);
  if (Number.isNaN(t)) return false;
  let p = skipSp(line, cur.end);
  const te = tokenEnd(line, p);
  if (te === p || !isAllDigits(line, p, te)) return false;
  const tid = line.slice(p, te);
  p = skipSp(line, te);
  const fe = tokenEnd(line, p);
  if (fe - p < 3 || line.charCodeAt(fe - 1) !== RBRACK) return false;
  const colon = line.lastIndexOf(':', fe - 2);
  if (colon <= p || !isAllDigits(line, colon + 1, fe - 1)) return false;
  d.t = t;
  d.tRaw = line.slice(1, cur.end);
  d.format = 'generic';
  d.level = lv;
  d.fields.thread = tid;
  d.fields.component = line.slice(p, fe - 1);
  const first = trimEnd(line.slice(skipSpaces(line, fe)));
  d.message = rest.length === 0 ? first : first + rest;
  return true;
}

/** Two spaces or more, or a tab, at e (column padding). */
function wideGap(s: string, e: number): boolean {
  const c = s.charCodeAt(e);
  if (c === TAB) return true;
  return c === SPACE && (s.charCodeAt(e + 1) === SPACE || s.charCodeAt(e + 1) === TAB);
}

/**
 * Reads `line` (an event's first line) as a generic header. On success fills the draft (message:
 * the first line's message plus `rest`, the event's following lines) and returns true.
 */
export function parseGeneric(cur: Cursor, line: string, rest: string, ref: number, d: Draft): boolean {
  const n = line.length;
  let p = skipSpaces(line, 0);
  if (p === 0 && n > 20 && line.charCodeAt(5) === SPACE && parseKlog(cur, line, rest, ref, d)) return true;
  const t = parseTimestampAt(cur, line, p, ref);
  let hasTs = !Number.isNaN(t);
  let syslogStyle = false;
  /** The header-run rule was tried (it is tried once per line). */
  let ranRun = false;
  if (hasTs) {
    d.t = t;
    d.tRaw = line.slice(p, cur.end);
    syslogStyle = cur.syslogStyle;
    p = cur.end;
  } else {
    // Leading fields before the timestamp (`label epoch ...`, `file.log.1 2024-01-01 ...`): a header
    // run holding a timestamp and ending at a level word or a pid tag.
    ranRun = true;
    const r = headerRun(cur, line, p, ref);
    if (r > p && !Number.isNaN(RUN.t)) {
      hasTs = true;
      d.t = RUN.t;
      d.tRaw = line.slice(RUN.tStart, RUN.tEnd);
      syslogStyle = RUN.syslogStyle;
      p = r;
    }
  }
  // A timestamp must be followed by a separator (or end the line).
  if (hasTs && !ranRun && p < n) {
    const c = line.charCodeAt(p);
    if (c !== SPACE && c !== TAB && c !== PIPE && c !== RBRACK && c !== COLON && c !== MINUS && c !== 0x2c) {
      d.t = NaN;
      d.tRaw = undefined;
      return false;
    }
    if (c === RBRACK || c === COLON || c === 0x2c) p++;
  }

  let level: Level | undefined;
  let msgStart = p; // where the message starts if we stop now (after the last committed token)
  let pendingThread: string | undefined;
  let pendingPid: number | undefined;
  let thread: string | undefined;
  let pid: number | undefined;
  let sep = 0; // field separator of a pipe/tab-separated header, once seen
  let done = false;
  let hostTaken = false;
  let componentTaken = false;
  let tokens = 0;
  /** The last committed token was a dash separator or a bracketed level. */
  let strict = false;
  /** The message starts exactly at msgStart (no leading-space trim). */
  let exact = false;
  /** The last committed token was the level, followed by a wide gap (column-aligned header). */
  let levelGap = false;
  /** A dotted logger name was just taken: a `[...]` right after it is its context (request id). */
  let contextNext = false;
  let pendingTid: string | undefined;

  const commit = (to: number): void => {
    msgStart = to;
    if (pendingThread !== undefined && thread === undefined) thread = pendingThread;
    if (pendingPid !== undefined && pid === undefined) pid = pendingPid;
    if (pendingTid !== undefined && thread === undefined) thread = pendingTid;
    pendingThread = undefined;
    pendingPid = undefined;
    pendingTid = undefined;
  };

  while (!done && tokens++ < MAX_TOKENS) {
    const q = skipSp(line, p);
    if (q >= n) {
      commit(q);
      break;
    }
    const c = line.charCodeAt(q);
    // Separators.
    if (c === PIPE || c === TAB) {
      sep = c;
      commit(q + 1);
      p = q + 1;
      continue;
    }
    if (c === MINUS && (q + 1 >= n || line.charCodeAt(q + 1) === SPACE)) {
      commit(q + 1);
      p = q + 1;
      strict = true;
      continue;
    }
    if (sep !== 0) {
      // Pipe/tab-separated header: a space-free field followed by the separator is a header field.
      const next = line.indexOf(sep === PIPE ? '|' : '\t', q);
      let fe = next;
      while (fe > q && line.charCodeAt(fe - 1) === SPACE) fe--;
      if (next < 0 || fe - q > 64 || fe <= q || line.slice(q, fe).includes(' ')) {
        // The message (possibly containing the separator itself). With unpadded separators
        // (`a|b|msg`) the message is exactly what follows the last one, leading spaces included.
        msgStart = line.charCodeAt(p - 2) === SPACE ? q : p;
        exact = true;
        break;
      }
      const lv = bracketLevel(line, q, fe);
      if (lv !== undefined && level === undefined) level = lv;
      else if (isAllDigits(line, q, fe) && pid === undefined) pid = Number(line.slice(q, fe));
      else if (!componentTaken) {
        componentTaken = true;
        d.fields.component = line.slice(q, fe);
      } else {
        // One component per header: a second free-text field is the message's start.
        msgStart = line.charCodeAt(p - 2) === SPACE ? q : p;
        exact = true;
        break;
      }
      p = next; // the separator, handled next round
      commit(next);
      continue;
    }
    if (c === LBRACK) {
      const close = closeBracket(line, q);
      if (close < 0) break;
      if (contextNext) {
        // `logger.name [request-context] message`: the bracket is header; the message follows.
        if (thread === undefined) thread = line.slice(q + 1, close);
        commit(close + 1);
        done = true;
        break;
      }
      const lv = bracketLevel(line, q + 1, close);
      if (lv !== undefined && level === undefined) {
        level = lv;
        commit(close + 1);
        p = close + 1;
        strict = true;
        continue;
      } else if (pendingThread === undefined && thread === undefined) {
        pendingThread = line.slice(q + 1, close);
      } else break;
      p = close + 1;
      continue;
    }
    if (c === LT) {
      const close = line.indexOf('>', q);
      if (close > q && close - q < 16) {
        const lv = bracketLevel(line, q + 1, close);
        if (lv !== undefined && level === undefined) {
          level = lv;
          commit(close + 1);
          p = close + 1;
          continue;
        }
      }
      break;
    }
    const e = tokenEnd(line, q);
    const last = line.charCodeAt(e - 1);
    if (last === COLON && e - q >= 3) {
      const lv = levelAt(line, q, e - 1);
      if (lv !== undefined) {
        if (level !== undefined) break;
        level = lv;
        commit(e);
        p = e;
        strict = false;
        continue;
      }
      if (!componentTaken && isComponent(line, q, e, strict) && (hasTs || level !== undefined || pendingPid !== undefined)) {
        componentTaken = true;
        commit(e);
        applyComponent(line, q, e, d);
        done = true;
        break;
      }
      break;
    }
    // "LEVEL:component:message" (Python's default format): level glued to a colon.
    if (level === undefined) {
      const lv = levelAt(line, q, e);
      if (lv !== undefined && (isUpperWord(line, q, e) || strongGap(line, e))) {
        level = lv;
        commit(e);
        p = e;
        strict = false;
        levelGap = wideGap(line, e);
        continue;
      }
      // logcat: `pid tid L tag: message`, a single-letter level between the ids and the tag.
      if (e - q === 1 && pendingTid !== undefined && pendingPid !== undefined) {
        const ll = letterLevel(line.charCodeAt(q));
        const q2 = skipSp(line, e);
        const e2 = tokenEnd(line, q2);
        if (ll !== undefined && q2 > e && isComponent(line, q2, e2, false)) {
          level = ll;
          commit(e);
          p = e;
          continue;
        }
      }
      const colon = line.indexOf(':', q);
      if (colon > q && colon < e) {
        const lv2 = levelAt(line, q, colon);
        if (lv2 !== undefined && isUpperWord(line, q, colon)) {
          level = lv2;
          commit(colon + 1);
          p = colon + 1;
          // Then "name:" glued too.
          const c2 = line.indexOf(':', colon + 1);
          if (c2 > colon + 1 && c2 < e && !componentTaken) {
            componentTaken = true;
            d.fields.component = line.slice(colon + 1, c2);
            commit(c2 + 1);
            done = true;
          }
          break;
        }
      }
    }
    if (isAllDigits(line, q, e)) {
      if (pendingPid !== undefined && pendingTid === undefined && level === undefined && e - q <= 15) {
        // A second id after the pid: a thread id (logcat `pid tid`), tentative like the pid.
        pendingTid = line.slice(q, e);
        p = e;
        continue;
      }
      if (pendingPid !== undefined || pid !== undefined) break;
      pendingPid = e - q <= 15 ? Number(line.slice(q, e)) : undefined;
      if (pendingPid === undefined) break;
      p = e;
      continue;
    }
    // host followed by a tag ("combo sshd[42]:", "host kernel:").
    if (hasTs && !hostTaken && level === undefined && pendingPid === undefined && pendingThread === undefined && tokens === 1) {
      const q2 = skipSp(line, e);
      if (q2 > e && q2 < n) {
        const e2 = tokenEnd(line, q2);
        if (isComponent(line, q2, e2, false) && (syslogStyle || line.charCodeAt(e2 - 2) === RBRACK) && e - q <= 64) {
          hostTaken = true;
          d.host = line.slice(q, e);
          commit(e);
          p = e;
          continue;
        }
        // `host prog[42] (note): message`: a pid tag with a parenthesised note before the colon.
        const noteEnd = pidTagNote(line, q2, e2);
        if (noteEnd > 0 && e - q <= 64) {
          d.host = line.slice(q, e);
          const open = line.lastIndexOf('[', e2 - 2);
          d.service = line.slice(q2, open);
          d.fields.pid = Number(line.slice(open + 1, e2 - 1));
          componentTaken = true;
          commit(noteEnd);
          done = true;
          break;
        }
      }
    }
    // "component - message"
    if (
      !componentTaken &&
      e + 2 < n &&
      line.charCodeAt(e) === SPACE &&
      line.charCodeAt(e + 1) === MINUS &&
      line.charCodeAt(e + 2) === SPACE &&
      e - q <= MAX_COMPONENT &&
      (hasTs || level !== undefined) &&
      !isCapitalisedWord(line, q, e) &&
      !isUpperWord(line, q, e)
    ) {
      componentTaken = true;
      d.fields.component = line.slice(q, e);
      commit(e);
      p = e;
      continue;
    }
    if (level !== undefined && !componentTaken) {
      // Column-aligned header (`Info      CBS    message`): right after a level padded by a wide gap,
      // a space-free field padded the same way is the component.
      if (levelGap && msgStart === p && e - q <= 64 && wideGap(line, e) && line.charCodeAt(e - 1) !== COLON) {
        componentTaken = true;
        d.fields.component = line.slice(q, e);
        commit(e);
        p = e;
        continue;
      }
      // `LEVEL logger.name [context] message` / `LEVEL [thread] logger.name message`.
      if (isDottedLogger(line, q, e) && e < n && line.charCodeAt(e) === SPACE) {
        componentTaken = true;
        d.fields.component = line.slice(q, e);
        commit(e);
        p = e;
        contextNext = true;
        continue;
      }
    }
    if (hasTs && !ranRun && level === undefined && !componentTaken && pendingThread === undefined) {
      // More header fields after the timestamp (ids, hosts, a second date), up to a level word or a
      // pid tag: `ts 2005.06.03 R02-M1-N0 RAS KERNEL INFO msg`, `ts host Mmm d hh:mm:ss prog[42]: msg`.
      ranRun = true;
      const r = headerRun(cur, line, q, ref);
      if (r > q) {
        commit(r);
        p = r;
        continue;
      }
    }
    break;
  }

  if (!hasTs && level === undefined) return false;
  d.format = 'generic';
  d.level = level;
  if (thread !== undefined) d.fields.thread = thread;
  if (pid !== undefined && d.fields.pid === undefined) d.fields.pid = pid;
  const first = trimEnd(line.slice(exact ? msgStart : skipSpaces(line, msgStart)));
  d.message = rest.length === 0 ? first : first + rest;
  return true;
}
