/**
 * Content-Encoding decoding with the body limit enforced on the wire AND on the decoded size.
 *
 * zlib's sync convenience methods take `maxOutputLength` and stop with ERR_BUFFER_TOO_LARGE as soon
 * as the output would pass it, so a decompression bomb costs at most `maxBodyBytes` of memory and a
 * few milliseconds, never the full inflation.
 */
import zlib from 'node:zlib';
import { IngestError } from './errors.ts';

export type ContentCoding = 'gzip' | 'deflate' | 'zstd';

type SyncDecoder = (buf: Buffer, opts: zlib.ZlibOptions) => Buffer;

// Feature test, not a version check: Node 22.15+ / 23.8+ have zstd in zlib.
const zstdDecompressSync: SyncDecoder | undefined = (() => {
  const f = (zlib as unknown as Record<string, unknown>)['zstdDecompressSync'];
  return typeof f === 'function' ? (f as SyncDecoder) : undefined;
})();

export const SUPPORTED_ENCODINGS: readonly string[] = ['gzip', 'x-gzip', 'deflate', ...(zstdDecompressSync ? ['zstd'] : []), 'identity'];

export function zstdSupported(): boolean {
  return zstdDecompressSync !== undefined;
}

function mib(n: number): string {
  return `${(n / 1048576).toFixed(n % 1048576 === 0 ? 0 : 1)} MiB`;
}

export function tooLarge(actual: number | undefined, limit: number, where: string): IngestError {
  const size = actual === undefined ? `more than ${limit} bytes` : `${actual} bytes`;
  return new IngestError(
    413,
    'body_too_large',
    `Body is ${size}${where}; the limit is ${limit} bytes (${mib(limit)}). Split the batch into smaller requests.`,
  );
}

/** Codings in the order they were applied (`Content-Encoding: gzip, zstd` = gzip first). */
export function parseContentEncoding(header: string | undefined): ContentCoding[] {
  if (!header) return [];
  const out: ContentCoding[] = [];
  for (const part of header.split(',')) {
    const c = part.trim().toLowerCase();
    if (c === '' || c === 'identity') continue;
    if (c === 'gzip' || c === 'x-gzip') out.push('gzip');
    else if (c === 'deflate') out.push('deflate');
    else if (c === 'zstd' && zstdDecompressSync) out.push('zstd');
    else {
      throw new IngestError(
        415,
        'unsupported_encoding',
        `Content-Encoding "${part.trim()}" is not supported. Use one of: ${SUPPORTED_ENCODINGS.filter((e) => e !== 'x-gzip').join(', ')}.`,
        { headers: { 'accept-encoding': SUPPORTED_ENCODINGS.filter((e) => e !== 'x-gzip' && e !== 'identity').join(', ') } },
      );
    }
  }
  if (out.length > 3) {
    throw new IngestError(415, 'unsupported_encoding', 'More than three stacked Content-Encodings; send at most one.');
  }
  return out;
}

const CHUNK = 64 * 1024;

function inflateOne(coding: ContentCoding, buf: Buffer, max: number): Buffer {
  // maxOutputLength must be >= 1; the outer check handles a 0 limit.
  const opts: zlib.ZlibOptions = { maxOutputLength: Math.max(1, max), chunkSize: CHUNK };
  switch (coding) {
    case 'gzip':
      return zlib.gunzipSync(buf, opts);
    case 'deflate':
      // HTTP "deflate" is zlib-wrapped (RFC 9110), but many clients send raw deflate: accept both.
      try {
        return zlib.inflateSync(buf, opts);
      } catch (e) {
        if (errCode(e) === 'Z_DATA_ERROR') return zlib.inflateRawSync(buf, opts);
        throw e;
      }
    case 'zstd':
      return zstdDecompressSync!(buf, { maxOutputLength: Math.max(1, max) });
  }
}

function errCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

/**
 * Checks the wire size, then decodes every Content-Encoding with the decoded size capped at `maxBodyBytes`.
 * Throws 413 `body_too_large`, 400 `bad_encoding`, 415 `unsupported_encoding`.
 */
export function decodeBody(body: Buffer, contentEncoding: string | undefined, maxBodyBytes: number): Buffer {
  if (body.length > maxBodyBytes) throw tooLarge(body.length, maxBodyBytes, '');
  const codings = parseContentEncoding(contentEncoding);
  let buf = body;
  for (let i = codings.length - 1; i >= 0; i--) {
    const coding = codings[i]!;
    if (buf.length === 0) break; // empty stays empty; the caller answers 400 empty_body
    try {
      buf = inflateOne(coding, buf, maxBodyBytes);
    } catch (e) {
      const code = errCode(e);
      if (code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(undefined, maxBodyBytes, ` after ${coding} decoding`);
      const why =
        code === 'Z_BUF_ERROR' || /unexpected end|truncated|incomplete/i.test(String((e as Error)?.message))
          ? 'the compressed data is truncated'
          : `the data is not valid ${coding} (${(e as Error)?.message ?? 'decode error'})`;
      throw new IngestError(
        400,
        'bad_encoding',
        `Content-Encoding is ${coding} but ${why}. Send the complete ${coding} stream, or drop the Content-Encoding header for an uncompressed body.`,
        { cause: e },
      );
    }
    if (buf.length > maxBodyBytes) throw tooLarge(buf.length, maxBodyBytes, ` after ${coding} decoding`);
  }
  return buf;
}
