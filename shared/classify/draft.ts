import type { Format, Level } from './types.ts';

/** What a format parser fills in; `classify` turns it into a `Classified` (timestamp checks, ISO). */
export interface Draft {
  /** Event time in epoch ms, NaN when none was read. */
  t: number;
  /** The timestamp as written: kept in `fields[tKey]` when the time is implausible. */
  tRaw: unknown;
  /** Key under which `tRaw` is kept (default `timestamp`; JSON: the key it came from). */
  tKey: string;
  message: string;
  level: Level | undefined;
  format: Format;
  host: string | undefined;
  service: string | undefined;
  fields: Record<string, unknown>;
}

export function newDraft(): Draft {
  return {
    t: NaN,
    tRaw: undefined,
    tKey: 'timestamp',
    message: '',
    level: undefined,
    format: 'text',
    host: undefined,
    service: undefined,
    fields: {},
  };
}

/** Trailing spaces, tabs and CRs removed (a message's trailing whitespace carries nothing). */
export function trimEnd(s: string): string {
  let e = s.length;
  while (e > 0) {
    const c = s.charCodeAt(e - 1);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d) break;
    e--;
  }
  return e === s.length ? s : s.slice(0, e);
}

/** Index of the first non-space/tab character at or after i. */
export function skipSpaces(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09) break;
    i++;
  }
  return i;
}

export function isAllDigits(s: string, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}
