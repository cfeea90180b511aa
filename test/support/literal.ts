/** Checks for the envelope's literal writer (shared/envelope/literal.ts), shared by its tests and the OTLP writer's. */
import { expect } from 'vitest';
import type { LiteralWriter } from '../../shared/envelope/literal.ts';

/** The literal form of a raw JSON text: the text as a JSON string, without its quotes. */
export const literalOf = (raw: string): string => JSON.stringify(raw).slice(1, -1);

/**
 * Writes `b` as a UTF-8 string and checks the literal against what Buffer#toString decodes (invalid
 * bytes as U+FFFD), its raw byte count, and the validity flag.
 */
export function expectUtf8String(w: LiteralWriter, b: Buffer): void {
  w.begin();
  const valid = w.utf8String(b, 0, b.length);
  const l = w.end();
  const text = JSON.stringify(b.toString('utf8'));
  expect(l.lit.toString('utf8')).toBe(literalOf(text));
  expect(l.rawBytes).toBe(Buffer.byteLength(text));
  expect(valid).toBe(Buffer.from(b.toString('utf8')).equals(b));
}
