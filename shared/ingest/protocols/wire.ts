/**
 * A protobuf wire-format reader (and the few writes our answers need), for the handful of messages the
 * protocols carry (OTLP logs, Loki push). Hand-written rather than protobufjs: the ingest bundle stays
 * small and its cold start short (no reflection, no generated code); OpenTelemetry JS's own
 * otlp-transformer does the same. Every read is bounds-checked: a truncated or inconsistent message
 * throws `WireError`, which the protocol answers as a malformed request.
 */

export class WireError extends Error {
  override readonly name = 'WireError';
}

export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/** A cursor over one message's bytes (`end` exclusive). */
export class Reader {
  pos: number;
  end: number;
  readonly buf: Buffer;
  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    // A Buffer view (no copy): its utf8 decoding is faster than TextDecoder's for short strings.
    this.buf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length);
    this.pos = start;
    this.end = end;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** Wire type of the field `field()` read last. */
  wire = 0;
  /** End of the payload `open()` read last. */
  openEnd = 0;

  /** The next field's number (its wire type in `wire`): `tag()` without the pair. */
  field(): number {
    const t = this.varint();
    const field = Math.floor(t / 8);
    this.wire = t % 8;
    if (field < 1) throw new WireError(`invalid field number 0 at byte ${this.pos}`);
    return field;
  }

  /** Start of the next length-delimited payload (its end in `openEnd`); the cursor moves past it. */
  open(): number {
    const len = this.varint();
    const start = this.pos;
    if (len > this.end - start) throw new WireError(`length ${len} runs past the end of the message`);
    this.pos = start + len;
    this.openEnd = start + len;
    return start;
  }

  /** The next field's tag as [field number, wire type]. */
  tag(): [number, number] {
    const t = this.varint();
    const field = Math.floor(t / 8);
    const wire = t % 8;
    if (field < 1) throw new WireError(`invalid field number 0 at byte ${this.pos}`);
    return [field, wire];
  }

  /** A varint as a JS number (exact up to 2^53; larger values lose precision, which no field we read needs). */
  varint(): number {
    // Tags and most lengths take one or two bytes: read them without the loop's float arithmetic.
    const p = this.pos;
    if (p + 1 < this.end) {
      const b0 = this.buf[p]!;
      if (b0 < 0x80) {
        this.pos = p + 1;
        return b0;
      }
      const b1 = this.buf[p + 1]!;
      if (b1 < 0x80) {
        this.pos = p + 2;
        return (b0 & 0x7f) | (b1 << 7);
      }
    }
    return this.varintLoop();
  }

  private varintLoop(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new WireError('varint longer than 10 bytes');
  }

  /** A varint as an exact unsigned 64-bit bigint. */
  varint64(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return result & 0xffffffffffffffffn;
      shift += 7n;
    }
    throw new WireError('varint longer than 10 bytes');
  }

  /** int64 (two's complement varint) as a decimal string, exact. */
  int64String(): string {
    const u = this.varint64();
    return (u >= 0x8000000000000000n ? u - 0x10000000000000000n : u).toString();
  }

  fixed64(): bigint {
    if (this.pos + 8 > this.end) throw new WireError('truncated fixed64');
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) throw new WireError('truncated fixed32');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new WireError('truncated double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** The [start, end) range of a length-delimited field's payload. */
  span(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    if (len > this.end - start) throw new WireError(`length ${len} runs past the end of the message`);
    this.pos = start + len;
    return [start, start + len];
  }

  /** A sub-reader over the next length-delimited field. */
  message(): Reader {
    const [s, e] = this.span();
    return new Reader(this.buf, s, e);
  }

  bytes(): Uint8Array {
    const [s, e] = this.span();
    return this.buf.subarray(s, e);
  }

  /** A `string` field; invalid UTF-8 becomes U+FFFD, as protobuf runtimes do. */
  string(): string {
    const [s, e] = this.span();
    return this.buf.toString('utf8', s, e);
  }

  skipField(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_I64:
        if (this.pos + 8 > this.end) throw new WireError('truncated fixed64');
        this.pos += 8;
        return;
      case WIRE_LEN:
        this.span();
        return;
      case WIRE_I32:
        if (this.pos + 4 > this.end) throw new WireError('truncated fixed32');
        this.pos += 4;
        return;
      default:
        throw new WireError(`unsupported wire type ${wire} (groups are not used by these messages)`);
    }
  }
}

/** Throws unless `wire` is the expected wire type for field `field` of `message`. */
export function expectWire(message: string, field: number, wire: number, expected: number): void {
  if (wire !== expected) throw new WireError(`${message} field ${field} has wire type ${wire}, expected ${expected}`);
}

/** A minimal writer: enough for the response messages and for tests (varints, strings, nested messages). */
export class Writer {
  private parts: Buffer[] = [];

  varint(v: number | bigint): this {
    let n = BigInt.asUintN(64, BigInt(v));
    const out: number[] = [];
    while (n >= 0x80n) {
      out.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    out.push(Number(n));
    this.parts.push(Buffer.from(out));
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }

  bytesField(field: number, bytes: Uint8Array): this {
    this.tag(field, WIRE_LEN).varint(bytes.length);
    this.parts.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length));
    return this;
  }

  stringField(field: number, s: string): this {
    return this.bytesField(field, Buffer.from(s, 'utf8'));
  }

  varintField(field: number, v: number | bigint): this {
    return this.tag(field, WIRE_VARINT).varint(v);
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}
