/**
 * A DDSketch of non-negative values (relative accuracy 1 %) and its binary form. Pure.
 *
 * The index mapping (value <-> bin, the accuracy guarantee) and the bin store are
 * `@datadog/sketches-js`'s own `LogarithmicMapping` and `DenseStore`; this class only holds them
 * with the zero count, as the library's `DDSketch` does (same rank rule in `quantile`). It does not
 * import the library's `DDSketch` and serialises without its `toProto`: those pull protobufjs and
 * the generated code (about 60 KiB minified) into the process Lambda, whose cold start the bundle
 * budget guards (deploy/esbuild.cjs leaves the generated code out of the bundles).
 *
 * The binary form IS DDSketch's standard protobuf message (DDSketch.proto: mapping {gamma,
 * indexOffset, interpolation NONE}, positiveValues, negativeValues (empty), zeroCount), written by
 * hand: each store as contiguous bin counts from its lowest to its highest bin (the form the
 * library's `DDSketch.fromProto` reads; it ignores the sparse map). Any DDSketch implementation
 * reads it (the unit test checks the library does); `decode` reads the sparse map too.
 */
// The mappings' barrel, not LogarithmicMapping.js alone: mapping/KeyMapping.js and mapping/index.js
// require each other, and only loading the barrel first resolves that. The store file alone.
import { LogarithmicMapping } from '@datadog/sketches-js/dist/ddsketch/mapping/index.js';
import { CollapsingLowestDenseStore } from '@datadog/sketches-js/dist/ddsketch/store/CollapsingLowestDenseStore.js';
import type { DenseStore } from '@datadog/sketches-js/dist/ddsketch/store/DenseStore.js';

/** Relative accuracy of every sketch (the "at most 1 %"); sketches merge only at equal accuracy. */
export const RELATIVE_ACCURACY = 0.01;
/**
 * Bins a store keeps (the library's default for its collapsing sketches): 2048 bins at 1 % span a
 * ratio of about 6e17 between the largest and smallest value, so real values never collapse; values
 * sent to blow the store up (1e-300 beside 1e300) merge into the lowest bin instead of allocating
 * a bin per 2 % step in between. A stored sketch is at most 2048 x 8 bytes.
 */
export const BIN_LIMIT = 2048;
const MAPPING = new LogarithmicMapping(RELATIVE_ACCURACY);

export class SketchError extends Error {
  override name = 'SketchError';
}

export class Sketch {
  readonly store: DenseStore = new CollapsingLowestDenseStore(BIN_LIMIT);
  zeroCount = 0;

  get count(): number {
    return this.store.count + this.zeroCount;
  }

  /** Adds a value (finite, >= 0; callers filter). */
  accept(value: number): void {
    if (value > MAPPING.minPossible) this.store.add(MAPPING.key(value));
    else this.zeroCount++;
  }

  /** The value at quantile q in [0, 1] (NaN when empty): DDSketch's rank rule, rank = q * (count - 1). */
  quantile(q: number): number {
    const n = this.count;
    if (n === 0 || !(q >= 0 && q <= 1)) return NaN;
    const rank = q * (n - 1);
    if (rank < this.zeroCount) return 0;
    return MAPPING.value(this.store.keyAtRank(rank - this.zeroCount));
  }

  merge(other: Sketch): void {
    this.store.merge(other.store);
    this.zeroCount += other.zeroCount;
  }

  /** base64 of the DDSketch protobuf message. */
  encode(): string {
    const w = new Writer(64 + (this.store.count > 0 ? (this.store.maxKey - this.store.minKey + 1) * 8 : 0));
    const mapping = new Writer();
    mapping.tag(1, 1).double(MAPPING.gamma);
    mapping.tag(2, 1).double(MAPPING._offset);
    w.tag(1, 2).bytes(mapping.finish());
    w.tag(2, 2).bytes(encodeStore(this.store));
    w.tag(3, 2).bytes(new Uint8Array(0));
    if (this.zeroCount > 0) w.tag(4, 1).double(this.zeroCount);
    return Buffer.from(w.finish()).toString('base64');
  }

  /** Reads `encode`'s form (or any DDSketch protobuf of the same mapping and no negative values). */
  static decode(b64: string): Sketch {
    const s = new Sketch();
    const r = new Reader(Buffer.from(b64, 'base64'));
    let gamma = NaN;
    let offset = 0;
    while (r.more()) {
      const [field, wire] = r.tag();
      if (field === 1 && wire === 2) {
        const m = new Reader(r.bytes());
        while (m.more()) {
          const [f, w] = m.tag();
          if (f === 1 && w === 1) gamma = m.double();
          else if (f === 2 && w === 1) offset = m.double();
          else m.skipField(w);
        }
      } else if ((field === 2 || field === 3) && wire === 2) {
        const bins = decodeStore(r.bytes());
        if (field === 3 && bins.length > 0) throw new SketchError('sketch has negative values: Sluice sketches hold values >= 0 only');
        for (const [key, n] of bins) if (n > 0) s.store.add(key, n);
      } else if (field === 4 && wire === 1) s.zeroCount += r.double();
      else r.skipField(wire);
    }
    if (!(Math.abs(gamma - MAPPING.gamma) < 1e-12) || Math.abs(offset - MAPPING._offset) > 1e-12) {
      throw new SketchError(`sketch of another mapping (gamma ${gamma}, offset ${offset}): only sketches of relative accuracy ${RELATIVE_ACCURACY} merge`);
    }
    return s;
  }
}

/** Store message: contiguous counts (field 2) from the lowest bin's key (field 3); empty when no values. */
function encodeStore(st: DenseStore): Uint8Array {
  const w = new Writer(16 + (st.count > 0 ? (st.maxKey - st.minKey + 1) * 8 : 0));
  if (st.count === 0) return w.finish();
  const packed = new Writer((st.maxKey - st.minKey + 1) * 8);
  for (let k = st.minKey; k <= st.maxKey; k++) packed.double(st.bins[k - st.offset] ?? 0);
  w.tag(2, 2).bytes(packed.finish());
  w.tag(3, 0).sint32(st.minKey);
  return w.finish();
}

function decodeStore(buf: Uint8Array): Array<[number, number]> {
  const r = new Reader(buf);
  const out: Array<[number, number]> = [];
  const contiguous: number[] = [];
  let offset = 0;
  while (r.more()) {
    const [field, wire] = r.tag();
    if (field === 1 && wire === 2) {
      const e = new Reader(r.bytes());
      let key = 0;
      let n = 0;
      while (e.more()) {
        const [f, w] = e.tag();
        if (f === 1 && w === 0) key = e.sint32();
        else if (f === 2 && w === 1) n = e.double();
        else e.skipField(w);
      }
      out.push([key, n]);
    } else if (field === 2 && wire === 2) {
      const p = new Reader(r.bytes());
      while (p.more()) contiguous.push(p.double());
    } else if (field === 2 && wire === 1) contiguous.push(r.double());
    else if (field === 3 && wire === 0) offset = r.sint32();
    else r.skipField(wire);
  }
  contiguous.forEach((n, i) => out.push([offset + i, n]));
  return out;
}

/** Protobuf wire writing into a growing buffer: varints, zigzag sint32, little-endian doubles, length-delimited bytes. */
class Writer {
  private buf: Buffer;
  private at = 0;

  constructor(size = 64) {
    this.buf = Buffer.allocUnsafe(size);
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }

  varint(v: number): this {
    this.room(5);
    let n = v >>> 0;
    while (n > 0x7f) {
      this.buf[this.at++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.at++] = n;
    return this;
  }

  sint32(v: number): this {
    return this.varint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  double(v: number): this {
    this.room(8);
    this.at = this.buf.writeDoubleLE(v, this.at);
    return this;
  }

  bytes(b: Uint8Array): this {
    this.varint(b.length);
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
    return this;
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
}

class Reader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  more(): boolean {
    return this.pos < this.buf.length;
  }

  varint(): number {
    let v = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.buf.length) throw new SketchError('truncated sketch (varint)');
      const b = this.buf[this.pos++]!;
      if (shift < 32) v |= (b & 0x7f) << shift;
      if (b < 0x80) return v >>> 0;
      shift += 7;
      if (shift > 63) throw new SketchError('bad sketch (varint too long)');
    }
  }

  tag(): [number, number] {
    const t = this.varint();
    return [t >>> 3, t & 7];
  }

  sint32(): number {
    const v = this.varint();
    return (v >>> 1) ^ -(v & 1);
  }

  double(): number {
    if (this.pos + 8 > this.buf.length) throw new SketchError('truncated sketch (double)');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  bytes(): Uint8Array {
    const n = this.varint();
    if (this.pos + n > this.buf.length) throw new SketchError('truncated sketch (bytes)');
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  skipField(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new SketchError(`bad sketch (wire type ${wire})`);
  }
}
