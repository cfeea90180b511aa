/**
 * A template keeps its own characters, not the event it was learnt from: a word of 13+ characters
 * sliced from a message is, in V8, a view into the whole text (the raw event, or the batch it was
 * read from), and a cluster holding it would keep that text alive. The heap a miner keeps must not
 * grow with the size of the events its templates came from.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createMiner } from '../../../shared/templates/miner.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap kept by a miner of 600 templates, each learnt from a message cut out of an event of `eventChars` characters. */
function keptBytes(eventChars: number): number {
  gc();
  const before = process.memoryUsage().heapUsed;
  const m = createMiner();
  for (let i = 0; i < 600; i++) {
    const a = String.fromCharCode(97 + (i % 26), 97 + (Math.floor(i / 26) % 26));
    const msg = `Registered ${a}handlerconnection for DistributedQueueWorker and more ${i}`;
    const event = `${'x'.repeat(eventChars)} ${msg}`;
    m.add(event.slice(eventChars + 1));
  }
  gc();
  const kept = process.memoryUsage().heapUsed - before;
  expect(m.size).toBe(600);
  return kept;
}

describe('miner memory', () => {
  it('keeps no part of the event beyond the template', () => {
    const small = keptBytes(200);
    const large = keptBytes(40_000);
    // Retaining the events: 600 x 40 KB = 24 MB more for the large ones.
    expect(large).toBeLessThan(small * 2 + 2_000_000);
  });
});
