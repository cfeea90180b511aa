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
import { parseTimestampAt, TS } from './time.ts';

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

/**
 * Reads `line` (an event's first line) as a generic header. On success fills the draft (message:
 * the first line's message plus `rest`, the event's following lines) and returns true.
 */
export function parseGeneric(line: string, rest: string, ref: number, d: Draft): boolean {
  const n = line.length;
  let p = skipSpaces(line, 0);
  const t = parseTimestampAt(line, p, ref);
  const hasTs = !Number.isNaN(t);
  let syslogStyle = false;
  if (hasTs) {
    d.t = t;
    d.tRaw = line.slice(p, TS.end);
    syslogStyle = TS.syslogStyle;
    p = TS.end;
  }
  // A timestamp must be followed by a separator (or end the line).
  if (hasTs && p < n) {
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

  const commit = (to: number): void => {
    msgStart = to;
    if (pendingThread !== undefined && thread === undefined) thread = pendingThread;
    if (pendingPid !== undefined && pid === undefined) pid = pendingPid;
    pendingThread = undefined;
    pendingPid = undefined;
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
        continue;
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
