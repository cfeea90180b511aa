import { describe, expect, it } from 'vitest';
import { forEachLimit, mapLimit } from '../../../shared/concurrency.ts';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('mapLimit', () => {
  it('keeps at most `limit` calls in flight and returns results in item order', async () => {
    let inFlight = 0;
    let peak = 0;
    const items = Array.from({ length: 40 }, (_, i) => i);
    const out = await mapLimit(items, 3, async (n) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, (n * 7) % 5)); // finish out of order
      inFlight--;
      return n * 2;
    });
    expect(peak).toBe(3);
    expect(out).toEqual(items.map((n) => n * 2));
  });

  it('starts no item after a failure and rejects with it', async () => {
    const started: number[] = [];
    await expect(
      mapLimit(Array.from({ length: 20 }, (_, i) => i), 2, async (n) => {
        started.push(n);
        await tick();
        if (n === 3) throw new Error('item 3 failed');
        return n;
      }),
    ).rejects.toThrow('item 3 failed');
    await new Promise((r) => setTimeout(r, 20));
    expect(Math.max(...started)).toBeLessThanOrEqual(4);
  });

  it('handles no items and a limit above the count; refuses a limit below 1', async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
    const seen: number[] = [];
    await forEachLimit([1, 2], 10, async (n) => void seen.push(n));
    expect(seen.sort()).toEqual([1, 2]);
    await expect(mapLimit([1], 0, async () => 1)).rejects.toThrow(/at least 1/);
  });
});
