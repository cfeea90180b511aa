import { describe, expect, it } from 'vitest';
import { METADATA_LIMITS, parseIngest, parseTags, readMetadata } from '../../../shared/ingest/index.ts';
import { CTX, req } from './helpers.ts';

const md = (headers: Record<string, string>, query: Record<string, string> = {}) => readMetadata({ headers, query });

describe('metadata', () => {
  it('headers', () => {
    expect(md({ 'x-log-source': 'nginx', 'x-log-host': 'Web-1.Example.COM', 'x-log-tags': 'Prod, eu-west-1 ,prod,,' })).toEqual({
      source: 'nginx',
      host: 'web-1.example.com',
      tags: ['prod', 'eu-west-1'],
    });
  });

  it('query parameters; header wins for source/host, tags are merged', () => {
    expect(md({}, { source: 'q-src', host: 'q-host', tags: 'a,b' })).toEqual({ source: 'q-src', host: 'q-host', tags: ['a', 'b'] });
    expect(md({ 'x-log-source': 'h-src', 'x-log-tags': 'b,c' }, { source: 'q-src', tags: 'a,b' })).toEqual({
      source: 'h-src',
      tags: ['b', 'c', 'a'],
    });
  });

  it('control characters stripped, empty -> absent, length caps', () => {
    const m = md({ 'x-log-source': ' a\u0000b\u001b[31mc\u007f ', 'x-log-host': '\u0001\u0002', 'x-log-tags': 'x'.repeat(500) });
    expect(m.source).toBe('ab[31mc');
    expect(m.host).toBeUndefined();
    expect(m.tags).toEqual(['x'.repeat(METADATA_LIMITS.tagChars)]);
    expect(md({ 'x-log-source': 's'.repeat(1000) }).source!.length).toBe(METADATA_LIMITS.sourceChars);
  });

  it('at most 32 tags', () => {
    const many = Array.from({ length: 100 }, (_, i) => `t${i}`).join(',');
    expect(parseTags(many)).toHaveLength(METADATA_LIMITS.maxTags);
  });

  it('reaches the envelope', () => {
    const r = parseIngest(req('x', { 'x-log-source': 'app', 'x-log-tags': 'A' }, { host: 'H1' }), CTX);
    expect(r.records[0]!.envelope).toMatchObject({ source: 'app', host: 'h1', tags: ['a'] });
  });
});
