/**
 * Fair share in the stage (issue 16): over-budget events cost no classification; replays are
 * counted once.
 */
import { describe, expect, it } from 'vitest';
import { toDocument } from '../../../shared/classify/index.ts';
import type { RawEnvelope } from '../../../shared/envelope.ts';
import { toMskEvent, type MessageInput } from '../../../shared/msk.ts';
import { runStage } from '../../../shared/process/stage.ts';
import { mergeContributions, type SummaryDoc } from '../../../shared/summary/summary.ts';
import { resolvePlan } from '../../../shared/tenants/plans.ts';
import { memoryDeps } from '../../support/memory.ts';

const T0 = Date.UTC(2025, 4, 1, 12, 0, 0);
function env(tenant: string, n: number): RawEnvelope {
  const raw = `{"level":"error","msg":"payment ${n} failed","host":"web-1"}`;
  return { v: 1, tenant, id: `${tenant}-${n}`, receivedAt: new Date(T0).toISOString(), source: 'api', host: 'edge-1', tags: [], raw, truncated: false, originalBytes: raw.length, requestId: 'r' };
}
const ctx = () => ({ getRemainingTimeInMillis: () => 60_000 });
const summariesOf = (produced: Array<{ topic: string; value: Buffer }>): SummaryDoc[] =>
  produced.filter((p) => p.topic === 'logs.summary').map((p) => JSON.parse(p.value.toString()) as SummaryDoc);

describe('over-budget events skip classification and mining', () => {
  it('only admitted events are classified; the summary still counts every event, the rest by what the envelope says', async () => {
    const plan = resolvePlan('standard', { eventsBurst: 3, eventsPerSecond: 0.001 });
    let classified = 0;
    const { d, produced } = memoryDeps({ clock: T0, plans: { acme: plan }, toDocument: (e) => (classified++, toDocument(e)) });
    const recs: MessageInput[] = Array.from({ length: 10 }, (_, i) => ({ topic: 'logs.raw', partition: 0, offset: i, key: 'acme', value: JSON.stringify(env('acme', i)) }));
    const r = await runStage(toMskEvent(recs), ctx(), d, 'process');
    expect(r).toMatchObject({ indexed: 3, deferred: 7 });
    expect(classified).toBe(3);
    const [m] = mergeContributions(summariesOf(produced));
    expect(m).toMatchObject({ events: 10, indexed: 3, deferred: 7 });
    expect(m!.levels).toEqual({ error: 3, '(none)': 7 });
    expect(m!.formats).toEqual({ json: 3, '(none)': 7 });
    expect(m!.hosts).toEqual({ 'web-1': 3, 'edge-1': 7 });
    expect(Object.values(m!.templates).reduce((s, x) => s + x, 0)).toBe(3);
  });
});
