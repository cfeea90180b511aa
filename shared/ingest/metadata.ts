/**
 * Request metadata: `X-Log-Source` / `?source=`, `X-Log-Host` / `?host=`, `X-Log-Tags` / `?tags=`.
 *
 * Metadata, never identity: nothing here can name or change the tenant. Normalisation:
 *  - control characters (C0, DEL, C1) removed, surrounding whitespace trimmed, empty -> absent;
 *  - source: case kept, at most 256 characters; host: lower-cased, at most 255 characters;
 *  - tags: comma-separated, each trimmed and lower-cased, at most 64 characters, empty ones dropped,
 *    deduplicated (first occurrence order), at most 32 tags (the rest dropped);
 *  - the header wins over the query parameter for source and host; tags from both are merged
 *    (header first).
 * Over-long values are cut, not rejected: bad metadata never costs the client its logs.
 */
import type { IngestRequest } from './http.ts';

export const METADATA_LIMITS = { sourceChars: 256, hostChars: 255, tagChars: 64, maxTags: 32 } as const;

export interface IngestMetadata {
  source?: string;
  host?: string;
  tags: string[];
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = s.slice(0, max);
  const last = out.charCodeAt(out.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) out = out.slice(0, -1); // don't split a surrogate pair
  return out.trimEnd();
}

export function cleanValue(v: string | undefined, max: number): string | undefined {
  if (v === undefined) return undefined;
  const s = cut(v.replace(CONTROL, '').trim(), max);
  return s.length > 0 ? s : undefined;
}

export function parseTags(...lists: Array<string | undefined>): string[] {
  const seen = new Set<string>();
  for (const list of lists) {
    if (!list) continue;
    for (const part of list.split(',')) {
      const t = cleanValue(part.toLowerCase(), METADATA_LIMITS.tagChars);
      if (t === undefined || seen.has(t)) continue;
      if (seen.size >= METADATA_LIMITS.maxTags) return [...seen];
      seen.add(t);
    }
  }
  return [...seen];
}

export function readMetadata(req: Pick<IngestRequest, 'headers' | 'query'>): IngestMetadata {
  const source =
    cleanValue(req.headers['x-log-source'], METADATA_LIMITS.sourceChars) ??
    cleanValue(req.query['source'], METADATA_LIMITS.sourceChars);
  const host =
    cleanValue(req.headers['x-log-host']?.toLowerCase(), METADATA_LIMITS.hostChars) ??
    cleanValue(req.query['host']?.toLowerCase(), METADATA_LIMITS.hostChars);
  const md: IngestMetadata = { tags: parseTags(req.headers['x-log-tags'], req.query['tags']) };
  if (source !== undefined) md.source = source;
  if (host !== undefined) md.host = host;
  return md;
}
