/**
 * The envelope's one home (shared/envelope/): the encoder's concatenated value equals
 * JSON.stringify of the envelope, and the decoder gives the same envelope back, for generated
 * envelopes with every optional field, hostile text in every string and sizes that grow.
 */
import { describe, expect, it } from 'vitest';
import { decodeEnvelopeText } from '../../../shared/envelope/decode.ts';
import { encodeEnvelope, envelopeValue, metadataPart, requestParts } from '../../../shared/envelope/encode.ts';
import { ENVELOPE_VERSION, type RawEnvelope } from '../../../shared/envelope/types.ts';
import { rng } from '../../support/random.ts';

const ALPHABET = ['a', 'Z', '0', ' ', '"', '\\', '\n', '\t', '\u0000', '\u001f', 'é', '€', '\u2028', '😀', '\ufffd', '{', '}', ',', ':'];

function text(r: () => number, max: number): string {
  let s = '';
  const n = Math.floor(r() * max);
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(r() * ALPHABET.length)];
  return s;
}

function envelope(r: () => number, rawMax: number): RawEnvelope {
  const e: RawEnvelope = {
    v: ENVELOPE_VERSION,
    tenant: `t-${Math.floor(r() * 1e6)}`,
    id: '01938f6e-7a2b-7c3d-8e4f-' + Math.floor(r() * 1e12).toString(16).padStart(12, '0'),
    receivedAt: new Date(1_700_000_000_000 + Math.floor(r() * 1e10)).toISOString(),
    tags: Array.from({ length: Math.floor(r() * 4) }, () => text(r, 12)),
    raw: text(r, rawMax),
    truncated: r() < 0.3,
    originalBytes: Math.floor(r() * 2_000_000),
    requestId: text(r, 40),
  };
  // Optional fields in RawEnvelope's order, as ingest sets them.
  const out: Record<string, unknown> = { v: e.v, tenant: e.tenant };
  if (r() < 0.7) out.region = ['local', 'eu-west-1', 'ap-southeast-2'][Math.floor(r() * 3)];
  Object.assign(out, { id: e.id, receivedAt: e.receivedAt });
  if (r() < 0.5) out.source = text(r, 30);
  if (r() < 0.5) out.host = text(r, 30);
  Object.assign(out, { tags: e.tags, raw: e.raw, truncated: e.truncated, originalBytes: e.originalBytes });
  if (r() < 0.2) out.invalidUtf8 = true;
  out.requestId = e.requestId;
  return out as unknown as RawEnvelope;
}

describe('envelope encode -> decode', () => {
  for (const rawMax of [16, 1024, 65_536]) {
    it(`round-trips generated envelopes (raw up to ${rawMax} characters), and the value is JSON.stringify's`, () => {
      const r = rng(rawMax);
      for (let i = 0; i < 300; i++) {
        const e = envelope(r, rawMax);
        const value = encodeEnvelope(e);
        expect(value).toBe(JSON.stringify(e));
        const back = decodeEnvelopeText(value);
        expect(back.ok, back.ok ? '' : back.error).toBe(true);
        if (back.ok) expect(back.envelope).toEqual(e);
      }
    });
  }

  it('parts made once per request give the same value as the whole-envelope encoder', () => {
    const r = rng(7);
    const e = envelope(r, 200);
    const parts = requestParts(e.tenant, e.requestId, e.region);
    const meta = metadataPart(e.receivedAt, e.source, e.host, e.tags);
    expect(envelopeValue(parts, e.id, meta, e.raw, e.truncated, e.originalBytes, e.invalidUtf8 === true)).toBe(encodeEnvelope(e));
  });

  it('the decoder refuses what the encoder never writes: another version, a bad tenant, a bad time', () => {
    const e = envelope(rng(3), 10);
    const other = decodeEnvelopeText(encodeEnvelope(e).replace(`{"v":${ENVELOPE_VERSION},`, '{"v":2,'));
    expect(other.ok).toBe(false);
    if (!other.ok) expect(other.error).toMatch(/unknown envelope version 2/);
    const badTenant = decodeEnvelopeText(JSON.stringify({ ...e, tenant: '../x' }));
    expect(badTenant.ok).toBe(false);
    const badTime = decodeEnvelopeText(JSON.stringify({ ...e, receivedAt: 'yesterday' }));
    expect(badTime.ok).toBe(false);
  });
});
