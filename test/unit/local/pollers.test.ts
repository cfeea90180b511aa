/** What the local poller logs when a batch fails: the causes a client's retries gathered, not only their count. */
import { describe, expect, it } from 'vitest';
import { describeFailure, pollEvery } from '../../../local/pollers.ts';

describe('describeFailure', () => {
  it('names the distinct causes behind a "failed N times" error', () => {
    const err = Object.assign(new Error('fetch failed 3 times.'), { errors: [new Error('Request timed out.'), new Error('Request timed out.'), new Error('Connection closed')] });
    expect(describeFailure(err)).toBe('fetch failed 3 times. Request timed out.; Connection closed');
  });

  it('is the message alone for an error without causes', () => {
    expect(describeFailure(new Error('Topic logs.raw does not exist'))).toBe('Topic logs.raw does not exist');
    expect(describeFailure('plain text')).toBe('plain text');
  });
});

describe('pollEvery', () => {
  it('looks every 100 ms with no batching window, a tenth of a window, at most every second', () => {
    expect(pollEvery(0)).toBe(100);
    expect(pollEvery(500)).toBe(100);
    expect(pollEvery(5_000)).toBe(500);
    expect(pollEvery(10_000)).toBe(1_000);
    expect(pollEvery(300_000)).toBe(1_000);
  });
});
