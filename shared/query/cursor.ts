/**
 * Cursors: where a page or a tail stopped, as an opaque URL-safe string. A cursor is the sort
 * values of the last event returned ([time in ms, event id]), base64url-encoded JSON; read back,
 * it is checked to be exactly that shape, so a forged cursor cannot carry anything else to
 * OpenSearch's `search_after`.
 */
export type Cursor = [number, string];

export class CursorError extends Error {
  override readonly name = 'CursorError';
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c), 'utf8').toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  const bad = () => new CursorError('The cursor is not one Sluice gave out; pass the "next" (search) or "cursor" (tail) value of a previous answer unchanged, or leave it out to start over.');
  if (text.length > 512 || !/^[A-Za-z0-9_-]+$/.test(text)) throw bad();
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(v) || v.length !== 2 || !Number.isSafeInteger(v[0]) || typeof v[1] !== 'string' || v[1].length > 256) throw bad();
  return [v[0] as number, v[1] as string];
}
