import { describe, expect, it } from 'vitest';
import { SummaryBuilder, keptContributions, mergeContributions, type SummaryDoc } from '../../../shared/summary/summary.ts';
import { trendPoints } from '../../../shared/summary/trends.ts';

const MINUTE = '2026-12-01T10:00:00.000Z';

/** A batch of offsets [first, last] on partition 0: JSON events with latency_ms = offset + 1, and access logs. */
function batch(first: number, last: number, stage: 'process' | 'deferred' = 'process'): SummaryDoc[] {
  const b = new SummaryBuilder(stage);
  for (let o = first; o <= last; o++) {
    b.seen('logs.raw', 0, o);
    const ts = `2026-12-01T10:00:${String(o % 60).padStart(2, '0')}.000Z`;
    const json = b.slot('logs.raw', 0, 'acme', ts);
    b.statsAt(json, 'json', { latency_ms: o + 1 }, []);
    const web = b.slot('logs.raw', 0, 'web', ts);
    b.statsAt(web, 'access_combined', { status: o % 10 === 0 ? 503 : 200, bytes: o }, []);
  }
  return b.contributions().map((c) => c.doc);
}

describe('summary contributions with trend statistics', () => {
  it('carry stats and status classes; a text event carries none', () => {
    const docs = batch(0, 99);
    const acme = docs.find((d) => d.tenant === 'acme')!;
    expect(acme.stats!.map((s) => [s.field, s.count, s.min, s.max])).toEqual([['latency_ms', 100, 1, 100]]);
    expect(acme.status_classes).toEqual([]);
    expect(docs.find((d) => d.tenant === 'web')!.status_classes).toEqual([{ key: '2xx', count: 90 }, { key: '5xx', count: 10 }]);
    const b = new SummaryBuilder('process');
    b.seen('logs.raw', 0, 0);
    b.statsAt(b.slot('logs.raw', 0, 'acme', MINUTE), 'text', { latency_ms: 5 }, []);
    expect(b.contributions()[0]!.doc.stats).toEqual([]);
  });

  it('the same batch twice, or a retry over a wider range from the same offset, leaves every figure unchanged', () => {
    const once = batch(0, 999);
    const twice = [...batch(0, 999), ...batch(0, 999)];
    const wider = [...batch(0, 499), ...batch(0, 999)];
    const view = (docs: SummaryDoc[]) => ({
      latency: trendPoints(keptContributions(docs.filter((d) => d.tenant === 'acme')), 'latency_ms'),
      classes: mergeContributions(docs).map((m) => [m.tenant, m.status_classes]),
    });
    const v = view(once);
    expect(v.latency).toHaveLength(1);
    expect(v.latency[0]).toMatchObject({ minute: MINUTE, count: 1000, min: 1, max: 1000 });
    for (const [got, want] of [[v.latency[0]!.p50, 500], [v.latency[0]!.p95, 950], [v.latency[0]!.p99, 990]] as const) {
      expect(Math.abs(got - want) / want).toBeLessThanOrEqual(0.01);
    }
    expect(v.classes).toEqual([['acme', {}], ['web', { '2xx': 900, '5xx': 100 }]]);
    expect(view(twice)).toEqual(v);
    expect(view(wider)).toEqual(v);
  });

  it('consecutive batches and both stages add up', () => {
    const docs = [...batch(0, 499), ...batch(500, 999), ...batch(1000, 1099, 'deferred')];
    const [p] = trendPoints(keptContributions(docs.filter((d) => d.tenant === 'acme')), 'latency_ms');
    expect(p).toMatchObject({ count: 1100, min: 1, max: 1100 });
    expect(mergeContributions(docs).find((m) => m.tenant === 'web')!.status_classes).toEqual({ '2xx': 990, '5xx': 110 });
  });
});
