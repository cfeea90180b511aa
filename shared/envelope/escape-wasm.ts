/**
 * The double JSON escape of a UTF-8 string (what literal.ts writes for a string of a raw that is
 * itself JSON), as a tiny WebAssembly function with a 16-byte SIMD fast path. Pure.
 *
 * Why WebAssembly: V8 (Node 22) runs a JS loop over a Uint8Array at ~25-40 instructions a byte (no
 * hoisting of the typed arrays' checks out of the loop), which made the byte loop the largest cost
 * of an OTLP record (bench/protocols-instr.ts); this function runs at ~1 instruction a byte for
 * text without escapes and ~20 per escape. The module (785 bytes, compiled in microseconds at first
 * use) is assembled from its opcodes by escape-wasm-asm.ts; its bytes are here as base64.
 *
 *   esc(s, e, o, high) -> the output end, or -1
 *     input bytes [s, e) of the memory, output from o (room: 7 * (e - s) + 16 bytes);
 *     `"` and `\` -> `\\\"` `\\\\`, a control character -> `\\n` (b t n f r) or `\\u00xx`,
 *     printable ASCII copied; a byte >= 0x80 copied when `high` is 1 (the caller checked the
 *     input is valid UTF-8), else the answer is -1 (nothing promised about the output).
 *     The global `extra` is then how many bytes the once-escaped (raw) text has beyond e - s.
 *   esc1(s, e, o) -> the output end
 *     the once-more escape of a JSON string's content already escaped as JSON.stringify escapes
 *     (a backslash or a quote gets a backslash before it; every other byte is copied).
 *   stop(s, e) -> the first offset in [s, e) of a quote, a backslash or a control character, or e.
 *   match(p, e, t, o) -> the end of the text at p that a template's gaps and slot kinds fit, or -1
 *     (see `match` below; used by the OTLP/JSON scanner's record templates).
 *   Memory [0, 32): per control character the letter of its short escape, or 0.
 */

/** The few WebAssembly JS API members used (the project's TypeScript libs declare no WebAssembly values). */
interface WasmApi {
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer; grow(pages: number): number };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** escapeModuleBytes() of escape-wasm-asm.ts (a unit test holds that they are the same). */
export const ESCAPE_MODULE =
  'AGFzbQEAAAABFgNgBH9/f38Bf2ADf39/AX9gAn9/AX8CDQEBbQZtZW1vcnkCAAEDBQQAAQIABgYBfwFBAAsHJQUDZXNjAAAEZXNjMQABBHN0b3AAAgVtYXRjaAADBWV4dHJhAwAK2QgE8wICAn8Be0EAJAACQANAAkADQCAAQRBqIAFLDQEgAP0ABAAiBkEg/Q/9JSAGQSL9D/0j/VAgBkHcAP0P/SP9UP1kIQUgAiAG/QsEACAFRQRAIABBEGohACACQRBqIQIMAQsgBWghBSAAIAVqIQAgAiAFaiECCwsgACABTwRAIAIPCyAALQAAIQQgBEEiRiAEQdwARnIEQCACQdwAOgAAIAJB3AA6AAEgAkHcADoAAiACIAQ6AAMgAkEEaiECIwBBAWokAAUgBEEgSQRAIAQtAAAhBSACQdwAOgAAIAJB3AA6AAEgBQRAIAIgBToAAiACQQNqIQIjAEEBaiQABSACQfUAOgACIAJBMDoAAyACQTA6AAQgAkEwIARBBHZqOgAFIAIgBEEPcSIFIAVBCkkEf0EwBUHXAAtqOgAGIAJBB2ohAiMAQQVqJAALBSAEQYABTyADRXENAyACIAQ6AAAgAkEBaiECCwsgAEEBaiEADAALC0F/C7IBAgJ/AXsDQAJAA0AgAEEQaiABSw0BIAD9AAQAIQUgBUEi/Q/9IyAFQdwA/Q/9I/1Q/WQhBCACIAX9CwQAIARFBEAgAEEQaiEAIAJBEGohAgwBCyAEaCEEIAAgBGohACACIARqIQILCyAAIAFPBEAgAg8LIAAtAAAhAyADQSJGIANB3ABGcgRAIAJB3AA6AAAgAkEBaiECCyACIAM6AAAgAkEBaiECIABBAWohAAwACyACC4YBAgJ/AXsCQANAIABBEGogAUsNASAA/QAEACIEQSD9D/0mIARBIv0P/SMgBEHcAP0P/SP9UP1Q/WQiAwRAIAAgA2hqDwsgAEEQaiEADAALCwNAIAAgAU8EQCABDwsgAC0AACICQSBJIAJBIkZyIAJB3ABGcgRAIAAPCyAAQQFqIQAMAAsgAQulAwEJfyACKAIAIQsDQCACQQRqIARBDGxqIQwgDCgCACEFIAwoAgQhBiAAIAZqIAFLBEBBfw8LQQAhBwJAA0AgB0EQaiAGSw0BIAAgB2r9AAQAIAUgB2r9AAQA/SP9Y0UEQEF/DwsgB0EQaiEHDAALCwJAA0AgByAGTw0BIAAgB2otAAAgBSAHai0AAEcEQEF/DwsgB0EBaiEHDAALCyAAIAZqIQAgBCALRgRAIAAPCyADIARBDGxqIgogADYCAEEAIQkgDCgCCARAA0AgACABSQRAIAAtAAAhCCAIQTBrQQpJIAhBLUZyIAhBK0ZyIAhBLkZyIAhBIHJB5QBGcgRAIABBAWohAAwCCwsLBQNAIAAgARACIQAgACABTwRAQX8PCyAALQAAIQggCEHcAEYEQCAALQABIQggCEEiRiAIQdwARnIgCEHiAEZyIAhB5gBGciAIQe4ARnIgCEHyAEZyIAhB9ABGcgR/QQEFQQILIAlyIQkgAEECaiEADAELIAhBIkZFBEBBfw8LCwsgCiAANgIEIAogCTYCCCAEQQFqIQQMAAtBfws=';

const PAGE = 65536;
/** Where a string's input starts in the memory (after the control-character table). */
export const INPUT_AT = 64;

/**
 * One instance and its memory, grown on demand (the Buffer view refreshed after a grow). A whole
 * request body can be `load`ed once, so that its strings are escaped in place instead of being
 * copied in one by one (the memory then holds that copy until `unload`).
 */
export class WasmEscaper {
  private readonly memory = new WA.Memory({ initial: 1 });
  private readonly esc: (s: number, e: number, o: number, high: number) => number;
  private readonly esc1: (s: number, e: number, o: number) => number;
  private readonly stopAt: (s: number, e: number) => number;
  private readonly matchAt: (p: number, e: number, t: number, o: number) => number;
  private readonly extraGlobal: { value: number };
  /** A Buffer over the whole memory (replaced when it grows). */
  mem: Buffer;
  /** The buffer whose copy is at INPUT_AT, if any. */
  loaded: Buffer | undefined;
  /** Where the memory is free (after the loaded copy). */
  private free = INPUT_AT;
  /** Where `prepare` put the input and where the output goes. */
  inAt = 0;
  outAt = 0;

  constructor() {
    const instance = new WA.Instance(new WA.Module(Buffer.from(ESCAPE_MODULE, 'base64')), { m: { memory: this.memory } });
    this.esc = instance.exports.esc as (s: number, e: number, o: number, high: number) => number;
    this.esc1 = instance.exports.esc1 as (s: number, e: number, o: number) => number;
    this.stopAt = instance.exports.stop as (s: number, e: number) => number;
    this.matchAt = instance.exports.match as (p: number, e: number, t: number, o: number) => number;
    this.extraGlobal = instance.exports.extra as { value: number };
    this.mem = Buffer.from(this.memory.buffer);
    for (const [c, letter] of [[8, 'b'], [9, 't'], [10, 'n'], [12, 'f'], [13, 'r']] as const) this.mem[c] = letter.charCodeAt(0);
  }

  private ensure(bytes: number): void {
    if (bytes <= this.mem.length) return;
    this.memory.grow(Math.ceil((bytes - this.mem.length) / PAGE));
    this.mem = Buffer.from(this.memory.buffer);
  }

  /** Copies `buf` into the memory: `prepare` then finds its strings there, and `stop` scans it. */
  load(buf: Buffer): void {
    this.ensure(INPUT_AT + buf.length + 64);
    buf.copy(this.mem, INPUT_AT);
    this.loaded = buf;
    this.free = INPUT_AT + buf.length + 16;
  }

  unload(): void {
    this.loaded = undefined;
    this.free = INPUT_AT;
  }

  /** `src[s, e)` in the memory at `inAt` (copied unless `src` is loaded), and room for `factor` times it from `outAt`. */
  prepare(src: Buffer, s: number, e: number, factor: number): void {
    const n = e - s;
    const copy = src !== this.loaded;
    const inAt = copy ? this.free : INPUT_AT + s;
    const outAt = (copy ? this.free + n : this.free) + 16;
    this.ensure(outAt + factor * n + 32);
    if (copy) src.copy(this.mem, inAt, s, e);
    this.inAt = inAt;
    this.outAt = outAt;
  }

  /** The prepared `n` bytes escaped twice from `outAt` (prepare with factor 7); the output's end, or -1 when `high` is false and a byte is >= 0x80. */
  double(n: number, high: boolean): number {
    return this.esc(this.inAt, this.inAt + n, this.outAt, high ? 1 : 0);
  }

  /** The prepared `n` bytes (JSON string content) escaped once more from `outAt` (prepare with factor 2); the output's end. */
  once(n: number): number {
    return this.esc1(this.inAt, this.inAt + n, this.outAt);
  }

  /** In the loaded buffer: the first offset in [s, e) of a quote, a backslash or a control character, or e. */
  stop(s: number, e: number): number {
    return this.stopAt(INPUT_AT + s, INPUT_AT + e) - INPUT_AT;
  }

  /**
   * `words` 32-bit words of the memory after the loaded buffer, for a caller's own data (a template):
   * their address. Valid until `unload`; a view of them must be made again when `mem` changes (a grow).
   */
  reserve(words: number): number {
    const at = (this.free + 3) & ~3;
    this.ensure(at + 4 * words + 16);
    this.free = at + 4 * words;
    return at;
  }

  /** Int32 words of the memory from `at` (reserved), as a view (empty once the memory grows). */
  words(at: number, count: number): Int32Array {
    return new Int32Array(this.memory.buffer, at, count);
  }

  /**
   * In the loaded buffer, from offset `p` up to `e`: the text a template fits, or -1. The template at
   * address `t` (words): n, then for each gap k = 0..n its start as a memory address (`INPUT_AT` +
   * offset), its length and, for k < n, the kind of the slot after it (0: a JSON string's content,
   * 1: a number's bytes). Each gap must equal the text byte for byte; each slot is then scanned: a
   * string up to its closing quote (a raw control character fails), a number over the bytes
   * `0-9 + - . e E`. For slot k, the words at `o + 12k`: its start and end (memory addresses) and, for
   * a string, 0 (no escape), 1 (only `\" \\ \b \f \n \r \t`) or more (another escape: not checked here).
   * The answer is the offset after the last gap.
   */
  match(p: number, e: number, t: number, o: number): number {
    const end = this.matchAt(INPUT_AT + p, INPUT_AT + e, t, o);
    return end < 0 ? -1 : end - INPUT_AT;
  }

  /** The raw text's bytes beyond the input's, after the last `double`. */
  get extra(): number {
    return this.extraGlobal.value;
  }
}
