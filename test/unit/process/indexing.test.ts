import { describe, expect, it } from 'vitest';
import { BulkPipeline, IndexingIncompleteError, bodyBuffers, type BulkRunOptions } from '../../../shared/process/indexing.ts';
import { FIRST_CAPACITY } from '../../../shared/index/bulk.ts';
import type { BulkItemResult, SearchSink } from '../../../shared/index/ports.ts';

/** A sink answering every item with `status`, keeping a copy of each body. */
function sink(status: number): SearchSink & { bodies: string[] } {
  const bodies: string[] = [];
  return {
    bodies,
    ensureTargets: async () => [],
    forget: () => undefined,
    async bulk(body: Buffer): Promise<BulkItemResult[]> {
      const text = body.toString('utf8');
      bodies.push(text);
      return Array.from({ length: text.split('\n').length >> 1 }, () => ({ status }));
    },
  };
}

function options(deadlineMs: number): BulkRunOptions {
  let t = 0;
  return { maxBytes: FIRST_CAPACITY, deadline: deadlineMs, now: () => t, sleep: async (ms) => void (t += ms), random: () => 0.5 };
}

function emptyPool(): void {
  while (bodyBuffers.kept > 0) bodyBuffers.take();
}

describe('bulk pipeline body buffers', () => {
  it('gives its bodies\' buffers back once every item is answered, and the next pipeline writes only its own pairs into them', async () => {
    emptyPool();
    const first = sink(201);
    const p1 = new BulkPipeline(first, options(60_000));
    for (let i = 0; i < 3; i++) p1.addPair(i, '{"index":{"_id":"a' + i + '"}}\n', '{"n":"' + 'x'.repeat(200) + '"}');
    expect((await p1.finish()).ok).toEqual([0, 1, 2]);
    expect(bodyBuffers.kept).toBe(1);

    const second = sink(201);
    const p2 = new BulkPipeline(second, options(60_000));
    p2.addPair(0, '{"index":{"_id":"b"}}\n', '{"n":1}');
    // The kept buffer is in use again.
    expect(bodyBuffers.kept).toBe(0);
    await p2.finish();
    expect(second.bodies).toEqual(['{"index":{"_id":"b"}}\n{"n":1}\n']);
    expect(bodyBuffers.kept).toBe(1);
  });

  it('keeps its buffers when it ends without every item answered (nothing reuses bytes a retry may still need)', async () => {
    emptyPool();
    const p = new BulkPipeline(sink(429), options(1_000));
    p.addPair(0, '{"index":{"_id":"c"}}\n', '{"n":2}');
    await expect(p.finish()).rejects.toBeInstanceOf(IndexingIncompleteError);
    expect(bodyBuffers.kept).toBe(0);
  });
});
