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
import type { Cursor, HeaderState } from './cursor.ts';

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
  const colon = lastIn(s, COLON, end - 1, start);
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
    const open = lastIn(s, LBRACK, end - 1, q);
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
  const open = lastIn(s, LBRACK, e - 3, q);
  return open > q && isAllDigits(s, open + 1, e - 2) && isComponent(s, q, e, false);
}

/**
 * `name[pid] (note):` with the `name[pid]` token at [q, e): the index after the note's colon, or -1.
 * The note is short and has no spaces (`([31211])`, `(worker)`).
 */
function pidTagNote(s: string, q: number, e: number): number {
  if (e - q < 4 || s.charCodeAt(e - 1) !== RBRACK || s.charCodeAt(e) !== SPACE || s.charCodeAt(e + 1) !== 0x28) return -1;
  const open = lastIn(s, LBRACK, e - 2, q);
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

const MAX_RUN = 9;

/** 2 to 24 lower-case ASCII letters. */
function isLowerWord(s: string, q: number, e: number): boolean {
  if (e - q < 2 || e - q > 24) return false;
  for (let i = q; i < e; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x61 || c > 0x7a) return false;
  }
  return true;
}

/**
 * A run of header fields before a terminator: from q, up to MAX_RUN space-separated tokens, each a
 * timestamp (any form) or header-shaped, ending at an upper-case level word (`... RAS KERNEL INFO msg`)
 * or at a `name[pid]:` tag (`... host2 Mmm d hh:mm:ss host2/host2 prog[42]: msg`), or (once the run
 * holds a timestamp) at any `component:` tag. Returns the
 * terminator's index (`cur.run*` hold the first timestamp read in the run, `runT` NaN if none), or -1.
 */
function headerRun(cur: Cursor, s: string, q: number, ref: number, leading = false): number {
  cur.runT = NaN;
  cur.runAtLevel = false;
  cur.runEndsHeader = false;
  const n = s.length;
  let k = q;
  // Leading run: header-shaped fields and plain lower-case words (at most two; three in a record header, see isRecordHeader) read before its timestamp.
  let shaped = 0;
  let plain = 0;
  /** The run's last timestamp had the BSD-syslog shape. */
  let lastSyslog = false;
  for (let tok = 0; tok < MAX_RUN && k < n; tok++) {
    const c = s.charCodeAt(k);
    if (c === TAB || c === PIPE || c === LBRACK) return -1;
    const e = tokenEnd(s, k);
    if (e - k >= 3 && e - k <= 13 && isUpperWord(s, k, e) && levelAt(s, k, e) !== undefined) {
      cur.runAtLevel = true;
      return k;
    }
    if (isPidTag(s, k, e)) return k;
    // A program's `name:` tag (lower-case first, as programs are named) ends a run that already
    // holds a timestamp (`- epoch date host Mmm d hh:mm:ss src@host prog: msg`).
    const c0 = s.charCodeAt(k);
    if (!Number.isNaN(cur.runT) && c0 >= 0x61 && c0 <= 0x7a && s.charCodeAt(e - 1) === COLON && isComponent(s, k, e, false)) return k;
    const t = parseTimestampAt(cur, s, k, ref);
    if (!Number.isNaN(t) && cur.end > k) {
      // A leading run's fields before its timestamp: two header-shaped ones at least (ids, hosts), so
      // that prose (`3 files copied 1717236000 ...`) is not read as a header.
      if (leading && Number.isNaN(cur.runT) && plain > 0 && (plain > 2 || shaped < 2) && !isRecordHeader(s, q, k, cur.end)) return -1;
      lastSyslog = cur.syslogStyle;
      if (Number.isNaN(cur.runT)) {
        cur.runT = t;
        cur.runTStart = k;
        cur.runTEnd = cur.end;
        cur.runSyslogStyle = cur.syslogStyle;
      }
      if (cur.end >= n || s.charCodeAt(cur.end) === SPACE) {
        k = skipSp(s, cur.end);
        continue;
      }
      // A date glued to more (`2005-06-03-15.42.50`): judged as a whole token below.
    }
    // A leading run (the line starts with header fields, not a timestamp) that holds a timestamp ends
    // at the first field that is not header-shaped: `id host comp event epoch flag Message text`.
    if (!isHeaderShaped(s, k, e)) {
      if (!leading) return -1;
      if (!Number.isNaN(cur.runT)) {
        // Ends at a field that is no header: the message starts there, whatever it looks like;
        // except after a BSD-syslog time (`Mmm d hh:mm:ss host`), where a `tag:` is still header (RFC 3164).
        cur.runEndsHeader = !lastSyslog;
        return k;
      }
      // Before the timestamp: a plain lower-case word (a component or state name) after a header-shaped first field.
      if (tok === 0 || ++plain > 3 || !isLowerWord(s, k, e)) return -1;
    } else if (Number.isNaN(cur.runT)) shaped++;
    if (e >= n || s.charCodeAt(e) !== SPACE) return -1;
    k = skipSp(s, e);
  }
  return -1;
}

/**
 * A record-numbered header before an epoch: the line starts with a record number (digits), the
 * timestamp at [t, te) is a bare epoch (all digits), and a signed integer field follows it
 * (`<seq> <fields...> <epoch> <flag> msg`, the shape of exported event tables). Its fields between
 * may then be plain words (`412 full partition status 1700000000 -1 running`).
 */
function isRecordHeader(s: string, q: number, t: number, te: number): boolean {
  const qe = tokenEnd(s, q);
  if (!isAllDigits(s, q, qe) || !isAllDigits(s, t, te) || te - t < 9 || s.charCodeAt(te) !== SPACE) return false;
  let f = te + 1;
  if (s.charCodeAt(f) === MINUS) f++;
  const fe = tokenEnd(s, f);
  return fe > f && isAllDigits(s, f, fe) && fe - f <= 6 && s.charCodeAt(fe) === SPACE;
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

/** What a header-token step did: not its kind of token (try the next step), read it (go on), or ended the header. */
const NEXT = 0;
const GO_ON = 1;
const STOP = 2;

/**
 * Reads `line` (an event's first line) as a generic header. On success fills the draft (message:
 * the first line's message plus `rest`, the event's following lines) and returns true. The steps, as
 * in this file's header: klog's shape; the leading timestamp (or a header run holding one); the
 * header tokens, one step per kind; the message.
 */
export function parseGeneric(cur: Cursor, line: string, rest: string, ref: number, d: Draft): boolean {
  const p = skipSpaces(line, 0);
  if (p === 0 && line.length > 20 && line.charCodeAt(5) === SPACE && parseKlog(cur, line, rest, ref, d)) return true;
  const g = cur.header;
  g.reset();
  if (!leadingTime(cur, g, line, p, ref, d)) return false;
  const n = line.length;
  while (!g.headerDone && g.tokens++ < MAX_TOKENS) {
    const q = skipSp(line, g.p);
    if (q >= n) {
      commit(g, q);
      break;
    }
    if (headerToken(cur, g, line, q, ref, d) === STOP) break;
  }
  if (!g.hasTs && g.level === undefined) return false;
  d.format = 'generic';
  d.level = g.level;
  if (g.thread !== undefined) d.fields.thread = g.thread;
  if (g.pid !== undefined && d.fields.pid === undefined) d.fields.pid = g.pid;
  const first = trimEnd(line.slice(g.exact ? g.msgStart : skipSpaces(line, g.msgStart)));
  d.message = rest.length === 0 ? first : first + rest;
  return true;
}

/**
 * The leading timestamp at p, or (none there) a header run holding one before it (`label epoch ...`,
 * `file.log.1 2024-01-01 ...`). A timestamp must be followed by a separator or end the line: false
 * when it is not (the line is not generic).
 */
function leadingTime(cur: Cursor, g: HeaderState, line: string, p: number, ref: number, d: Draft): boolean {
  const t = parseTimestampAt(cur, line, p, ref);
  g.hasTs = !Number.isNaN(t);
  if (g.hasTs) {
    d.t = t;
    d.tRaw = line.slice(p, cur.end);
    g.syslogStyle = cur.syslogStyle;
    p = cur.end;
  } else {
    g.ranRun = true;
    const r = headerRun(cur, line, p, ref, true);
    if (r > p && !Number.isNaN(cur.runT)) {
      g.hasTs = true;
      g.runAtLevel = cur.runAtLevel;
      g.headerDone = cur.runEndsHeader;
      d.t = cur.runT;
      d.tRaw = line.slice(cur.runTStart, cur.runTEnd);
      g.syslogStyle = cur.runSyslogStyle;
      p = r;
    }
  }
  if (g.hasTs && !g.ranRun && p < line.length) {
    const c = line.charCodeAt(p);
    if (c !== SPACE && c !== TAB && c !== PIPE && c !== RBRACK && c !== COLON && c !== MINUS && c !== 0x2c) {
      d.t = NaN;
      d.tRaw = undefined;
      return false;
    }
    if (c === RBRACK || c === COLON || c === 0x2c) p++;
  }
  g.p = p;
  g.msgStart = p;
  return true;
}

/** The message starts at `to` if the header stops now; tentative thread/pid/tid become header. */
function commit(g: HeaderState, to: number): void {
  g.msgStart = to;
  if (g.pendingThread !== undefined && g.thread === undefined) g.thread = g.pendingThread;
  if (g.pendingPid !== undefined && g.pid === undefined) g.pid = g.pendingPid;
  if (g.pendingTid !== undefined && g.thread === undefined) g.thread = g.pendingTid;
  g.pendingThread = undefined;
  g.pendingPid = undefined;
  g.pendingTid = undefined;
}

/** One header token at q (not a space): each kind's step in turn. */
function headerToken(cur: Cursor, g: HeaderState, line: string, q: number, ref: number, d: Draft): number {
  const c = line.charCodeAt(q);
  let r = separatorToken(g, line, q, c);
  if (r !== NEXT) return r;
  if (g.sep !== 0) return separatedField(g, line, q, d);
  if (c === LBRACK) return bracketToken(g, line, q);
  if (c === LT) return angleToken(g, line, q);
  const e = tokenEnd(line, q);
  if (line.charCodeAt(e - 1) === COLON && e - q >= 3) return colonToken(g, line, q, e, d);
  if (g.level === undefined) {
    r = levelToken(g, line, q, e, d);
    if (r !== NEXT) return r;
  }
  if (isAllDigits(line, q, e)) return numberToken(g, line, q, e);
  r = hostToken(g, line, q, e, d);
  if (r !== NEXT) return r;
  r = componentToken(g, line, q, e, d);
  if (r !== NEXT) return r;
  return headerRunToken(cur, g, line, q, ref);
}

/** `|`, a tab (then the header is pipe/tab-separated), or ` - `. */
function separatorToken(g: HeaderState, line: string, q: number, c: number): number {
  if (c === PIPE || c === TAB) {
    g.sep = c;
    commit(g, q + 1);
    g.p = q + 1;
    return GO_ON;
  }
  if (c === MINUS && (q + 1 >= line.length || line.charCodeAt(q + 1) === SPACE)) {
    commit(g, q + 1);
    g.p = q + 1;
    g.strict = true;
    return GO_ON;
  }
  return NEXT;
}

/** Pipe/tab-separated header: a space-free field followed by the separator is a header field. */
function separatedField(g: HeaderState, line: string, q: number, d: Draft): number {
  const next = line.indexOf(g.sep === PIPE ? '|' : '\t', q);
  let fe = next;
  while (fe > q && line.charCodeAt(fe - 1) === SPACE) fe--;
  if (next < 0 || fe - q > 64 || fe <= q || line.slice(q, fe).includes(' ')) return separatedMessage(g, line, q);
  const lv = bracketLevel(line, q, fe);
  if (lv !== undefined && g.level === undefined) g.level = lv;
  else if (isAllDigits(line, q, fe) && g.pid === undefined) g.pid = Number(line.slice(q, fe));
  else if (!g.componentTaken) {
    g.componentTaken = true;
    d.fields.component = line.slice(q, fe);
  } else return separatedMessage(g, line, q); // one component per header: a second free-text field starts the message
  g.p = next; // the separator, handled next round
  commit(g, next);
  return GO_ON;
}

/**
 * The message of a separated header (possibly containing the separator itself). With unpadded
 * separators (`a|b|msg`) it is exactly what follows the last one, leading spaces included.
 */
function separatedMessage(g: HeaderState, line: string, q: number): number {
  g.msgStart = line.charCodeAt(g.p - 2) === SPACE ? q : g.p;
  g.exact = true;
  return STOP;
}

/** `[level]`, `[thread]` (tentative), or a logger's `[context]`. */
function bracketToken(g: HeaderState, line: string, q: number): number {
  const close = closeBracket(line, q);
  if (close < 0) return STOP;
  if (g.contextNext) {
    // `logger.name [request-context] message`: the bracket is header; the message follows.
    if (g.thread === undefined) g.thread = line.slice(q + 1, close);
    commit(g, close + 1);
    return STOP;
  }
  const lv = bracketLevel(line, q + 1, close);
  if (lv !== undefined && g.level === undefined) {
    g.level = lv;
    commit(g, close + 1);
    g.p = close + 1;
    g.strict = true;
    return GO_ON;
  }
  if (g.pendingThread !== undefined || g.thread !== undefined) return STOP;
  g.pendingThread = line.slice(q + 1, close);
  g.p = close + 1;
  return GO_ON;
}

/** `<level>`; any other `<` ends the header. */
function angleToken(g: HeaderState, line: string, q: number): number {
  const close = indexIn(line, GT, q, q + 16);
  if (close > q) {
    const lv = bracketLevel(line, q + 1, close);
    if (lv !== undefined && g.level === undefined) {
      g.level = lv;
      commit(g, close + 1);
      g.p = close + 1;
      return GO_ON;
    }
  }
  return STOP;
}

/** `level:` or `component:` (which ends the header); any other `word:` ends it too. */
function colonToken(g: HeaderState, line: string, q: number, e: number, d: Draft): number {
  const lv = levelAt(line, q, e - 1);
  if (lv !== undefined) {
    if (g.level !== undefined) return STOP;
    g.level = lv;
    commit(g, e);
    g.p = e;
    g.strict = false;
    return GO_ON;
  }
  // After a header run that ended at its level (`... RAS KERNEL INFO x: msg`) the header is complete.
  const complete = g.runAtLevel && g.level !== undefined;
  if (!complete && !g.componentTaken && isComponent(line, q, e, g.strict) && (g.hasTs || g.level !== undefined || g.pendingPid !== undefined)) {
    g.componentTaken = true;
    commit(g, e);
    applyComponent(line, q, e, d);
  }
  return STOP;
}

/**
 * While no level was read: a level word (upper-case, or any case before a strong gap), logcat's
 * single-letter level between `pid tid` and a tag, or `LEVEL:component:message` (Python's default).
 */
function levelToken(g: HeaderState, line: string, q: number, e: number, d: Draft): number {
  const lv = levelAt(line, q, e);
  if (lv !== undefined && (isUpperWord(line, q, e) || strongGap(line, e))) {
    g.level = lv;
    commit(g, e);
    g.p = e;
    g.strict = false;
    g.levelGap = wideGap(line, e);
    return GO_ON;
  }
  if (e - q === 1 && g.pendingTid !== undefined && g.pendingPid !== undefined) {
    const ll = letterLevel(line.charCodeAt(q));
    const q2 = skipSp(line, e);
    const e2 = tokenEnd(line, q2);
    if (ll !== undefined && q2 > e && isComponent(line, q2, e2, false)) {
      g.level = ll;
      commit(g, e);
      g.p = e;
      return GO_ON;
    }
  }
  const colon = indexIn(line, COLON, q, e);
  if (colon <= q) return NEXT;
  const lv2 = levelAt(line, q, colon);
  if (lv2 === undefined || !isUpperWord(line, q, colon)) return NEXT;
  g.level = lv2;
  commit(g, colon + 1);
  g.p = colon + 1;
  // Then "name:" glued too.
  const c2 = indexIn(line, COLON, colon + 1, e);
  if (c2 > colon + 1 && !g.componentTaken) {
    g.componentTaken = true;
    d.fields.component = line.slice(colon + 1, c2);
    commit(g, c2 + 1);
  }
  return STOP;
}

/** A bare number: the pid (tentative), then a thread id after it (logcat `pid tid`). */
function numberToken(g: HeaderState, line: string, q: number, e: number): number {
  if (g.pendingPid !== undefined && g.pendingTid === undefined && g.level === undefined && e - q <= 15) {
    g.pendingTid = line.slice(q, e);
    g.p = e;
    return GO_ON;
  }
  if (g.pendingPid !== undefined || g.pid !== undefined || e - q > 15) return STOP;
  g.pendingPid = digitsValue(line, q, e);
  g.p = e;
  return GO_ON;
}

/** First token after the timestamp: a host followed by a tag (`combo sshd[42]:`, `host prog[42] (note):`). */
function hostToken(g: HeaderState, line: string, q: number, e: number, d: Draft): number {
  if (!g.hasTs || g.hostTaken || g.level !== undefined || g.pendingPid !== undefined || g.pendingThread !== undefined || g.tokens !== 1) return NEXT;
  const q2 = skipSp(line, e);
  if (q2 <= e || q2 >= line.length) return NEXT;
  const e2 = tokenEnd(line, q2);
  if (isComponent(line, q2, e2, false) && (g.syslogStyle || line.charCodeAt(e2 - 2) === RBRACK) && e - q <= 64) {
    g.hostTaken = true;
    d.host = line.slice(q, e);
    commit(g, e);
    g.p = e;
    return GO_ON;
  }
  // `host prog[42] (note): message`: a pid tag with a parenthesised note before the colon.
  const noteEnd = pidTagNote(line, q2, e2);
  if (noteEnd <= 0 || e - q > 64) return NEXT;
  d.host = line.slice(q, e);
  const open = lastIn(line, LBRACK, e2 - 2, q2);
  d.service = line.slice(q2, open);
  d.fields.pid = Number(line.slice(open + 1, e2 - 1));
  g.componentTaken = true;
  commit(g, noteEnd);
  return STOP;
}

/** `component - message`; after a level: a column-aligned component, or a dotted logger name. */
function componentToken(g: HeaderState, line: string, q: number, e: number, d: Draft): number {
  if (g.componentTaken) return NEXT;
  const n = line.length;
  const dashAfter = e + 2 < n && line.charCodeAt(e) === SPACE && line.charCodeAt(e + 1) === MINUS && line.charCodeAt(e + 2) === SPACE;
  const dashComponent = dashAfter && e - q <= MAX_COMPONENT && (g.hasTs || g.level !== undefined) && !isCapitalisedWord(line, q, e) && !isUpperWord(line, q, e);
  // Column-aligned header (`Info      CBS    message`): right after a level padded by a wide gap,
  // a space-free field padded the same way is the component.
  const aligned = g.level !== undefined && g.levelGap && g.msgStart === g.p && e - q <= 64 && wideGap(line, e) && line.charCodeAt(e - 1) !== COLON;
  // `LEVEL logger.name [context] message` / `LEVEL [thread] logger.name message`.
  const dotted = g.level !== undefined && !aligned && isDottedLogger(line, q, e) && e < n && line.charCodeAt(e) === SPACE;
  if (!dashComponent && !aligned && !dotted) return pairThenDash(g, line, q, e, d);
  g.componentTaken = true;
  d.fields.component = line.slice(q, e);
  commit(g, e);
  g.p = e;
  if (dotted && !dashComponent) g.contextNext = true;
  return GO_ON;
}

/**
 * Right after the timestamp, two header-shaped fields then ` - ` (`program.exe *64 - message`,
 * `worker-3 pid:42 - message`): both are the component. Plain words are prose, not fields.
 */
function pairThenDash(g: HeaderState, line: string, q: number, e: number, d: Draft): number {
  if (!g.hasTs || g.tokens !== 1 || g.level !== undefined || line.charCodeAt(e) !== SPACE) return NEXT;
  const q2 = e + 1;
  const e2 = tokenEnd(line, q2);
  if (e2 - q2 > 16 || e2 + 2 >= line.length || line.charCodeAt(e2) !== SPACE || line.charCodeAt(e2 + 1) !== MINUS || line.charCodeAt(e2 + 2) !== SPACE) return NEXT;
  if (e - q > 64 || !isHeaderShaped(line, q, e) || !isHeaderShaped(line, q2, e2)) return NEXT;
  g.componentTaken = true;
  d.fields.component = line.slice(q, e2);
  commit(g, e2);
  g.p = e2;
  return GO_ON;
}

/**
 * More header fields after the timestamp (ids, hosts, a second date), up to a level word or a pid
 * tag: `ts 2005.06.03 R02-M1-N0 RAS KERNEL INFO msg`, `ts host Mmm d hh:mm:ss prog[42]: msg`. Tried once.
 */
function headerRunToken(cur: Cursor, g: HeaderState, line: string, q: number, ref: number): number {
  if (!g.hasTs || g.ranRun || g.level !== undefined || g.componentTaken || g.pendingThread !== undefined) return STOP;
  g.ranRun = true;
  const r = headerRun(cur, line, q, ref);
  if (r <= q) return STOP;
  g.runAtLevel = cur.runAtLevel;
  commit(g, r);
  g.p = r;
  return GO_ON;
}

/** The value of the decimal digits s[from, to) (at most 15: exact), as `Number(s.slice(from, to))` with no string made. */
function digitsValue(s: string, from: number, to: number): number {
  let v = 0;
  for (let i = from; i < to; i++) v = v * 10 + (s.charCodeAt(i) - 0x30);
  return v;
}

/**
 * Index of the last char code c in s(lo, from], or -1: what `lastIndexOf` answers when only an index
 * past `lo` counts, searching the token only (lastIndexOf, a runtime call, searches to the line's start).
 */
function lastIn(s: string, c: number, from: number, lo: number): number {
  for (let i = from; i > lo; i--) if (s.charCodeAt(i) === c) return i;
  return -1;
}

/** Index of char code c in s[from, to), or -1. */
function indexIn(s: string, c: number, from: number, to: number): number {
  const lim = Math.min(s.length, to);
  for (let i = from; i < lim; i++) if (s.charCodeAt(i) === c) return i;
  return -1;
}
