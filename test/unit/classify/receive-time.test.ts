/** A line without a plausible timestamp takes its receive time, exactly, whatever that instant is. */
import { describe, expect, it } from 'vitest';
import { classify } from '../../../shared/classify/index.ts';

describe('the receive time as the fallback timestamp', () => {
  it('is the receive instant to the millisecond, through the memo or not', () => {
    const instants = [
      '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.007Z', '2026-01-01T00:00:00.007Z', '2026-01-01T00:00:01.999Z',
      '1970-01-01T00:00:00.000Z', '1969-12-31T23:59:59.500Z', '9999-12-31T23:59:59.999Z', '+010000-01-01T00:00:00.000Z',
    ];
    // Repeated and interleaved, so a stale memo entry would show.
    for (const iso of [...instants, ...instants.reverse()]) {
      const c = classify('cache warm-up finished without errors', new Date(iso));
      expect(c.timestamp).toBe(iso);
      expect(c.flags).toContain('timestamp_fallback');
    }
  });
});
