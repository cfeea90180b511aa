import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../../shared/index/body-buffers.ts';
import { BulkChunker, type BulkChunk } from '../../../shared/index/bulk.ts';

describe('body buffers', () => {
  it('hands a buffer given back to the next take, and new ones when none is kept', () => {
    const pool = new BufferPool(1024, 2);
    const a = pool.take();
    expect(a.length).toBe(1024);
    pool.give([a]);
    expect(pool.kept).toBe(1);
    expect(pool.take()).toBe(a);
    expect(pool.take()).not.toBe(a);
  });

  it('keeps at most `max` buffers, and only whole buffers of its size', () => {
    const pool = new BufferPool(1024, 2);
    pool.give([Buffer.alloc(512), Buffer.alloc(2048), Buffer.alloc(2048).subarray(0, 1024)]);
    expect(pool.kept).toBe(0);
    pool.give([Buffer.alloc(1024), Buffer.alloc(1024), Buffer.alloc(1024)]);
    expect(pool.kept).toBe(2);
  });

  it('a chunker with a pool writes into pooled buffers and gives them back once, on release', () => {
    const pool = new BufferPool(64, 4);
    const kept = pool.take();
    kept.fill(0x78);
    pool.give([kept]);
    const chunks: BulkChunk[] = [];
    const c = new BulkChunker(64, (x) => chunks.push(x), pool);
    // Pairs of 41 bytes: one a 64-byte body.
    const one = '{"a":"' + '1'.repeat(20) + '"}';
    const two = '{"a":"' + '2'.repeat(20) + '"}';
    const big = '{"b":"' + 'y'.repeat(100) + '"}';
    c.add('{"index":{}}\n', one, 0);
    // The first body is written into the kept buffer; its old bytes never show.
    expect(c.last.buf.buffer).toBe(kept.buffer);
    c.add('{"index":{}}\n', two, 1);
    c.add('{"index":{}}\n', big, 2);
    c.flush();
    expect(chunks.map((x) => x.body.toString())).toEqual(['{"index":{}}\n' + one + '\n', '{"index":{}}\n' + two + '\n', '{"index":{}}\n' + big + '\n']);
    expect(pool.kept).toBe(0);
    c.release();
    // The two buffers of the pool's size are back; the one grown for the large pair is left to the GC.
    expect(pool.kept).toBe(2);
    c.release();
    expect(pool.kept).toBe(2);
  });

  it('a chunker without a pool leaves its buffers to the GC', () => {
    const chunks: BulkChunk[] = [];
    const c = new BulkChunker(64, (x) => chunks.push(x));
    c.add('{"index":{}}\n', '{"a":1}', 0);
    c.flush();
    c.release();
    expect(chunks[0]!.body.toString()).toBe('{"index":{}}\n{"a":1}\n');
  });
});
