/**
 * `from`/`to` of the read routes, as ms since the epoch. Pure. The same forms as the CLI's times
 * (shared/archive/range.ts), read here so the read path does not depend on the archive's modules:
 * `now`; a duration ago (`15m`, `2h`, `7d`, `1w`, optionally `-15m`); ms since the epoch (10 to 15
 * digits); an ISO 8601 date (`2026-05-01`, UTC midnight) or date-time (`2026-05-01T10:30`, `...Z`,
 * `...+02:00`), without a zone taken as UTC. Undefined for anything else.
 */
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const LOCAL = /^\d{4}-\d{2}-\d{2}[T ]\d{2}(:\d{2}(:\d{2}(\.\d{1,9})?)?)?$/;
const ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function readTime(text: string, nowMs: number): number | undefined {
  const s = text.trim();
  if (s === 'now') return nowMs;
  const rel = /^-?(\d{1,6})([smhdw])$/.exec(s);
  if (rel) return nowMs - Number(rel[1]) * UNIT_MS[rel[2]!]!;
  if (/^\d{10,15}$/.test(s)) return Number(s);
  let iso: string | undefined;
  if (DATE.test(s)) iso = `${s}T00:00:00Z`;
  else if (LOCAL.test(s)) iso = `${s.replace(' ', 'T')}${/T\d{2}$/.test(s.replace(' ', 'T')) ? ':00' : ''}Z`;
  else if (ZONED.test(s)) iso = s;
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}
