/**
 * Region on every event (issue 21): ingest stamps its stack's region on the envelope (native and the
 * shippers' protocols), the value stays JSON.stringify's, the decoder keeps it, refuses a bad one, and
 * gives an envelope written before regions the region the stage passes in (its own).
 */
import { describe, expect, it } from 'vitest';
import { decodeEnvelopeText } from '../../../shared/envelope/decode.ts';
import { encodeEnvelope } from '../../../shared/envelope/encode.ts';
import { ENVELOPE_VERSION, type RawEnvelope } from '../../../shared/envelope/types.ts';
import { parseIngest } from '../../../shared/ingest/parse.ts';
import { buildResult } from '../../../shared/ingest/protocols/events.ts';
import { CTX, req } from '../ingest/helpers.ts';
import { request } from '../protocols/helpers.ts';

const OLD: RawEnvelope = {
  v: ENVELOPE_VERSION, tenant: 'acme', id: 'e-1', receivedAt: '2026-12-01T10:00:00.000Z', tags: [], raw: 'hello',
  truncated: false, originalBytes: 5, requestId: 'r-1',
};

describe('the envelope carries its region', () => {
  it('native ingest stamps ctx.region on every envelope, right after the tenant, and the value is JSON.stringify of it', () => {
    const r = parseIngest(req('{"a":1}\nplain\n\xff', { 'x-log-host': 'h1' }), { ...CTX, region: 'eu-west-1' });
    expect(r.records.length).toBe(3);
    for (const rec of r.records) {
      expect(rec.envelope.region).toBe('eu-west-1');
      const text = rec.value.toString('utf8');
      expect(text).toBe(JSON.stringify(rec.envelope));
      expect(text.startsWith(`{"v":1,"tenant":"acme","region":"eu-west-1","id":"`)).toBe(true);
    }
  });

  it('without a region (tools, older callers) the envelope is exactly what it was before regions', () => {
    const r = parseIngest(req('one\ntwo'), CTX);
    for (const rec of r.records) {
      expect('region' in rec.envelope).toBe(false);
      expect(rec.value.toString('utf8')).toBe(JSON.stringify(rec.envelope));
    }
  });

  it('the shippers\' protocols stamp it too', () => {
    const r = buildResult(request({ path: '/es/_bulk', body: 'x' }), [{ raw: 'a' }, { doc: { message: 'b' } }], {
      tenant: 't1', region: 'ap-southeast-2', receivedAt: new Date('2026-12-01T10:00:00Z'),
      limits: { maxBodyBytes: 1 << 20, maxEventBytes: 300, maxEventsPerRequest: 10, minEventBytes: 1 },
    }, 10);
    const recs = [...r.batches(10)].flat();
    expect(recs.map((x) => x.envelope.region)).toEqual(['ap-southeast-2', 'ap-southeast-2']);
    for (const rec of recs) expect(rec.value.toString('utf8')).toBe(JSON.stringify(rec.envelope));
  });

  it('decoding keeps an envelope\'s own region over the default, and refuses one that is not a region name', () => {
    const withRegion = encodeEnvelope({ ...OLD, region: 'us-east-1' } as RawEnvelope);
    const kept = decodeEnvelopeText(withRegion, 'eu-west-1');
    expect(kept.ok && kept.envelope.region).toBe('us-east-1');
    for (const bad of ['EU-WEST-1', '../x', '', 'a'.repeat(40), 7]) {
      const r = decodeEnvelopeText(JSON.stringify({ ...OLD, region: bad }), 'eu-west-1');
      expect(r.ok, String(bad)).toBe(false);
      if (!r.ok) {
        expect(r.error).toMatch(/invalid region/);
        expect(r.tenant).toBe('acme'); // still counted against its tenant on the way to the DLQ
      }
    }
  });

  it('an envelope written before regions decodes, with the default region when one is given and none otherwise', () => {
    const old = JSON.stringify(OLD);
    const filled = decodeEnvelopeText(old, 'eu-west-1');
    expect(filled.ok && filled.envelope.region).toBe('eu-west-1');
    const plain = decodeEnvelopeText(old);
    expect(plain.ok && 'region' in plain.envelope).toBe(false);
  });
});
