/**
 * An envelope's `raw` written straight in its Kafka-value form, in one pass. Pure.
 *
 * When the raw is itself JSON (a protocol's record document), the value holds it escaped twice:
 * each string of the document is a JSON literal inside the raw, and the raw is a JSON literal inside
 * the envelope. Building the document's text and then `JSON.stringify`-ing it escapes every byte
 * twice and makes two strings per event. `LiteralWriter` instead writes, from UTF-8 bytes (a
 * protobuf field) or JS strings, the bytes `JSON.stringify(raw)` would give between its quotes, and
 * counts the raw's own UTF-8 size as it goes. `envelopeValueOf` then puts an event's literal between
 * its request's parts (encode.ts): the value is byte for byte the one `envelopeValue` makes from the
 * raw text, so the envelope's wire format does not change (test/unit/envelope/literal.test.ts).
 *
 *   raw text   {"message":"say \"hi\"\n"}          (what the classifier reads)
 *   literal    {\"message\":\"say \\\"hi\\\"\\n\"}    (what the value holds between the raw's quotes)
 */
import { isUtf8 } from 'node:buffer';
import type { RequestParts } from './encode.ts';
import { WasmEscaper } from './escape-wasm.ts';

/** From this length a string's double escape runs in WebAssembly (escape-wasm.ts): copying it in and out costs ~1,500 instructions, a JS loop ~30 a byte. */
const WASM_MIN = 48;
/** The same for a string of a body already in the escaper's memory (no copy in). */
const WASM_MIN_LOADED = 12;
let escaper: WasmEscaper | undefined;

/** The process's escaper (made at first use). */
export function wasmEscaper(): WasmEscaper {
  return (escaper ??= new WasmEscaper());
}

const BS = 0x5c;
const QUOTE = 0x22;

/** ASCII that neither level escapes. */
const PLAIN = new Uint8Array(256);
for (let b = 0x20; b < 0x80; b++) PLAIN[b] = b === QUOTE || b === BS ? 0 : 1;

/** The length of the valid UTF-8 sequence at `src[i]` (a byte >= 0x80), or 0 (Unicode's well-formed table). */
function utf8Sequence(src: Uint8Array, i: number, e: number): number {
  const b = src[i]!;
  const c1 = i + 1 < e ? src[i + 1]! : 0;
  if (b >= 0xc2 && b <= 0xdf) return (c1 & 0xc0) === 0x80 ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    const lo = b === 0xe0 ? 0xa0 : 0x80;
    const hi = b === 0xed ? 0x9f : 0xbf;
    if (c1 < lo || c1 > hi || i + 2 >= e) return 0;
    return (src[i + 2]! & 0xc0) === 0x80 ? 3 : 0;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    const lo = b === 0xf0 ? 0x90 : 0x80;
    const hi = b === 0xf4 ? 0x8f : 0xbf;
    if (c1 < lo || c1 > hi || i + 3 >= e) return 0;
    return (src[i + 2]! & 0xc0) === 0x80 && (src[i + 3]! & 0xc0) === 0x80 ? 4 : 0;
  }
  return 0;
}

/** For a character that JSON escapes: its escape in the raw (`\n`, `\u0001`, `\"`) and that escape escaped again. */
const ONCE: string[] = [];
const TWICE: Uint8Array[] = [];
for (let c = 0; c < 0x80; c++) {
  if (PLAIN[c] === 1) continue;
  const once = JSON.stringify(String.fromCharCode(c)).slice(1, -1);
  ONCE[c] = once;
  TWICE[c] = Buffer.from(JSON.stringify(once).slice(1, -1), 'latin1');
}
const ONCE_LEN = new Uint8Array(0x80);
for (let c = 0; c < 0x80; c++) ONCE_LEN[c] = ONCE[c]?.length ?? 1;

/** Raw-level JSON syntax (ASCII) prepared once: its literal bytes and its size in the raw. */
export interface Piece {
  readonly lit: Buffer;
  readonly rawBytes: number;
}

/** Raw-level JSON text (syntax such as `,"level":`, or a resource's attributes as JSON) as a Piece. */
export function piece(text: string): Piece {
  return { lit: Buffer.from(JSON.stringify(text).slice(1, -1), 'utf8'), rawBytes: Buffer.byteLength(text) };
}

/** A finished literal: `lit` holds what `JSON.stringify(raw)` gives between its quotes; `rawBytes` is the raw's UTF-8 size. */
export interface Literal {
  lit: Buffer;
  rawBytes: number;
}

const CHUNK = 1 << 20;

/**
 * A JS string with none of these is written by JSON.stringify as itself between quotes, and so is
 * its escape: the literal is `\"` + its UTF-8 + `\"` (lone surrogates, escaped by JSON.stringify, excluded).
 */
const JS_CARE = /[\u0000-\u001f"\\\ud800-\udfff]/;
/** The same for a decoded UTF-8 string, U+FFFD standing for bytes that were not valid UTF-8 (or a real U+FFFD: the slow path then). */
const UTF8_CARE = /[\u0000-\u001f"\\\ufffd]/;
/** Below this a JS loop beats a native call plus a regular expression. */
const NATIVE_MIN = 32;
/**
 * Below this many bytes a JS copy loop beats a native copy (TypedArray#set, Buffer#copy/write: ~200-300
 * instructions a call): V8 runs a loop over a typed array at ~30 instructions a byte (measured by callgrind).
 */
const COPY_MIN = 8;
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/**
 * Writes literals one after the other into large chunks (a finished literal is a view of its chunk,
 * never copied again). `begin()`, the writes, then `end()`. Strings written with `utf8String`
 * must be valid UTF-8 (`buffer.isUtf8`); anything else goes through `jsString`.
 */
export class LiteralWriter {
  private buf: Buffer = Buffer.allocUnsafe(0);
  private pos = 0;
  private start = 0;
  /** Size of the raw written since `begin()`, in UTF-8 bytes. */
  rawBytes = 0;

  begin(): void {
    this.start = this.pos;
    this.rawBytes = 0;
  }

  end(): Literal {
    const lit = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    return { lit, rawBytes: this.rawBytes };
  }

  /**
   * `end()` without a view: the literal is `chunk[litStart, litEnd)` (its raw size `rawBytes`), read
   * right after this call. A view is an object per event that lives as long as the request (and so
   * is promoted and marked by the major GC).
   */
  endInPlace(): void {
    this.litStart = this.start;
    this.start = this.pos;
  }

  /** After `endInPlace()`: the chunk the literal is in, and where it starts and ends. */
  get chunk(): Buffer {
    return this.buf;
  }
  litStart = 0;
  get litEnd(): number {
    return this.pos;
  }

  /** Drops what was written since `begin()` (the caller writes the event another way). */
  abandon(): void {
    this.pos = this.start;
    this.rawBytes = 0;
  }

  /** Where the literal being written is now, counted from its start (a chunk move keeps it valid): for `since`. */
  mark(): number {
    return this.pos - this.start;
  }

  /**
   * What was written from `mark` on, copied out as a Piece (its raw size `rawBytes - rawFrom`): a
   * caller that writes the same input again later writes the Piece instead.
   */
  since(mark: number, rawFrom: number): Piece {
    return { lit: Buffer.from(this.buf.subarray(this.start + mark, this.pos)), rawBytes: this.rawBytes - rawFrom };
  }

  /** Room for `n` more bytes; a literal never spans two chunks (the started one moves whole). */
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const started = this.pos - this.start;
    const next = Buffer.allocUnsafe(Math.max(CHUNK, 2 * (started + n)));
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = started;
  }

  piece(p: Piece): void {
    const lit = p.lit;
    const n = lit.length;
    this.room(n);
    if (n < COPY_MIN) {
      const out = this.buf;
      let o = this.pos;
      for (let k = 0; k < n; k++) out[o++] = lit[k]!;
    } else this.buf.set(lit, this.pos);
    this.pos += n;
    this.rawBytes += p.rawBytes;
  }

  /** ASCII that neither level escapes (digits, an ISO time, base64). */
  ascii(s: string): void {
    const n = s.length;
    this.room(n);
    if (n < COPY_MIN) {
      const out = this.buf;
      let o = this.pos;
      for (let k = 0; k < n; k++) out[o++] = s.charCodeAt(k);
    } else this.buf.write(s, this.pos, 'latin1');
    this.pos += n;
    this.rawBytes += n;
  }

  /** A non-negative integer's decimal digits, at least `width` of them (zero-padded): no string made. */
  digits(n: number, width = 1): void {
    this.room(22);
    const out = this.buf;
    if (n < 0x80000000) {
      // Below 2^31: int32 division (a multiply) instead of Math.floor of a float's.
      let len = 1;
      for (let x = n; x >= 10; x = (x / 10) | 0) len++;
      if (len < width) len = width;
      for (let o = this.pos + len - 1, x = n, k = 0; k < len; k++, x = (x / 10) | 0) out[o--] = 0x30 + (x % 10);
      this.pos += len;
      this.rawBytes += len;
      return;
    }
    let len = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) len++;
    if (len < width) len = width;
    let o = this.pos + len - 1;
    let x = n;
    for (let k = 0; k < len; k++) {
      out[o--] = 0x30 + (x % 10);
      x = Math.floor(x / 10);
    }
    this.pos += len;
    this.rawBytes += len;
  }

  /** `src[s, e)` as lower-case hex (trace and span ids). */
  hex(src: Uint8Array, s: number, e: number): void {
    this.room(2 * (e - s));
    const out = this.buf;
    let o = this.pos;
    for (let i = s; i < e; i++) {
      const b = src[i]!;
      out[o++] = HEX[b >> 4]!;
      out[o++] = HEX[b & 15]!;
    }
    this.pos = o;
    this.rawBytes += 2 * (e - s);
  }

  /**
   * A raw-level JSON string (quotes included) from the UTF-8 bytes `src[s, e)`; bytes that are not
   * valid UTF-8 are written as `src.toString()` decodes them (U+FFFD), and the answer is then false.
   */
  utf8String(src: Buffer, s: number, e: number): boolean {
    if ((e - s >= WASM_MIN || (e - s >= WASM_MIN_LOADED && src === escaper?.loaded)) && this.wasmUtf8(src, s, e)) return true;
    this.room(7 * (e - s) + 4);
    const out = this.buf;
    let o = this.pos;
    if (e - s >= NATIVE_MIN && !UTF8_CARE.test(src.toString('utf8', s, e))) {
      // Valid UTF-8 with nothing to escape: copied as is (native decode and memcpy, no JS loop per byte).
      out[o++] = BS;
      out[o++] = QUOTE;
      o += src.copy(out, o, s, e);
      out[o++] = BS;
      out[o++] = QUOTE;
      this.rawBytes += e - s + 2;
      this.pos = o;
      return true;
    }
    let extra = 2;
    out[o++] = BS;
    out[o++] = QUOTE;
    for (let i = s; i < e; i++) {
      const b = src[i]!;
      if (PLAIN[b] === 1) {
        out[o++] = b;
        continue;
      }
      if (b === QUOTE || b === BS) {
        // `"` is `\"` in the raw and `\\\"` in the literal (`\` likewise): the common escape, without the table.
        out[o++] = BS;
        out[o++] = BS;
        out[o++] = BS;
        out[o++] = b;
        extra++;
        continue;
      }
      if (b < 0x80) {
        const t = TWICE[b]!;
        for (let k = 0; k < t.length; k++) out[o++] = t[k]!;
        extra += ONCE_LEN[b]! - 1;
        continue;
      }
      const n = utf8Sequence(src, i, e);
      if (n === 0) {
        this.jsString(src.toString('utf8', s, e));
        return false;
      }
      for (let k = 0; k < n; k++) out[o++] = src[i + k]!;
      i += n - 1;
    }
    out[o++] = BS;
    out[o++] = QUOTE;
    this.rawBytes += e - s + extra;
    this.pos = o;
    return true;
  }

  /** `utf8String` by the WebAssembly escaper; false (nothing written) when the bytes are not valid UTF-8. */
  private wasmUtf8(src: Buffer, s: number, e: number): boolean {
    const x = wasmEscaper();
    const n = e - s;
    x.prepare(src, s, e, 7);
    let end = x.double(n, false);
    if (end < 0) {
      if (!isUtf8(x.mem.subarray(x.inAt, x.inAt + n))) return false;
      end = x.double(n, true);
    }
    this.wasmCopy(x, end);
    this.rawBytes += n + 2 + x.extra;
    return true;
  }

  /** `\"` + the escaper's output up to `end` + `\"`. */
  private wasmCopy(x: WasmEscaper, end: number): void {
    this.room(end - x.outAt + 4);
    const out = this.buf;
    let o = this.pos;
    out[o++] = BS;
    out[o++] = QUOTE;
    o += x.mem.copy(out, o, x.outAt, end);
    out[o++] = BS;
    out[o++] = QUOTE;
    this.pos = o;
  }

  /**
   * A raw-level JSON string (quotes included) from UTF-8 bytes known to need no escape at either
   * level: valid UTF-8 without `"`, `\\` or control characters (a JSON string without escapes in a valid body).
   */
  plainUtf8(src: Buffer, s: number, e: number): void {
    this.room(e - s + 4);
    const out = this.buf;
    let o = this.pos;
    out[o++] = BS;
    out[o++] = QUOTE;
    if (e - s < COPY_MIN) for (let i = s; i < e; i++) out[o++] = src[i]!;
    else o += src.copy(out, o, s, e);
    out[o++] = BS;
    out[o++] = QUOTE;
    this.rawBytes += e - s + 2;
    this.pos = o;
  }

  /**
   * A raw-level JSON string (quotes included) from the content of a JSON string literal whose escapes
   * are exactly those JSON.stringify writes (`\\"`, `\\\\`, `\\n`, `\\u001f`...): that literal is the
   * raw's text, so it is only escaped once more (a backslash doubled, the quote after one escaped).
   */
  jsonStringBytes(src: Buffer, s: number, e: number): void {
    if (e - s >= WASM_MIN) {
      const x = wasmEscaper();
      x.prepare(src, s, e, 2);
      this.wasmCopy(x, x.once(e - s));
      this.rawBytes += e - s + 2;
      return;
    }
    this.room(2 * (e - s) + 4);
    const out = this.buf;
    let o = this.pos;
    out[o++] = BS;
    out[o++] = QUOTE;
    for (let i = s; i < e; i++) {
      const c = src[i]!;
      if (c !== BS) {
        out[o++] = c;
        continue;
      }
      out[o++] = BS;
      out[o++] = BS;
      const x = src[++i]!;
      if (x === QUOTE || x === BS) out[o++] = BS;
      out[o++] = x;
    }
    out[o++] = BS;
    out[o++] = QUOTE;
    this.rawBytes += e - s + 2;
    this.pos = o;
  }

  /** Bytes that neither level escapes (digits), copied. */
  plainAscii(src: Buffer, s: number, e: number): void {
    this.room(e - s);
    const out = this.buf;
    let o = this.pos;
    if (e - s >= COPY_MIN) o += src.copy(out, o, s, e);
    else for (let i = s; i < e; i++) out[o++] = src[i]!;
    this.rawBytes += e - s;
    this.pos = o;
  }

  /** Hex digits, copied in lower case. */
  lowerAscii(src: Buffer, s: number, e: number): void {
    this.room(e - s);
    const out = this.buf;
    let o = this.pos;
    for (let i = s; i < e; i++) {
      const c = src[i]!;
      out[o++] = c >= 0x41 && c <= 0x46 ? c + 0x20 : c;
    }
    this.rawBytes += e - s;
    this.pos = o;
  }

  /** A raw-level JSON string (quotes included) from a JS string, as `JSON.stringify` escapes it (lone surrogates as \udxxx). */
  jsString(str: string): void {
    this.room(7 * str.length + 4);
    const out = this.buf;
    let o = this.pos;
    let raw = 2;
    out[o++] = BS;
    out[o++] = QUOTE;
    const n = str.length;
    if (n >= NATIVE_MIN && !JS_CARE.test(str)) {
      const k = out.write(str, o, 'utf8');
      o += k;
      out[o++] = BS;
      out[o++] = QUOTE;
      this.rawBytes += k + 2;
      this.pos = o;
      return;
    }
    for (let i = 0; i < n; i++) {
      const c = str.charCodeAt(i);
      if (c < 0x80) {
        if (PLAIN[c] === 1) {
          out[o++] = c;
          raw++;
        } else {
          const t = TWICE[c]!;
          for (let k = 0; k < t.length; k++) out[o++] = t[k]!;
          raw += ONCE_LEN[c]!;
        }
      } else if (c < 0x800) {
        out[o++] = 0xc0 | (c >> 6);
        out[o++] = 0x80 | (c & 0x3f);
        raw += 2;
      } else if (c < 0xd800 || c > 0xdfff) {
        out[o++] = 0xe0 | (c >> 12);
        out[o++] = 0x80 | ((c >> 6) & 0x3f);
        out[o++] = 0x80 | (c & 0x3f);
        raw += 3;
      } else if (c <= 0xdbff && i + 1 < n && (str.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (str.charCodeAt(++i) - 0xdc00);
        out[o++] = 0xf0 | (cp >> 18);
        out[o++] = 0x80 | ((cp >> 12) & 0x3f);
        out[o++] = 0x80 | ((cp >> 6) & 0x3f);
        out[o++] = 0x80 | (cp & 0x3f);
        raw += 4;
      } else {
        // A lone surrogate: JSON.stringify writes \udxxx, escaped again as \\udxxx.
        out[o++] = BS;
        o += out.write(`\\u${c.toString(16)}`, o, 'latin1');
        raw += 6;
      }
    }
    out[o++] = BS;
    out[o++] = QUOTE;
    this.rawBytes += raw;
    this.pos = o;
  }

  /** Raw-level JSON text made elsewhere (a structured body's JSON): escaped once more. */
  jsonText(text: string): void {
    this.piece(piece(text));
  }
}

/** The parts of a request's values around each event's literal (made once per request, or per metadata change). */
export interface LiteralParts {
  /** `{"v":1,"tenant":"…","id":"` */
  head: Buffer;
  /** `…","tags":[…],"raw":"` */
  mid: Buffer;
  /** `","requestId":"…"}` and with the invalidUtf8 flag */
  end: Buffer;
  /** head + room for a UUID + mid: one copy, the id written into the room. */
  prefix: Buffer;
}

/** Ingest's ids are UUIDs (ids.ts): their length, the room `prefix` keeps. */
const UUID_LENGTH = 36;

export function literalParts(p: RequestParts, meta: string): LiteralParts {
  const head = Buffer.from(p.head, 'utf8');
  const mid = Buffer.from(meta + '"', 'utf8');
  return { head, mid, end: Buffer.from(p.end, 'utf8'), prefix: Buffer.concat([head, Buffer.alloc(UUID_LENGTH), mid]) };
}

const TAIL_OK = Buffer.from('","truncated":false,"originalBytes":', 'latin1');
const TAIL_CUT = Buffer.from('","truncated":true,"originalBytes":', 'latin1');

/**
 * The Kafka value of one event whose raw is given as its literal: the same bytes as
 * `Buffer.from(envelopeValue(parts, id, meta, raw, truncated, originalBytes))`. `id` is ASCII (a UUID).
 * Native copies (a few hundred instructions each) rather than JS loops (~30 a byte).
 */
export function envelopeValueOf(p: LiteralParts, id: string, lit: Buffer, truncated: boolean, originalBytes: number, litStart = 0, litEnd = lit.length): Buffer {
  const tail = truncated ? TAIL_CUT : TAIL_OK;
  const litLength = litEnd - litStart;
  let digits = 1;
  for (let x = originalBytes; x >= 10; x = Math.floor(x / 10)) digits++;
  const v = Buffer.allocUnsafe(p.head.length + id.length + p.mid.length + litLength + tail.length + digits + p.end.length);
  let o: number;
  if (id.length === UUID_LENGTH) {
    v.set(p.prefix, 0);
    v.write(id, p.head.length, 'latin1');
    o = p.prefix.length;
  } else {
    v.set(p.head, 0);
    o = p.head.length + v.write(id, p.head.length, 'latin1');
    v.set(p.mid, o);
    o += p.mid.length;
  }
  if (litStart === 0 && litEnd === lit.length) v.set(lit, o);
  else lit.copy(v, o, litStart, litEnd);
  o += litLength;
  v.set(tail, o);
  o += tail.length + digits;
  for (let x = originalBytes, k = 1; k <= digits; k++, x = Math.floor(x / 10)) v[o - k] = 0x30 + (x % 10);
  v.set(p.end, o);
  return v;
}
