/**
 * The double JSON escape of a UTF-8 string (what literal.ts writes for a string of a raw that is
 * itself JSON), as a tiny WebAssembly function with a 16-byte SIMD fast path. Pure.
 *
 * Why WebAssembly: V8 (Node 22) runs a JS loop over a Uint8Array at ~25-40 instructions a byte (no
 * hoisting of the typed arrays' checks out of the loop), which made the byte loop the largest cost
 * of an OTLP record (bench/protocols-instr.ts); this function runs at ~1 instruction a byte for
 * text without escapes and ~20 per escape. The module is assembled here from its opcodes (a few
 * hundred bytes, compiled in microseconds at first use), so there is no build step or binary file.
 *
 *   esc(s, e, o, high) -> the output end, or -1
 *     input bytes [s, e) of the memory, output from o (room: 7 * (e - s) + 16 bytes);
 *     `"` and `\` -> `\\\"` `\\\\`, a control character -> `\\n` (b t n f r) or `\\u00xx`,
 *     printable ASCII copied; a byte >= 0x80 copied when `high` is 1 (the caller checked the
 *     input is valid UTF-8), else the answer is -1 (nothing promised about the output).
 *     The global `extra` is then how many bytes the once-escaped (raw) text has beyond e - s.
 *   Memory [0, 32): per control character the letter of its short escape, or 0.
 */

const I32 = 0x7f;
const V128_OPS = 0xfd;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

// The opcodes used (WebAssembly core 2.0 + fixed-width SIMD).
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const tee = (i: number) => [0x22, i];
const gget = (i: number) => [0x23, i];
const gset = (i: number) => [0x24, i];
const c32 = (n: number) => [0x41, ...sleb(n)];
const load8 = [0x2d, 0, 0];
const store8 = (offset: number) => [0x3a, 0, ...uleb(offset)];
const vload = [V128_OPS, ...uleb(0x00), 4, 0];
const vstore = [V128_OPS, ...uleb(0x0b), 4, 0];
const vsplat8 = [V128_OPS, ...uleb(0x0f)];
const veq8 = [V128_OPS, ...uleb(0x23)];
const vlts8 = [V128_OPS, ...uleb(0x25)];
const vor = [V128_OPS, ...uleb(0x50)];
const vbitmask8 = [V128_OPS, ...uleb(0x64)];
const [BLOCK, LOOP, IF, ELSE, END, BR, BR_IF, RETURN, VOID] = [0x02, 0x03, 0x04, 0x05, 0x0b, 0x0c, 0x0d, 0x0f, 0x40];
const [EQZ, EQ, LT_U, GT_U, GE_U, ADD, SUB, AND, OR, SHR_U, CTZ] = [0x45, 0x46, 0x49, 0x4b, 0x4f, 0x6a, 0x6b, 0x71, 0x72, 0x76, 0x68];

// Locals: params s=0, e=1, o=2, high=3; c=4 (a byte), m=5 (a mask), v=6 (v128).
const [S, E, O, HIGH, C, M, V] = [0, 1, 2, 3, 4, 5, 6];
const EXTRA = 0;
const bump = (local: number, n: number) => [...get(local), ...c32(n), ADD, ...set(local)];
const addExtra = (n: number) => [...gget(EXTRA), ...c32(n), ADD, ...gset(EXTRA)];

const body: number[] = [
  ...c32(0), ...gset(EXTRA),
  BLOCK, VOID, // $fail (depth from the main loop: 1)
  LOOP, VOID, // $main
  // 16 bytes at a time while none needs an escape (any byte < 0x20 signed: a control character or >= 0x80).
  BLOCK, VOID, // $scalar
  LOOP, VOID, // $vec
  ...get(S), ...c32(16), ADD, ...get(E), GT_U, BR_IF, 1,
  ...get(S), ...vload, ...tee(V), ...c32(0x20), ...vsplat8, ...vlts8,
  ...get(V), ...c32(0x22), ...vsplat8, ...veq8, ...vor,
  ...get(V), ...c32(0x5c), ...vsplat8, ...veq8, ...vor,
  ...vbitmask8, ...set(M),
  ...get(O), ...get(V), ...vstore,
  ...get(M), EQZ, IF, VOID,
  ...bump(S, 16), ...bump(O, 16), BR, 1,
  END,
  // The bytes before the first that needs care are already written: skip them.
  ...get(M), CTZ, ...set(M), ...get(S), ...get(M), ADD, ...set(S), ...get(O), ...get(M), ADD, ...set(O),
  END, // $vec
  END, // $scalar
  // One byte.
  ...get(S), ...get(E), GE_U, IF, VOID, ...get(O), RETURN, END,
  ...get(S), ...load8, ...set(C),
  ...get(C), ...c32(0x22), EQ, ...get(C), ...c32(0x5c), EQ, OR, IF, VOID,
  ...get(O), ...c32(0x5c), ...store8(0), ...get(O), ...c32(0x5c), ...store8(1), ...get(O), ...c32(0x5c), ...store8(2), ...get(O), ...get(C), ...store8(3),
  ...bump(O, 4), ...addExtra(1),
  ELSE,
  ...get(C), ...c32(0x20), LT_U, IF, VOID,
  ...get(C), ...load8, ...set(M), // the short escape's letter, or 0
  ...get(O), ...c32(0x5c), ...store8(0), ...get(O), ...c32(0x5c), ...store8(1),
  ...get(M), IF, VOID,
  ...get(O), ...get(M), ...store8(2), ...bump(O, 3), ...addExtra(1),
  ELSE,
  ...get(O), ...c32(0x75), ...store8(2), ...get(O), ...c32(0x30), ...store8(3), ...get(O), ...c32(0x30), ...store8(4),
  ...get(O), ...c32(0x30), ...get(C), ...c32(4), SHR_U, ADD, ...store8(5),
  ...get(O), ...get(C), ...c32(15), AND, ...tee(M), ...get(M), ...c32(10), LT_U, IF, I32, ...c32(0x30), ELSE, ...c32(0x57), END, ADD, ...store8(6),
  ...bump(O, 7), ...addExtra(5),
  END,
  ELSE,
  ...get(C), ...c32(0x80), GE_U, ...get(HIGH), EQZ, AND, BR_IF, 3, // to $fail
  ...get(O), ...get(C), ...store8(0), ...bump(O, 1),
  END,
  END,
  ...bump(S, 1),
  BR, 0, // $main
  END, // $main
  END, // $fail
  ...c32(-1),
];

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

/** The module's bytes: imports memory `m.memory`, exports `esc` and the global `extra`. */
export function escapeModuleBytes(): Uint8Array {
  const locals = vec([[2, I32], [1, 0x7b]]); // c, m: i32; v: v128
  const code = [...locals, ...body, END];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32]]), ...vec([[I32]])]])),
    ...section(2, vec([[...name('m'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0]])),
    ...section(6, vec([[I32, 0x01, ...c32(0), END]])),
    ...section(7, vec([[...name('esc'), 0x00, 0], [...name('extra'), 0x03, 0]])),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
}

/** The few WebAssembly JS API members used (the project's TypeScript libs declare no WebAssembly values). */
interface WasmApi {
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer; grow(pages: number): number };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const PAGE = 65536;
/** Where a string's input starts in the memory (after the control-character table). */
export const INPUT_AT = 64;

/** One instance and its memory, grown on demand (views refreshed after a grow). */
export class WasmEscaper {
  private readonly memory = new WA.Memory({ initial: 1 });
  private readonly esc: (s: number, e: number, o: number, high: number) => number;
  private readonly extraGlobal: { value: number };
  /** A Buffer over the whole memory (replaced when it grows). */
  mem: Buffer;

  constructor() {
    const instance = new WA.Instance(new WA.Module(escapeModuleBytes()), { m: { memory: this.memory } });
    this.esc = instance.exports.esc as (s: number, e: number, o: number, high: number) => number;
    this.extraGlobal = instance.exports.extra as { value: number };
    this.mem = Buffer.from(this.memory.buffer);
    this.initTable();
  }

  private initTable(): void {
    for (const [c, letter] of [[8, 'b'], [9, 't'], [10, 'n'], [12, 'f'], [13, 'r']] as const) this.mem[c] = letter.charCodeAt(0);
  }

  /** Room for an input of `n` bytes and its output: the output's start. */
  reserve(n: number): number {
    const out = INPUT_AT + n + 16;
    const need = out + 7 * n + 32;
    if (need > this.mem.length) {
      this.memory.grow(Math.ceil((need - this.mem.length) / PAGE));
      this.mem = Buffer.from(this.memory.buffer);
    }
    return out;
  }

  /** The input at INPUT_AT, `n` bytes, escaped twice from `out` (see the module's comment); -1 when `high` is 0 and a byte is >= 0x80. */
  run(n: number, out: number, high: boolean): number {
    return this.esc(INPUT_AT, INPUT_AT + n, out, high ? 1 : 0);
  }

  /** The raw text's bytes beyond the input's, after the last `run`. */
  get extra(): number {
    return this.extraGlobal.value;
  }
}
