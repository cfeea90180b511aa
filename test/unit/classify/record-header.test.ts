/**
 * A record-numbered header before an epoch (`<seq> <fields> <epoch> <flag> message`, the shape of
 * exported event tables) may hold plain words between its number and its epoch. Synthetic lines.
 */
import { describe, expect, it } from 'vitest';
import { classify } from '../../../shared/classify/index.ts';

const RECEIVED = new Date('2026-01-01T00:00:00Z');

describe('record-numbered header before an epoch', () => {
  it('accepts up to three plain words between the record number and the epoch', () => {
    const c = classify('412 full queue status 1700000000 -1 draining', RECEIVED);
    expect(c.message).toBe('draining');
    expect(c.timestampFallback).toBe(false);
    expect(c.timestamp).toBe('2023-11-14T22:13:20.000Z');
    expect(classify('98 pool state 1700000300 0 pool resized to 8 workers', RECEIVED).message).toBe('pool resized to 8 workers');
  });

  it('the same line shape with header-shaped fields reads the same way', () => {
    expect(classify('413 host-7 svc.queue state.full 1700000000 1 draining', RECEIVED).message).toBe('draining');
  });

  it('is not read without a record number, without the flag after the epoch, or with four plain words', () => {
    for (const line of [
      'job full queue status 1700000000 -1 draining',
      '412 full queue status 1700000000 draining now',
      '412 files were copied then 1700000000 -1 ok',
      '3 files copied 1717236000 times',
    ]) {
      expect(classify(line, RECEIVED).message, line).toBe(line);
    }
  });
});
