/**
 * gzip NDJSON encoding of archive objects (pure): one line per record, `\n`-terminated.
 */
import { promisify } from 'node:util';
import { constants, gunzip, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

const NEWLINE = Buffer.from('\n');

/** The uncompressed object: each line followed by `\n`. */
export function joinLines(lines: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const l of lines) parts.push(l, NEWLINE);
  return Buffer.concat(parts);
}

/** gzip (level 6 by default: about 5-8x on log envelopes; runs on the libuv pool, off the main thread). */
export async function encodeNdjsonGz(lines: readonly Buffer[], level = 6): Promise<Buffer> {
  return gzipAsync(joinLines(lines), { level, memLevel: 9, strategy: constants.Z_DEFAULT_STRATEGY });
}

/** Splits an uncompressed NDJSON body into its lines (without the `\n`); ignores a final empty line. */
export function splitLines(body: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (;;) {
    const nl = body.indexOf(0x0a, start);
    if (nl === -1) {
      if (start < body.length) out.push(body.subarray(start));
      return out;
    }
    out.push(body.subarray(start, nl));
    start = nl + 1;
  }
}

export async function decodeNdjsonGz(gz: Buffer): Promise<Buffer[]> {
  return splitLines(await gunzipAsync(gz));
}
