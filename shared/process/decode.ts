/**
 * Step 1: decode and validate every record of the batch. An envelope that is not valid JSON, has
 * an unknown `v` or an invalid tenant goes to the DLQ (original bytes, the error in headers), never
 * dropped; a staging deployment's sampling leaves the rest of the records out here.
 */
import { HEADER_REPLAY, readDeferMeta } from './records.ts';
import { decodeEnvelopeText } from '../envelope/decode.ts';
import { inSample } from './sample.ts';
import { toDlq, Verdict, type Batch, type Item } from './batch.ts';
import type { DeferMeta } from '../budget/defer.ts';

const NO_DEFER: DeferMeta = { attempts: 0, notBefore: 0 };

export function decodeRecords(b: Batch): Item[] {
  const { stage, deps, summary, tally } = b;
  const items: Item[] = [];
  // An envelope written before regions gets this stack's region (see RawEnvelope.region).
  const region = deps.region;
  // Staging only (see shared/config.ts `staging()`): a stable share of the raw events, by event id.
  const fraction = stage === 'process' ? (deps.sampleFraction ?? 1) : 1;
  for (const m of b.msgs) {
    summary.seen(m.topic, m.partition, m.offset);
    const r = decodeEnvelopeText(m.valueText(), region);
    if (fraction < 1 && !inSample(r.ok ? r.envelope.id : m.value.toString('base64'), fraction)) {
      tally.result.sampledOut++;
      continue;
    }
    if (!r.ok) {
      if (r.tenant) tally.seen(r.tenant, m.valueBytes);
      const slot = r.tenant && r.receivedAt && !m.hasHeader(HEADER_REPLAY) ? summary.slot(m.topic, m.partition, r.tenant, r.receivedAt, region) : undefined;
      toDlq(b, m, 'decode', r.error, r.tenant, slot);
      continue;
    }
    const env = r.envelope;
    tally.seen(env.tenant, m.valueBytes);
    items.push({
      msg: m, tenant: env.tenant, env, bytes: Buffer.byteLength(env.raw), meta: stage === 'deferred' ? readDeferMeta(m.headers) : NO_DEFER,
      verdict: Verdict.Index, plan: undefined, slot: undefined, defer: undefined, replay: m.hasHeader(HEADER_REPLAY),
    });
  }
  return items;
}
