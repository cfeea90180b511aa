/**
 * Fair share in the stage (issue 16): over-budget events cost no classification; replays are
 * counted once.
 */
import { describe, expect, it } from 'vitest';
import { toDocument } from '../../../shared/classify/index.ts';
import type { RawEnvelope } from '../../../shared/envelope/types.ts';
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

describe('replay is counted once', () => {
  it('replaying a range (same envelopes, new offsets, marked by the replay) leaves the summaries and the budget unchanged, and re-indexes', async () => {
    const plan = resolvePlan('standard', { eventsBurst: 100, eventsPerSecond: 0.001 });
    const { d, produced } = memoryDeps({ clock: T0, plans: { acme: plan } });
    const envs = Array.from({ length: 10 }, (_, i) => env('acme', i));
    const at = (offset: number, headers?: Record<string, string>): MessageInput[] =>
      envs.map((e, i) => ({ topic: 'logs.raw', partition: 0, offset: offset + i, key: 'acme', value: JSON.stringify(e), ...(headers ? { headers } : {}) }));
    await runStage(toMskEvent(at(0)), ctx(), d, 'process');
    const before = mergeContributions(summariesOf(produced));
    const ledger = d.budget as unknown as { state: Map<string, unknown> };
    const budgetBefore = JSON.stringify(ledger.state.get('acme'));
    // The replay, as `sluice replay` produces it (shared/archive/replay.ts), at later offsets.
    const { REPLAY_HEADERS } = await import('../../../shared/process/records.ts');
    const replayHeaders = Object.fromEntries(Object.entries(REPLAY_HEADERS).map(([k, v]) => [k, v.toString()]));
    const r = await runStage(toMskEvent(at(1000, replayHeaders)), ctx(), d, 'process');
    expect(r.indexed).toBe(10);
    expect(mergeContributions(summariesOf(produced))).toEqual(before);
    expect(JSON.stringify(ledger.state.get('acme'))).toBe(budgetBefore);
    // Without the mark the same range would be counted twice (what the mark prevents).
    await runStage(toMskEvent(at(2000)), ctx(), d, 'process');
    expect(mergeContributions(summariesOf(produced))[0]!.events).toBe(20);
  });
});

describe('deferred is fair', () => {
  const MIN = 60_000;
  /** One partition of logs.deferred and a consumer taking `batch` records at a time, as the event source does. */
  function partition(clockStart: number) {
    let clock = clockStart;
    const log: MessageInput[] = [];
    let next = 0;
    const { d } = memoryDeps({ clock: clockStart, now: () => clock, sleep: async (ms) => void (clock += ms), maxParkMs: 2 * MIN });
    d.kafka = { produce: async (recs) => void log.push(...recs.filter((r) => r.topic === 'logs.deferred').map((r) => ({ topic: 'logs.deferred', partition: 0, offset: log.length, key: r.key, value: r.value, headers: Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k, v.toString()])), timestamp: clock }))) };
    const write = (e: RawEnvelope, notBefore: number, parks = 0) =>
      log.push({ topic: 'logs.deferred', partition: 0, offset: log.length, key: e.tenant, value: JSON.stringify(e), headers: { 'sluice-defer-attempts': '1', 'sluice-not-before': String(notBefore), ...(parks ? { 'sluice-park-count': String(parks) } : {}) }, timestamp: clock });
    const poll = async (batch: number) => {
      const recs = log.slice(next, next + batch);
      next += recs.length;
      return recs.length === 0 ? undefined : runStage(toMskEvent(recs), { getRemainingTimeInMillis: () => 900_000 }, d, 'deferred');
    };
    return { d, log, write, poll, now: () => clock, pending: () => log.length - next };
  }

  it("one tenant's parked backlog delays another tenant's due event by at most the cap (12 min), not a wait per batch", async () => {
    const p = partition(T0);
    // Tenant A: 10 batches of records parked until tomorrow (daily quota), parked a few times already.
    for (let i = 0; i < 500; i++) p.write(env('aaa', i), T0 + 24 * 60 * MIN, 3);
    // Tenant B: one event due now, behind them.
    p.write(env('bbb', 0), T0);
    let reachedAt: number | undefined;
    while (reachedAt === undefined) {
      const r = await p.poll(50);
      if (r?.byTenant['bbb']?.indexed) reachedAt = p.now();
    }
    // With a wait per batch (the previous pacing) B would have waited 10 x 2 min.
    expect(reachedAt - T0).toBeLessThanOrEqual(12 * MIN);
    expect(reachedAt - T0).toBeGreaterThan(0);
  });

  it('a record parked for hours is rewritten on a schedule of growing waits (about 5 an hour), not every two minutes', async () => {
    const p = partition(T0);
    p.write(env('aaa', 0), T0 + 6 * 60 * MIN);
    let rewrites = 0;
    while (p.now() < T0 + 6 * 60 * MIN - 12 * MIN) {
      const r = await p.poll(50);
      if (r) rewrites += r.parked;
    }
    // 2, 4, 8, then every 12 minutes: ~31 in six hours (a fixed 2-minute wait: 180).
    expect(rewrites).toBeGreaterThanOrEqual(20);
    expect(rewrites).toBeLessThanOrEqual(34);
    expect(p.pending()).toBe(1); // still there, never dropped
  });
});
