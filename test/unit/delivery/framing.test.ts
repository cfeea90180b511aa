import { describe, expect, it } from 'vitest';
import {
  CLAIM_CHECK_PREFIX,
  claimCheckKey,
  claimCheckSpill,
  inlineSpill,
  MAX_INLINE_SPILL_BYTES,
  NotASpillRecordError,
  parseSpill,
} from '../../../shared/delivery/framing.ts';

describe('spill framing', () => {
  it('round-trips a record inline, byte for byte (including newlines and non-UTF-8 bytes in the value)', () => {
    const value = Buffer.concat([Buffer.from('{"id":"e1","raw":"a\\nb"}\n'), Buffer.from([0xff, 0x00, 0x0a])]);
    const s = inlineSpill({ topic: 'logs.raw', key: 'tenant#3', value })!;
    expect(s.partitionKey).toBe('tenant#3');
    expect(s.data.subarray(0, s.data.indexOf(0x0a)).toString()).toBe('{"t":"logs.raw","k":"tenant#3"}');
    const back = parseSpill(s.data);
    expect(back.kind).toBe('inline');
    if (back.kind === 'inline') {
      expect(back.record.topic).toBe('logs.raw');
      expect(back.record.key).toBe('tenant#3');
      expect(back.record.value.equals(value)).toBe(true);
    }
  });

  it('goes inline up to the Kinesis limit counting header and partition key, and not one byte more', () => {
    const key = 'k';
    const header = Buffer.byteLength('{"t":"logs.raw","k":"k"}\n');
    const fits = MAX_INLINE_SPILL_BYTES - header - key.length;
    expect(inlineSpill({ topic: 'logs.raw', key, value: Buffer.alloc(fits) })?.data.byteLength).toBe(MAX_INLINE_SPILL_BYTES - 1);
    expect(inlineSpill({ topic: 'logs.raw', key, value: Buffer.alloc(fits + 1) })).toBeUndefined();
  });

  it('names a claim check by the sha256 of its value under spill/, and points at it', () => {
    const value = Buffer.from('x');
    const key = claimCheckKey(value);
    expect(key).toBe(`${CLAIM_CHECK_PREFIX}2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881`);
    expect(parseSpill(claimCheckSpill({ topic: 'logs.raw', key: 't', value }, key).data)).toEqual({
      kind: 'claimCheck',
      topic: 'logs.raw',
      key: 't',
      objectKey: key,
    });
  });

  it.each([
    ['not JSON', Buffer.from('hello\nworld')],
    ['no key', Buffer.from('{"t":"logs.raw"}\nvalue')],
    ['a header alone', Buffer.from('{"t":"logs.raw","k":"a"}')],
    ['a pointer outside spill/', Buffer.from('{"t":"logs.raw","k":"a","s3":"raw/tenant/x.gz"}')],
    ['a JSON array', Buffer.from('[1]\nx')],
  ])('refuses %s with NotASpillRecordError', (_, data) => {
    expect(() => parseSpill(data)).toThrow(NotASpillRecordError);
  });
});
