/**
 * ArcSight Common Event Format:
 *   CEF:Version|Device Vendor|Device Product|Device Version|Signature ID|Name|Severity|Extension
 * Header fields escape `\|` and `\\`; the extension is space-separated `key=value` pairs whose values
 * may contain spaces (a value ends where the next ` key=` begins), escaping `\=`, `\\`, `\n`, `\r`.
 * Message: Name. Level from Severity: 0-3 / Low -> notice, 4-6 / Medium -> warn, 7-8 / High -> error,
 * 9-10 / Very-High -> critical. Time from the `rt` extension (else `end`, `start`). Host: `dvchost`.
 */
import type { Draft } from './draft.ts';
import type { Level } from './types.ts';
import { epochToMs, parseTimestampString } from './time.ts';
import type { Cursor } from './cursor.ts';

function severityLevel(sev: string): Level | undefined {
  const n = Number(sev);
  if (sev.length > 0 && Number.isFinite(n)) {
    if (n < 0 || n > 10) return undefined;
    if (n <= 3) return 'notice';
    if (n <= 6) return 'warn';
    if (n <= 8) return 'error';
    return 'critical';
  }
  switch (sev.toLowerCase()) {
    case 'low':
      return 'notice';
    case 'medium':
      return 'warn';
    case 'high':
      return 'error';
    case 'very-high':
    case 'very high':
      return 'critical';
    default:
      return undefined;
  }
}

function unescapeHeader(s: string): string {
  return s.indexOf('\\') < 0 ? s : s.replace(/\\([|\\])/g, '$1');
}

function unescapeExt(s: string): string {
  if (s.indexOf('\\') < 0) return s;
  return s.replace(/\\([=\\nr|])/g, (_m, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}

function isKeyChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x5f ||
    c === 0x2e ||
    c === 0x2d ||
    c === 0x5b ||
    c === 0x5d
  );
}

/** Extension pairs of s[i..]. */
export function parseExtension(s: string, i: number): Record<string, string> {
  const out: Record<string, string> = {};
  // Positions of unescaped '=' whose preceding token is a key.
  const n = s.length;
  let key: string | undefined;
  let valueStart = 0;
  let j = i;
  while (j < n) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) {
      j += 2;
      continue;
    }
    if (c === 0x3d) {
      // Back up over the key.
      let k = j;
      while (k > i && isKeyChar(s.charCodeAt(k - 1))) k--;
      if (k < j && (k === i || s.charCodeAt(k - 1) === 0x20)) {
        if (key !== undefined) out[key] = unescapeExt(s.slice(valueStart, k > valueStart ? k - 1 : k).trimEnd());
        key = s.slice(k, j);
        valueStart = j + 1;
      }
    }
    j++;
  }
  if (key !== undefined) out[key] = unescapeExt(s.slice(valueStart).trimEnd());
  return out;
}

/** Extension keys holding the event time, in order of preference. */
const TIME_KEYS = ['rt', 'end', 'start'];

/** The event time: the first of rt, end, start that reads as epoch (s or ms) or a timestamp. */
function eventTime(cur: Cursor, ext: Record<string, string>, ref: number, d: Draft): void {
  for (const k of TIME_KEYS) {
    const v = ext[k];
    if (v === undefined) continue;
    const num = Number(v);
    const t = v !== '' && Number.isFinite(num) ? epochToMs(num) : parseTimestampString(cur, v, ref);
    if (!Number.isNaN(t)) {
      d.t = t;
      d.tRaw = v;
      d.tKey = 'timestamp';
      break;
    }
  }
}

export function parseCef(cur: Cursor, line: string, start: number, ref: number, d: Draft): boolean {
  if (!line.startsWith('CEF:', start)) return false;
  const parts: string[] = [];
  let i = start + 4;
  let fs = i;
  while (i < line.length && parts.length < 7) {
    const c = line.charCodeAt(i);
    if (c === 0x5c) {
      i += 2;
      continue;
    }
    if (c === 0x7c) {
      parts.push(unescapeHeader(line.slice(fs, i)));
      fs = i + 1;
    }
    i++;
  }
  if (parts.length < 7) {
    // Severity may end the line with no trailing pipe.
    if (parts.length === 6) parts.push(unescapeHeader(line.slice(fs)));
    else return false;
    fs = line.length;
  }
  const [version, vendor, product, dversion, sigId, name, severity] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const ext = parseExtension(line, Math.min(fs, line.length));
  d.format = 'cef';
  d.message = name;
  d.level = severityLevel(severity.trim());
  d.service = product !== '' ? product : undefined;
  if (ext.dvchost !== undefined) d.host = ext.dvchost;
  eventTime(cur, ext, ref, d);
  d.fields = {
    cef_version: version,
    device_vendor: vendor,
    device_product: product,
    device_version: dversion,
    signature_id: sigId,
    severity,
    extension: ext,
  };
  return true;
}
