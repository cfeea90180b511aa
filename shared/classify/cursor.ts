/**
 * The classifier's scratch state, passed explicitly to every reader that needs one: the timestamp
 * readers' (`TimeCursor`), the format parsers' out-values (where a quoted field, a group or a header
 * field ended), and the classification's own results and memos. `classify` and `toDocument` reuse
 * one cursor per module (they are synchronous and allocate none per call); a caller that interleaves
 * classifications (a worker pool, a re-entrant parser) passes its own `new Cursor()`.
 */
import { TimeCursor } from './time.ts';
import type { Level } from './types.ts';

/** The generic header reader's state while it reads one line's header tokens (`generic.ts`). */
export class HeaderState {
  /** Next index to read. */
  p = 0;
  /** A timestamp was read (leading, or in a header run); it had the BSD-syslog shape. */
  hasTs = false;
  syslogStyle = false;
  /** The header-run rule was tried (it is tried once per line). */
  ranRun = false;
  level: Level | undefined = undefined;
  /** Where the message starts if the header stops now (after the last committed token). */
  msgStart = 0;
  /** Tentative `[thread]`, pid and thread id: header only when more header follows. */
  pendingThread: string | undefined = undefined;
  pendingPid: number | undefined = undefined;
  pendingTid: string | undefined = undefined;
  thread: string | undefined = undefined;
  pid: number | undefined = undefined;
  /** Field separator of a pipe/tab-separated header, once seen (0: none). */
  sep = 0;
  hostTaken = false;
  componentTaken = false;
  /** Header tokens read so far. */
  tokens = 0;
  /** The last committed token was a dash separator or a bracketed level. */
  strict = false;
  /** The message starts exactly at msgStart (no leading-space trim). */
  exact = false;
  /** The last committed token was the level, followed by a wide gap (column-aligned header). */
  levelGap = false;
  /** A dotted logger name was just taken: a `[...]` right after it is its context (request id). */
  contextNext = false;
  /** A header run was read and ended at a level word: after that level the header is complete. */
  runAtLevel = false;
  /** The leading header run ended at a field that is no header: the message starts there. */
  headerDone = false;

  reset(): void {
    this.p = 0;
    this.hasTs = false;
    this.syslogStyle = false;
    this.ranRun = false;
    this.level = undefined;
    this.msgStart = 0;
    this.pendingThread = undefined;
    this.pendingPid = undefined;
    this.pendingTid = undefined;
    this.thread = undefined;
    this.pid = undefined;
    this.sep = 0;
    this.hostTaken = false;
    this.componentTaken = false;
    this.tokens = 0;
    this.strict = false;
    this.exact = false;
    this.levelGap = false;
    this.contextNext = false;
    this.runAtLevel = false;
    this.headerDone = false;
  }
}

export class Cursor extends TimeCursor {
  /** access: index past the quoted field last read. */
  qEnd = 0;
  /** gc: index past the parenthesized group last read. */
  pEnd = 0;
  /** gc: index past the `uptime: ` last read. */
  uEnd = 0;
  /** syslog: index past the header field last read. */
  fieldEnd = 0;
  /** syslog: index past the STRUCTURED-DATA last read. */
  sdEnd = 0;
  /** generic: the first timestamp a header run met (`runT` NaN if none), where it was, its shape. */
  runT = NaN;
  runTStart = 0;
  runTEnd = 0;
  runSyslogStyle = false;
  /** generic: the last header run ended at a level word; at a field that is no header (leading run). */
  runAtLevel = false;
  runEndsHeader = false;
  /** generic: the header being read. */
  readonly header = new HeaderState();
  /** classify: the event time (ISO) of the last draft, and whether it is the receive time. */
  timestamp = '';
  fallback = false;
  /** toDocument: the last receive time parsed (a batch's envelopes mostly share one), text and epoch ms. */
  lastReceived = '1970-01-01T00:00:00.000Z';
  lastReceivedMs = 0;
}
