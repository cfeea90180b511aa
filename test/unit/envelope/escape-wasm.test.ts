import { describe, expect, it } from 'vitest';
import { expectUtf8String, literalOf } from '../../support/literal.ts';
import { escapeModuleBytes } from '../../../shared/envelope/escape-wasm-asm.ts';
import { ESCAPE_MODULE, INPUT_AT, WasmEscaper } from '../../../shared/envelope/escape-wasm.ts';
import { LiteralWriter } from '../../../shared/envelope/literal.ts';

/** What the value holds between the raw's quotes for a raw text: JSON.stringify's escape of it. */

/** A seeded generator of strings dense in what needs care: quotes, backslashes, control characters, non-ASCII, DEL. */
function strings(count: number, seed: number): string[] {
  let x = seed;
  const next = (): number => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = Math.floor(next() * 200);
    let s = '';
    for (let k = 0; k < n; k++) {
      const r = next();
      s += r < 0.06 ? '"' : r < 0.1 ? '\\' : r < 0.14 ? String.fromCharCode(Math.floor(next() * 32)) : r < 0.17 ? 'é' : r < 0.18 ? '🚀' : r < 0.19 ? '\u007f' : r < 0.2 ? '\u2028' : String.fromCharCode(0x20 + Math.floor(next() * 95));
    }
    out.push(s);
  }
  return out;
}

describe('WebAssembly double escape', () => {
  it('runs the module its assembler makes (escape-wasm-asm.ts)', () => {
    expect(Buffer.from(ESCAPE_MODULE, 'base64').equals(Buffer.from(escapeModuleBytes()))).toBe(true);
  });

  it('writes what JSON.stringify twice writes, and counts the once-escaped size, for strings of every length around the 16-byte blocks', () => {
    const x = new WasmEscaper();
    const all = [...strings(1500, 7), ...Array.from({ length: 70 }, (_, n) => 'a'.repeat(n) + '"' + 'b'.repeat(n % 17))];
    for (const s of all) {
      const b = Buffer.from(s);
      x.prepare(b, 0, b.length, 7);
      const ascii = /^[\x00-\x7f]*$/.test(s);
      const first = x.double(b.length, false);
      expect(first < 0).toBe(!ascii);
      const end = ascii ? first : x.double(b.length, true);
      expect(x.mem.toString('utf8', x.outAt, end)).toBe(literalOf(JSON.stringify(s)).slice(2, -2));
      expect(x.extra).toBe(Buffer.byteLength(JSON.stringify(s)) - 2 - b.length);
      // Once more: the once-escaped content escaped again is the same double escape.
      const once = Buffer.from(JSON.stringify(s).slice(1, -1));
      x.prepare(once, 0, once.length, 2);
      expect(x.mem.toString('utf8', x.outAt, x.once(once.length))).toBe(literalOf(JSON.stringify(s)).slice(2, -2));
    }
  });

  it('grows its memory for a long string and stays right after growing', () => {
    const x = new WasmEscaper();
    const s = 'say "hi"\n'.repeat(30_000);
    const b = Buffer.from(s);
    x.prepare(b, 0, b.length, 7);
    const end = x.double(b.length, false);
    expect(x.mem.toString('utf8', x.outAt, end)).toBe(literalOf(JSON.stringify(s)).slice(2, -2));
  });

  it('a loaded buffer: its strings escaped in place, and stop finds the first quote, backslash or control character', () => {
    const x = new WasmEscaper();
    const body = Buffer.from('{"a":"' + 'x'.repeat(37) + '\\n' + 'y'.repeat(20) + '","b":"short"}' + ' '.repeat(100) + '\u0001');
    x.load(body);
    for (let s = 0; s < body.length; s++) {
      for (const e of [s, Math.min(body.length, s + 5), Math.min(body.length, s + 40), body.length]) {
        let want = e;
        for (let i = s; i < e; i++) if (body[i]! < 0x20 || body[i] === 0x22 || body[i] === 0x5c) { want = i; break; }
        expect(x.stop(s, e)).toBe(want);
      }
    }
    x.prepare(body, 6, 66, 2);
    expect(x.inAt).toBe(64 + 6);
    const content = body.toString('latin1', 6, 66);
    expect(x.mem.toString('latin1', x.outAt, x.once(60))).toBe(content.replace(/["\\]/g, '\\$&'));
    x.unload();
    expect(x.loaded).toBeUndefined();
  });

  it('match: a template\'s gaps compared byte for byte (every length around 16), its string and number slots scanned', () => {
    const x = new WasmEscaper();
    for (let len = 0; len < 40; len++) {
      const gap = 'g'.repeat(len);
      // The template record, then records that fit it or break it at one place.
      const tpl = `${gap}"` + 'abc' + `"${gap}:` + '12' + `,${gap}`;
      const cases: Array<[string, boolean]> = [
        [`${gap}"x\\"y\\n"${gap}:-1.5e+3,${gap}`, true],
        [`${gap}"${'z'.repeat(50)}"${gap}:0,${gap}`, true],
        [`${gap}"a\\u0041"${gap}:7,${gap}`, true],
        ...(len > 0 ? ([[`${gap.slice(1)}h"a"${gap}:7,${gap}`, false], [`${gap}"a"${gap}:7,${gap.slice(1)}h`, false]] as Array<[string, boolean]>) : []),
        [`${gap}"a\u0001"${gap}:7,${gap}`, false],
        [`${gap}"a"${gap}:7x,${gap}`, false],
        [`${gap}"unterminated`, false],
      ];
      const body = Buffer.from(tpl + cases.map(([c]) => c).join(''));
      x.load(body);
      const t = x.reserve(64);
      const v = x.words(t, 64);
      // gaps: [0, len + 1) before the string, [len + 4, 2 len + 6) before the number, [2 len + 8, 3 len + 9) last
      v.set([2, INPUT_AT + 0, len + 1, 0, INPUT_AT + len + 4, len + 2, 1, INPUT_AT + 2 * len + 8, len + 1]);
      let at = tpl.length;
      for (const [c, fits] of cases) {
        const end = x.match(at, body.length, t, t + 4 * 16);
        expect(end, `len ${len}: ${c}`).toBe(fits ? at + c.length : -1);
        if (fits) {
          const str = body.toString('latin1', v[16]! - INPUT_AT, v[17]! - INPUT_AT);
          const num = body.toString('latin1', v[19]! - INPUT_AT, v[20]! - INPUT_AT);
          expect(`${gap}"${str}"${gap}:${num},${gap}`).toBe(c);
          expect(v[18]).toBe(str.includes('\\u') ? 2 : str.includes('\\') ? 1 : 0);
        }
        at += c.length;
      }
      x.unload();
    }
  });

  it('LiteralWriter.utf8String through it: valid text as JSON.stringify gives, invalid UTF-8 as Buffer#toString decodes it (and false)', () => {
    const w = new LiteralWriter();
    const bad = [Buffer.from([0xff]), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe2, 0x82]), Buffer.from([0xc0, 0xaf])];
    const inputs = strings(400, 11).map((s) => Buffer.from(s));
    inputs.push(...bad.map((b, i) => Buffer.concat([Buffer.from('x"'.repeat(30 + i)), b, Buffer.from('tail')])));
    for (const b of inputs) {
      expectUtf8String(w, b);
    }
  });
});
