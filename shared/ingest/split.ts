/**
 * Splits a decoded body into events. No I/O, no per-event allocation beyond the event's string.
 *
 * Formats (Content-Type first, sniffed when missing or generic, e.g. curl -d's
 * application/x-www-form-urlencoded or application/octet-stream):
 *   ndjson      one event per non-blank line; each line's text is the raw (lines are NOT parsed: a line
 *               that is not JSON is simply an event whose raw is text)
 *   json-array  one event per element: strings as their value, anything else as the exact text the
 *               tenant sent (numbers past 2^53, `1.10`, `1e400`, duplicate keys, spacing: all kept);
 *               elements are validated one by one, never parsed as a whole (see arraySpans)
 *   json        a single JSON value: the body text (trimmed) is the raw, unparsed/unchanged
 *   text        lines (LF or CRLF), joined by `joinMultiline` so a stack trace sent as lines is one event
 * A body that claims JSON but is not falls back to text lines: nothing is lost.
 *
 * UTF-8: the whole body is checked once with `buffer.isUtf8` (fast path). Only when that fails do we
 * work line by line on bytes, so the `invalidUtf8` flag is per event (U+FFFD replacement).
 * NUL and other control characters are data: kept in raw (JSON escapes them in the Kafka value).
 * A UTF-8 BOM at the start of the body is dropped.
 */
import { isUtf8 } from 'node:buffer';
import { joinMultiline, MultilineJoiner } from '../classify/multiline.ts';

export type BodyFormat = 'ndjson' | 'json-array' | 'json' | 'text';

/** Receives each event: raw (already truncated), size as received, truncated?, invalid UTF-8? */
export type EventSink = (raw: string, originalBytes: number, truncated: boolean, invalidUtf8: boolean) => void;

type Declared = 'ndjson' | 'json' | 'text' | 'sniff';

export function declaredFormat(contentType: string | undefined): Declared {
  if (!contentType) return 'sniff';
  const semi = contentType.indexOf(';');
  const mt = (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
  switch (mt) {
    case 'application/x-ndjson':
    case 'application/ndjson':
    case 'application/jsonl':
    case 'application/x-jsonl':
    case 'application/jsonlines':
    case 'application/x-jsonlines':
    case 'application/json-lines':
    case 'application/json-seq':
      return 'ndjson';
    case 'application/json':
    case 'text/json':
    case 'application/x-json':
      return 'json';
    case '':
    case '*/*':
    case 'application/octet-stream':
    case 'application/x-www-form-urlencoded':
    case 'multipart/form-data':
    case 'binary/octet-stream':
      return 'sniff';
  }
  if (mt.endsWith('+json')) return 'json';
  if (mt.startsWith('text/')) return 'text';
  return 'sniff';
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** True when the line has nothing but spaces/tabs/CR (or is empty). */
function blankStr(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

function blankBytes(b: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

function parseOrUndefined(s: string): unknown {
  try {
    return JSON.parse(s) as unknown;
  } catch {
    return undefined; // also RangeError on absurd nesting: treated as "not JSON"
  }
}

function isPlainObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Cut `s` to at most `maxBytes` UTF-8 bytes on a character boundary. */
export function truncateUtf8(s: string, maxBytes: number): string {
  if (s.length * 3 <= maxBytes) return s;
  const b = Buffer.from(s, 'utf8');
  if (b.length <= maxBytes) return s;
  let end = maxBytes;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--; // b[end] is the first byte left out
  return b.toString('utf8', 0, end);
}

/**
 * Cut `s` so that its JSON string literal (`JSON.stringify(s)`, as the envelope carries it) takes at
 * most `maxBytes` UTF-8 bytes; `s` itself when it already does. A control character takes 6 bytes
 * there (`\u0000`), so 1 MB of them would make a 6 MB envelope: more than a Lambda invocation can
 * carry from the MSK event source (6 MB), so such an event could never be indexed. On a character
 * boundary, never inside a surrogate pair.
 */
export function fitJsonLiteral(s: string, maxBytes: number): string {
  // At most 6 bytes per UTF-16 unit, plus the quotes: most events need no count.
  if (s.length * 6 + 2 <= maxBytes) return s;
  let bytes = 2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let n: number;
    let units = 1;
    if (c < 0x20) n = c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d ? 2 : 6;
    else if (c === 0x22 || c === 0x5c) n = 2;
    else if (c < 0x80) n = 1;
    else if (c < 0x800) n = 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n = 4;
      units = 2;
    } else if (c >= 0xd800 && c <= 0xdfff) n = 6; // a lone surrogate is escaped
    else n = 3;
    if (bytes + n > maxBytes) return s.slice(0, i);
    bytes += n;
    i += units - 1;
  }
  return s;
}

interface Line {
  text: string;
  bytes: number;
  invalid: boolean;
}

/**
 * The first two non-blank lines (for sniffing `{`-bodies). Works on the decoded string.
 */
function firstLines(str: string, start: number, n: number): string[] {
  const out: string[] = [];
  let pos = start;
  while (pos < str.length && out.length < n) {
    let nl = str.indexOf('\n', pos);
    if (nl < 0) nl = str.length;
    const line = str.slice(pos, nl);
    if (!blankStr(line)) out.push(line);
    pos = nl + 1;
  }
  return out;
}

export interface SplitOptions {
  maxEventBytes: number;
  contentType: string | undefined;
  /** The body already as text (known to equal `body` decoded, and well-formed): skips the UTF-8 check and decode. */
  text?: string;
  /**
   * Past this many elements a JSON array's elements are only scanned, not validated: the caller
   * refuses such a request (its sink throws at the cap), so validating them would be wasted work.
   */
  maxEvents?: number;
}

/** Splits `body` (decoded, non-empty) into events and feeds them to `sink`; returns the format used. */
export function splitBody(body: Buffer, opts: SplitOptions, sink: EventSink): BodyFormat {
  let start = 0;
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) start = 3;
  const buf = start === 0 ? body : body.subarray(start);
  let str: string;
  let valid: boolean;
  if (opts.text !== undefined) {
    str = start === 0 ? opts.text : opts.text.slice(1); // the BOM is one UTF-16 unit
    valid = true;
  } else {
    valid = isUtf8(buf);
    str = buf.toString('utf8');
  }
  const ascii = valid && str.length === buf.length;
  const max = opts.maxEventBytes;

  const declared = declaredFormat(opts.contentType);
  let format: BodyFormat;
  let spans: ArraySpans | undefined;
  if (declared === 'ndjson') format = 'ndjson';
  else if (declared === 'text') format = 'text';
  else {
    let i = 0;
    while (i < str.length && isWs(str.charCodeAt(i))) i++;
    const first = str.charCodeAt(i);
    format = 'text';
    if (first === 0x5b /* [ */) {
      spans = arraySpans(str, i, opts.maxEvents ?? Infinity);
      if (spans !== undefined) format = 'json-array';
    } else if (first === 0x7b /* { */) {
      const [l1, l2] = firstLines(str, i, 2);
      const o1 = l1 !== undefined && isPlainObject(parseOrUndefined(l1));
      if (o1 && l2 !== undefined && isPlainObject(parseOrUndefined(l2))) format = 'ndjson';
      else if (o1 && l2 === undefined) format = 'json';
      else if (parseOrUndefined(str) !== undefined) format = 'json';
      else if (o1) format = 'ndjson';
    } else if (declared === 'json' && i < str.length && parseOrUndefined(str) !== undefined) {
      format = 'json';
    }
  }

  switch (format) {
    case 'json':
      emitSingle(str.trim(), valid, max, sink);
      break;
    case 'json-array':
      emitArray(str, spans!, valid, ascii, max, sink);
      break;
    case 'ndjson':
      if (valid) ndjsonFromString(str, ascii, max, sink);
      else forEachByteLine(buf, max, (l) => emitOne(l.text, l.bytes, l.invalid, max, sink));
      break;
    case 'text':
      emitText(buf, str, valid, ascii, max, sink);
      break;
  }
  return format;
}

function emitOne(raw: string, bytes: number, invalid: boolean, max: number, sink: EventSink): void {
  if (bytes > max) sink(truncateUtf8(raw, max), bytes, true, invalid);
  else sink(raw, bytes, false, invalid);
}

function emitSingle(text: string, valid: boolean, max: number, sink: EventSink): void {
  if (text.length === 0) return;
  emitOne(text, Buffer.byteLength(text), !valid, max, sink);
}

/** NDJSON, valid UTF-8 body: scan the decoded string with indexOf; byte length is free for ASCII. */
function ndjsonFromString(str: string, ascii: boolean, max: number, sink: EventSink): void {
  const n = str.length;
  let pos = 0;
  while (pos < n) {
    let nl = str.indexOf('\n', pos);
    if (nl < 0) nl = n;
    let end = nl;
    if (end > pos && str.charCodeAt(end - 1) === 0x0d) end--;
    if (end > pos) {
      const c = str.charCodeAt(pos);
      if (!((c === 0x20 || c === 0x09) && blankStr(str.slice(pos, end)))) {
        const line = str.slice(pos, end);
        const bytes = ascii ? line.length : Buffer.byteLength(line);
        if (bytes > max) sink(truncateUtf8(line, max), bytes, true, false);
        else sink(line, bytes, false, false);
      }
    }
    pos = nl + 1;
  }
}

/**
 * Line iteration on bytes (used when the body is not valid UTF-8): each line is checked and decoded
 * on its own, so only the lines with bad bytes are flagged. Long lines are cut on the bytes before
 * decoding (the result is re-cut after U+FFFD repair, which can grow it).
 */
function forEachByteLine(buf: Buffer, max: number, fn: (l: Line) => void, keepBlank = false): void {
  const n = buf.length;
  let pos = 0;
  while (pos < n) {
    let nl = buf.indexOf(0x0a, pos);
    if (nl < 0) nl = n;
    let end = nl;
    if (end > pos && buf[end - 1] === 0x0d) end--;
    if (keepBlank || (end > pos && !blankBytes(buf, pos, end))) {
      const line = buf.subarray(pos, end);
      const bytes = end - pos;
      const invalid = !isUtf8(line);
      let text: string;
      if (bytes > max) {
        let cutAt = max;
        for (let k = 0; k < 3 && cutAt > 0 && (line[cutAt]! & 0xc0) === 0x80; k++) cutAt--;
        text = line.toString('utf8', 0, cutAt);
      } else {
        text = line.toString('utf8');
      }
      fn({ text, bytes, invalid });
    }
    pos = nl + 1;
  }
}

/**
 * Text: every line (blank ones too: joinMultiline keeps blank lines inside chained Python tracebacks
 * and hands the others back as their own entries, which are skipped here) goes through joinMultiline.
 */
function emitText(buf: Buffer, str: string, valid: boolean, ascii: boolean, max: number, sink: EventSink): void {
  if (valid) emitValidText(str, ascii, max, sink);
  else emitInvalidText(buf, max, sink);
}

/**
 * Valid UTF-8, streamed: each event reaches the sink as soon as the joiner closes it (a sink that
 * refuses at the per-request cap stops the split there), and no array of every line is held.
 */
function emitValidText(str: string, ascii: boolean, max: number, sink: EventSink): void {
  const joiner = new MultilineJoiner((ev) => {
    if (isBlankEvent(ev)) return;
    emitOne(ev, ascii ? ev.length : Buffer.byteLength(ev), false, max, sink);
  });
  const n = str.length;
  let pos = 0;
  while (pos < n) {
    let nl = str.indexOf('\n', pos);
    if (nl < 0) nl = n;
    let end = nl;
    if (end > pos && str.charCodeAt(end - 1) === 0x0d) end--;
    joiner.push(str.slice(pos, end));
    pos = nl + 1;
  }
  joiner.end();
}

/** Invalid UTF-8 somewhere: keep per-line flags and sizes, and map the joined events back to lines. */
function emitInvalidText(buf: Buffer, max: number, sink: EventSink): void {
  const lines: Line[] = [];
  forEachByteLine(buf, max, (l) => lines.push(l), true);
  const joined = joinMultiline(lines.map((l) => l.text));
  let p = 0;
  let mapped = true;
  for (const ev of joined) {
    if (isBlankEvent(ev)) {
      if (mapped && p < lines.length && lines[p]!.text === ev) p++;
      continue;
    }
    let invalid = false;
    let bytes = -1;
    if (mapped) {
      // An event is consecutive lines joined with "\n"; it never starts with a blank line (blank lines
      // the joiner dropped are skipped). If the mapping does not work out, fall back to a per-event
      // heuristic for the rest of the body.
      while (p < lines.length && blankStr(lines[p]!.text) && !ev.startsWith(lines[p]!.text + '\n')) p++;
      let len = -1;
      let b = -1;
      let inv = false;
      let q = p;
      while (q < lines.length && len < ev.length) {
        const l = lines[q]!;
        if (!ev.startsWith(l.text, len + 1)) break;
        len += 1 + l.text.length;
        b += 1 + l.bytes;
        inv ||= l.invalid;
        q++;
      }
      if (len === ev.length && q > p) {
        p = q;
        invalid = inv;
        bytes = b;
      } else {
        mapped = false;
      }
    }
    if (!mapped) {
      invalid = ev.includes('\uFFFD');
      bytes = Buffer.byteLength(ev);
    }
    emitOne(ev, bytes, invalid, max, sink);
  }
}

function isBlankEvent(ev: string): boolean {
  if (ev.length === 0) return true;
  const c = ev.charCodeAt(0);
  return (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) && ev.trim().length === 0;
}

/** The validated elements of a JSON array body: element k is `str.slice(at[2k], at[2k+1])`. */
export interface ArraySpans {
  count: number;
  at: Uint32Array;
}

/**
 * The top-level elements of the JSON array body that opens at `open`, as source ranges, or undefined
 * when the body is not a valid JSON array.
 *
 * The body is never JSON.parse'd as a whole (a million `{}` would be a million objects alive at once):
 * a scanner finds the element boundaries (iterative, any nesting depth), each element is validated on
 * its own (a string without escapes by the scanner, anything else by JSON.parse, whose result is
 * dropped), and only the ranges are kept, two integers per element. Past `maxEvents` elements only
 * the structure is checked.
 */
export function arraySpans(str: string, open: number, maxEvents = Infinity): ArraySpans | undefined {
  let at = new Uint32Array(2048);
  let count = 0;
  const ok = topLevelElements(str, open, (start, end) => {
    if (count < maxEvents && !validElement(str, start, end)) return false;
    if (2 * count + 2 > at.length) {
      const grown = new Uint32Array(at.length * 2);
      grown.set(at);
      at = grown;
    }
    at[2 * count] = start;
    at[2 * count + 1] = end;
    count++;
    return true;
  });
  return ok ? { count, at } : undefined;
}

/** A string literal whose text needs no decoding: no backslash, no control character, closed at `end`. */
function plainString(str: string, start: number, end: number): boolean {
  if (end - start < 2 || str.charCodeAt(end - 1) !== 0x22) return false;
  for (let i = start + 1; i < end - 1; i++) {
    const c = str.charCodeAt(i);
    if (c === 0x5c || c === 0x22 || c < 0x20) return false;
  }
  return true;
}

function validElement(str: string, start: number, end: number): boolean {
  if (str.charCodeAt(start) === 0x22 && plainString(str, start, end)) return true;
  try {
    JSON.parse(str.slice(start, end));
    return true;
  } catch {
    return false;
  }
}

/** One event per element: a string element as its value (blank ones skipped), any other as its exact text. */
function emitArray(str: string, spans: ArraySpans, valid: boolean, ascii: boolean, max: number, sink: EventSink): void {
  const { count, at } = spans;
  for (let k = 0; k < count; k++) {
    const start = at[2 * k]!;
    const end = at[2 * k + 1]!;
    let raw: string;
    let sliced = true;
    if (str.charCodeAt(start) === 0x22) {
      sliced = plainString(str, start, end);
      raw = sliced ? str.slice(start + 1, end - 1) : (JSON.parse(str.slice(start, end)) as string);
      if (raw.length === 0 || blankStr(raw)) continue;
    } else {
      raw = str.slice(start, end);
    }
    // A decoded escape (\u00e9) can make a string of an ASCII body non-ASCII: only slices may skip the count.
    emitOne(raw, ascii && sliced ? raw.length : Buffer.byteLength(raw), !valid && raw.includes('\uFFFD'), max, sink);
  }
}

/**
 * Walks the top-level elements of the JSON array that opens at `open`, calling `onElement(start, end)`
 * with each element's trimmed source range. Returns false when the structure is broken (unterminated,
 * trailing data, empty element) or `onElement` returned false. Element contents are validated by the
 * callback (JSON.parse). Iterative: any nesting depth.
 */
export function topLevelElements(str: string, open: number, onElement: (start: number, end: number) => boolean): boolean {
  const n = str.length;
  let i = open + 1;
  let depth = 0;
  let start = -1;
  let count = 0;
  let closed = false;
  for (; i < n; i++) {
    const c = str.charCodeAt(i);
    if (c === 0x22 /* " */) {
      if (start < 0) start = i;
      i++;
      while (i < n) {
        const d = str.charCodeAt(i);
        if (d === 0x5c) i += 2;
        else if (d === 0x22) break;
        else i++;
      }
      if (i >= n) return false;
      continue;
    }
    if (c === 0x5b || c === 0x7b) {
      if (start < 0) start = i;
      depth++;
    } else if (c === 0x5d || c === 0x7d) {
      if (depth === 0) {
        if (c !== 0x5d) return false;
        if (start >= 0) {
          if (!onElement(start, trimEnd(str, start, i))) return false;
        } else if (count > 0) return false; // "[1,]"
        closed = true;
        i++;
        break;
      }
      depth--;
    } else if (c === 0x2c /* , */ && depth === 0) {
      if (start < 0) return false; // "[,1]" or "[1,,2]"
      if (!onElement(start, trimEnd(str, start, i))) return false;
      count++;
      start = -1;
    } else if (start < 0 && !isWs(c)) {
      start = i;
    }
  }
  if (!closed) return false;
  for (; i < n; i++) if (!isWs(str.charCodeAt(i))) return false;
  return true;
}

function trimEnd(str: string, start: number, end: number): number {
  while (end > start && isWs(str.charCodeAt(end - 1))) end--;
  return end;
}
