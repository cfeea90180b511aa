import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IngestError, decodeBody, parseIngest, parseContentEncoding, zstdSupported } from '../../../shared/ingest/index.ts';
import { CTX, req } from './helpers.ts';

function err(fn: () => unknown): IngestError {
  try {
    fn();
  } catch (e) {
    if (e instanceof IngestError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

const NDJSON = '{"a":1}\n{"a":2}\n';
const MB6 = 6 * 1024 * 1024;

describe('Content-Encoding', () => {
  it('gzip', () => {
    const r = parseIngest(req(zlib.gzipSync(NDJSON), { 'content-encoding': 'gzip' }), CTX);
    expect(r.records.map((x) => x.envelope.raw)).toEqual(['{"a":1}', '{"a":2}']);
  });

  it('deflate: zlib-wrapped and raw', () => {
    for (const body of [zlib.deflateSync(NDJSON), zlib.deflateRawSync(NDJSON)]) {
      expect(decodeBody(body, 'deflate', MB6).toString()).toBe(NDJSON);
    }
  });

  it('zstd when Node has it (feature test), else 415', () => {
    const z = (zlib as unknown as { zstdCompressSync?: (b: Buffer) => Buffer }).zstdCompressSync;
    if (zstdSupported() && z) {
      expect(decodeBody(z(Buffer.from(NDJSON)), 'zstd', MB6).toString()).toBe(NDJSON);
    } else {
      expect(err(() => parseContentEncoding('zstd')).status).toBe(415);
    }
  });

  it('stacked encodings are undone in reverse order; identity ignored', () => {
    const body = zlib.gzipSync(zlib.deflateSync(NDJSON));
    expect(decodeBody(body, 'deflate, identity, gzip', MB6).toString()).toBe(NDJSON);
  });

  it('unknown encoding -> 415 naming the supported ones', () => {
    const e = err(() => decodeBody(Buffer.from('x'), 'br', MB6));
    expect(e.status).toBe(415);
    expect(e.code).toBe('unsupported_encoding');
    expect(e.message).toMatch(/gzip/);
  });

  it('undecodable gzip -> 400 bad_encoding with a clear message', () => {
    const e = err(() => parseIngest(req(Buffer.from('this is not gzip'), { 'content-encoding': 'gzip' }), CTX));
    expect(e.status).toBe(400);
    expect(e.code).toBe('bad_encoding');
    expect(e.message).toMatch(/not valid gzip/);
  });

  it('truncated gzip -> 400 saying it is truncated', () => {
    const gz = zlib.gzipSync(Buffer.from(NDJSON.repeat(1000)));
    const e = err(() => parseIngest(req(gz.subarray(0, gz.length - 20), { 'content-encoding': 'gzip' }), CTX));
    expect(e.status).toBe(400);
    expect(e.code).toBe('bad_encoding');
    expect(e.message).toMatch(/truncated/);
  });

  it('decompression bomb -> 413 without inflating it all', () => {
    // 256 MiB of zeros is ~250 KB of gzip; with a 6 MiB limit we must stop after ~6 MiB.
    const bomb = zlib.gzipSync(Buffer.alloc(256 * 1024 * 1024), { level: 9 });
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    const e = err(() => parseIngest(req(bomb, { 'content-encoding': 'gzip' }), CTX));
    const ms = performance.now() - t0;
    expect(e.status).toBe(413);
    expect(e.code).toBe('body_too_large');
    expect(e.message).toMatch(/after gzip decoding; the limit is 6291456 bytes/);
    expect(e.message).toMatch(/Split the batch/);
    expect(ms).toBeLessThan(1000); // inflating 256 MiB would take far longer
    expect(process.memoryUsage().rss - rss0).toBeLessThan(100 * 1024 * 1024);
  });

  it('the limit applies to the decoded body as well as the wire body (configurable)', () => {
    const plain = Buffer.from('x'.repeat(2000) + '\n');
    const gz = zlib.gzipSync(plain); // small on the wire
    expect(gz.length).toBeLessThan(1000);
    const e = err(() => parseIngest(req(gz, { 'content-encoding': 'gzip' }), { ...CTX, limits: { maxBodyBytes: 1000 } }));
    expect(e.status).toBe(413);
    expect(e.message).toMatch(/the limit is 1000 bytes/);
  });
});

describe('body limit on the wire', () => {
  it('body over the limit -> 413 naming the size and the limit', () => {
    const body = Buffer.alloc(7340032, 'a');
    const e = err(() => parseIngest(req(body), CTX));
    expect(e.status).toBe(413);
    expect(e.message).toBe(
      'Body is 7340032 bytes; the limit is 6291456 bytes (6 MiB). Split the batch into smaller requests.',
    );
  });

  it('a body exactly at the limit is accepted', () => {
    const line = 'y'.repeat(99) + '\n';
    const body = line.repeat(10);
    const r = parseIngest(req(body), { ...CTX, limits: { maxBodyBytes: body.length } });
    expect(r.accepted).toBe(10);
  });
});
