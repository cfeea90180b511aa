/**
 * Joins the physical lines of a text body into logical events: a stack trace sent as lines in one
 * request is one event.
 *
 * A line *continues* the current event when it cannot start one:
 *   - it starts with whitespace (Java `\tat ...`, `\t... 12 more`, `\tSuppressed: ...`, indented
 *     Python frames, any indented continuation);
 *   - it starts with `Caused by:` or `Suppressed:`, or is `... N more`;
 *   - it is a Java exception header (`pkg.Name[Exception|Error]: msg`, a dotted class name followed by
 *     `:` or the end) immediately followed by a stack frame (`<ws>at `) — the usual shape of an
 *     exception logged after its log line;
 *   - it is `Traceback (most recent call last):`; then every following indented line belongs to the
 *     traceback, and so does the first non-indented line after them (the `XxxError: msg` line);
 *     chained tracebacks (`During handling of the above exception...`, `The above exception was the
 *     direct cause...`) continue it too, blank lines between them included;
 * Blank lines between events are kept as their own (empty) entries; callers skip them. An event is
 * cut after MAX_EVENT_LINES lines or MAX_EVENT_CHARS characters, so one runaway indented block
 * cannot become an unbounded event.
 */

export const MAX_EVENT_LINES = 1000;
export const MAX_EVENT_CHARS = 1024 * 1024;

const CHAINED = /^(During handling of the above exception, another exception occurred:|The above exception was the direct cause of the following exception:)\s*$/;
const JAVA_EXC_HEADER = /^(?:[a-zA-Z_$][\w$]*\.)+[a-zA-Z_$][\w$]*(?::\s|:?$)/;
const FRAME = /^\s+at\s/;
const MORE = /^\s*\.\.\. \d+ (more|common frames omitted)/;

function startsWithSpace(line: string): boolean {
  const c = line.charCodeAt(0);
  return c === 0x20 || c === 0x09;
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

/** Streaming joiner: `push` lines, collect completed events from the callback, `end` to flush. */
export class MultilineJoiner {
  private current: string[] = [];
  private chars = 0;
  private blanks: string[] = [];
  private inTraceback = false;
  private afterTraceback = false;
  /** A line held back one step (is it a Java exception header? depends on the next line). */
  private held: string | undefined;

  constructor(private readonly emit: (event: string) => void) {}

  push(line: string): void {
    if (this.held !== undefined) {
      const h = this.held;
      this.held = undefined;
      if (FRAME.test(line)) this.append(h);
      else this.take(h);
    }
    if (this.current.length > 0 && !this.inTraceback && JAVA_EXC_HEADER.test(line) && !startsWithSpace(line)) {
      this.held = line;
      return;
    }
    this.take(line);
  }

  end(): void {
    if (this.held !== undefined) {
      const h = this.held;
      this.held = undefined;
      this.take(h);
    }
    this.flush();
    for (const b of this.blanks) this.emit(b);
    this.blanks = [];
  }

  private take(line: string): void {
    if (isBlank(line)) {
      if (this.current.length === 0) this.emit(line);
      else this.blanks.push(line);
      return;
    }
    if (this.current.length > 0 && this.continues(line)) {
      this.append(line);
      return;
    }
    this.flush();
    for (const b of this.blanks) this.emit(b);
    this.blanks = [];
    this.start(line);
  }

  private continues(line: string): boolean {
    if (this.inTraceback) {
      if (!startsWithSpace(line)) {
        // The exception line ends the traceback.
        this.inTraceback = false;
        this.afterTraceback = true;
      }
      return true;
    }
    if (line.startsWith('Traceback (most recent call last):')) {
      this.inTraceback = true;
      return true;
    }
    if (this.afterTraceback && CHAINED.test(line)) return true;
    this.afterTraceback = false;
    if (startsWithSpace(line)) return true;
    if (line.startsWith('Caused by:') || line.startsWith('Suppressed:')) return true;
    return MORE.test(line);
  }

  private start(line: string): void {
    this.current = [line];
    this.chars = line.length;
    this.inTraceback = line.startsWith('Traceback (most recent call last):');
    this.afterTraceback = false;
  }

  private append(line: string): void {
    if (this.current.length >= MAX_EVENT_LINES || this.chars + line.length > MAX_EVENT_CHARS) {
      this.flush();
      this.blanks = [];
      this.start(line);
      return;
    }
    // Blank lines inside an event (chained tracebacks) are kept.
    for (const b of this.blanks) this.current.push(b);
    this.blanks = [];
    this.current.push(line);
    this.chars += line.length + 1;
  }

  private flush(): void {
    if (this.current.length > 0) this.emit(this.current.join('\n'));
    this.current = [];
    this.chars = 0;
    this.inTraceback = false;
  }
}

/**
 * Joins lines (no line terminators) into events, in order. Continuation lines are appended to their
 * event with `\n`. Blank lines outside events are returned as they are (callers usually skip them).
 */
export function joinMultiline(lines: readonly string[]): string[] {
  const out: string[] = [];
  const j = new MultilineJoiner((e) => out.push(e));
  for (const l of lines) j.push(l);
  j.end();
  return out;
}
