/**
 * The assembler of escape-wasm.ts's WebAssembly module: its functions as opcodes, and the module's
 * bytes. Not loaded at run time (a Lambda's cold start would pay for it): escape-wasm.ts carries the
 * bytes this gives, and test/unit/envelope/escape-wasm.test.ts holds that they are the same. After
 * changing a function here, put the new bytes there:
 *   npx tsx -e "import('./shared/envelope/escape-wasm-asm.ts').then((m) => console.log(Buffer.from(m.escapeModuleBytes()).toString('base64')))"
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
const vltu8 = [V128_OPS, ...uleb(0x26)];
const vor = [V128_OPS, ...uleb(0x50)];
const vbitmask8 = [V128_OPS, ...uleb(0x64)];
const [BLOCK, LOOP, IF, ELSE, END, BR, BR_IF, RETURN, VOID] = [0x02, 0x03, 0x04, 0x05, 0x0b, 0x0c, 0x0d, 0x0f, 0x40];
const [EQZ, EQ, LT_U, GT_U, GE_U, ADD, SUB, AND, OR, SHR_U, CTZ] = [0x45, 0x46, 0x49, 0x4b, 0x4f, 0x6a, 0x6b, 0x71, 0x72, 0x76, 0x68];

const bump = (local: number, n: number) => [...get(local), ...c32(n), ADD, ...set(local)];
const EXTRA = 0;
const addExtra = (n: number) => [...gget(EXTRA), ...c32(n), ADD, ...gset(EXTRA)];
/** The i8x16 bitmask of the bytes of v (local) equal to `"` or `\`. */
const quoteOrBackslash = (v: number) => [...get(v), ...c32(0x22), ...vsplat8, ...veq8, ...get(v), ...c32(0x5c), ...vsplat8, ...veq8, ...vor];

// esc: params s=0, e=1, o=2, high=3; locals c=4 (a byte), m=5 (a mask), v=6 (v128).
const [S, E, O, HIGH, C, M, V] = [0, 1, 2, 3, 4, 5, 6];
const escBody: number[] = [
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

// esc1: params s=0, e=1, o=2; locals c=3, m=4, v=5.
const esc1Body: number[] = (() => {
  const [s, e, o, c, m, v] = [0, 1, 2, 3, 4, 5];
  return [
    LOOP, VOID, // $main
    BLOCK, VOID, // $scalar
    LOOP, VOID, // $vec
    ...get(s), ...c32(16), ADD, ...get(e), GT_U, BR_IF, 1,
    ...get(s), ...vload, ...set(v), ...quoteOrBackslash(v), ...vbitmask8, ...set(m),
    ...get(o), ...get(v), ...vstore,
    ...get(m), EQZ, IF, VOID, ...bump(s, 16), ...bump(o, 16), BR, 1, END,
    ...get(m), CTZ, ...set(m), ...get(s), ...get(m), ADD, ...set(s), ...get(o), ...get(m), ADD, ...set(o),
    END, // $vec
    END, // $scalar
    ...get(s), ...get(e), GE_U, IF, VOID, ...get(o), RETURN, END,
    ...get(s), ...load8, ...set(c),
    ...get(c), ...c32(0x22), EQ, ...get(c), ...c32(0x5c), EQ, OR, IF, VOID, ...get(o), ...c32(0x5c), ...store8(0), ...bump(o, 1), END,
    ...get(o), ...get(c), ...store8(0), ...bump(o, 1), ...bump(s, 1),
    BR, 0,
    END, // $main
    ...get(o),
  ];
})();

// stop: params s=0, e=1; locals c=2, m=3, v=4.
const stopBody: number[] = (() => {
  const [s, e, c, m, v] = [0, 1, 2, 3, 4];
  return [
    BLOCK, VOID, // $scalar
    LOOP, VOID, // $vec
    ...get(s), ...c32(16), ADD, ...get(e), GT_U, BR_IF, 1,
    ...get(s), ...vload, ...tee(v), ...c32(0x20), ...vsplat8, ...vltu8, ...quoteOrBackslash(v), ...vor, ...vbitmask8, ...tee(m),
    IF, VOID, ...get(s), ...get(m), CTZ, ADD, RETURN, END,
    ...bump(s, 16), BR, 0,
    END, // $vec
    END, // $scalar
    LOOP, VOID,
    ...get(s), ...get(e), GE_U, IF, VOID, ...get(e), RETURN, END,
    ...get(s), ...load8, ...tee(c), ...c32(0x20), LT_U, ...get(c), ...c32(0x22), EQ, OR, ...get(c), ...c32(0x5c), EQ, OR, IF, VOID, ...get(s), RETURN, END,
    ...bump(s, 1), BR, 0,
    END,
    ...get(e),
  ];
})();

// match: params p=0, e=1, t=2, o=3; locals k=4, g=5, len=6, j=7, c=8, flag=9, out=10, n=11, base=12.
// The template at t: n, then per gap k (0..n) its start, its length and (k < n) the kind of the slot after
// it (0 string, 1 number); per slot k, at o + 12k: the token's start, end and (strings) escape flags.
const I32_LOAD = (offset: number) => [0x28, 2, ...uleb(offset)];
const I32_STORE = (offset: number) => [0x36, 2, ...uleb(offset)];
const load8At = (offset: number) => [0x2d, 0, ...uleb(offset)];
const [MUL, NE, CALL] = [0x6c, 0x47, 0x10];
const vAllTrue8 = [V128_OPS, ...uleb(0x63)];
const STOP_FN = 2;
const matchBody: number[] = (() => {
  const [p, e, t, o, k, g, len, j, c, flag, out, n, base] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const fail = [...c32(-1), RETURN];
  const isChar = (ch: number) => [...get(c), ...c32(ch), EQ];
  return [
    ...get(t), ...I32_LOAD(0), ...set(n),
    LOOP, VOID, // $slots
    ...get(t), ...c32(4), ADD, ...get(k), ...c32(12), MUL, ADD, ...set(base),
    ...get(base), ...I32_LOAD(0), ...set(g), ...get(base), ...I32_LOAD(4), ...set(len),
    ...get(p), ...get(len), ADD, ...get(e), GT_U, IF, VOID, ...fail, END,
    // The gap, 16 bytes at a time, then byte by byte.
    ...c32(0), ...set(j),
    BLOCK, VOID, LOOP, VOID,
    ...get(j), ...c32(16), ADD, ...get(len), GT_U, BR_IF, 1,
    ...get(p), ...get(j), ADD, ...vload, ...get(g), ...get(j), ADD, ...vload, ...veq8, ...vAllTrue8, EQZ, IF, VOID, ...fail, END,
    ...bump(j, 16), BR, 0,
    END, END,
    BLOCK, VOID, LOOP, VOID,
    ...get(j), ...get(len), GE_U, BR_IF, 1,
    ...get(p), ...get(j), ADD, ...load8, ...get(g), ...get(j), ADD, ...load8, NE, IF, VOID, ...fail, END,
    ...bump(j, 1), BR, 0,
    END, END,
    ...get(p), ...get(len), ADD, ...set(p),
    ...get(k), ...get(n), EQ, IF, VOID, ...get(p), RETURN, END,
    ...get(o), ...get(k), ...c32(12), MUL, ADD, ...tee(out), ...get(p), ...I32_STORE(0),
    ...c32(0), ...set(flag),
    ...get(base), ...I32_LOAD(8), IF, VOID,
    // A number: the bytes a JSON number is made of (its grammar is checked by the caller).
    LOOP, VOID,
    ...get(p), ...get(e), LT_U, IF, VOID,
    ...get(p), ...load8, ...set(c),
    ...get(c), ...c32(0x30), SUB, ...c32(10), LT_U, ...isChar(0x2d), OR, ...isChar(0x2b), OR, ...isChar(0x2e), OR,
    ...get(c), ...c32(0x20), OR, ...c32(0x65), EQ, OR,
    IF, VOID, ...bump(p, 1), BR, 2, END,
    END,
    END,
    ELSE,
    // A string: up to its closing quote; flag 1: escapes seen, all short ones JSON.stringify writes; 2: another escape.
    LOOP, VOID,
    ...get(p), ...get(e), CALL, ...uleb(STOP_FN), ...set(p),
    ...get(p), ...get(e), GE_U, IF, VOID, ...fail, END,
    ...get(p), ...load8, ...set(c),
    ...isChar(0x5c), IF, VOID,
    ...get(p), ...load8At(1), ...set(c),
    ...isChar(0x22), ...isChar(0x5c), OR, ...isChar(0x62), OR, ...isChar(0x66), OR, ...isChar(0x6e), OR, ...isChar(0x72), OR, ...isChar(0x74), OR,
    IF, I32, ...c32(1), ELSE, ...c32(2), END, ...get(flag), OR, ...set(flag),
    ...bump(p, 2), BR, 1,
    END,
    ...isChar(0x22), EQZ, IF, VOID, ...fail, END,
    END,
    END,
    ...get(out), ...get(p), ...I32_STORE(4), ...get(out), ...get(flag), ...I32_STORE(8),
    ...bump(k, 1), BR, 0,
    END, // $slots
    ...c32(-1),
  ];
})();

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(s: string): number[] {
  return [...uleb(s.length), ...Array.from(s, (ch) => ch.charCodeAt(0))];
}

/** The module's bytes: imports memory `m.memory`, exports `esc`, `esc1`, `stop`, `match` and the global `extra`. */
export function escapeModuleBytes(): Uint8Array {
  const fn = (body: number[]) => {
    const code = [...vec([[2, I32], [1, 0x7b]]), ...body, END]; // two i32 locals, one v128
    return [...uleb(code.length), ...code];
  };
  const i32s = (n: number) => vec(Array.from({ length: n }, () => [I32]));
  const matchCode = [...vec([[9, I32]]), ...matchBody, END];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...i32s(4), ...i32s(1)], [0x60, ...i32s(3), ...i32s(1)], [0x60, ...i32s(2), ...i32s(1)]])),
    ...section(2, vec([[...name('m'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vec([[0], [1], [2], [0]])),
    ...section(6, vec([[I32, 0x01, ...c32(0), END]])),
    ...section(7, vec([[...name('esc'), 0x00, 0], [...name('esc1'), 0x00, 1], [...name('stop'), 0x00, 2], [...name('match'), 0x00, 3], [...name('extra'), 0x03, 0]])),
    ...section(10, vec([fn(escBody), fn(esc1Body), fn(stopBody), [...uleb(matchCode.length), ...matchCode]])),
  ]);
}

