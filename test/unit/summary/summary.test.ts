import { describe, expect, it } from 'vitest';
import { MAX_KEYS, OTHER, SummaryBuilder, mergeContributions, minuteOf, templateTotals, toCounts } from '../../../shared/summary/summary.ts';

const ev = (host: string, level: string | undefined, ts = '2025-05-01T10:00:30.000Z', bytes = 10) => ({
  tenant: 'acme', timestamp: ts, level, format: 'json', source: 'app', host, bytes,
});

function batch(first: number, last: number) {
  const b = new SummaryBuilder('process');
  for (let o = first; o <= last; o++) {
    b.seen('logs.raw', 0, o);
    const ts = o % 2 === 0 ? '2025-05-01T10:00:30.000Z' : '2025-05-01T10:01:05.000Z';
    b.event('logs.raw', 0, ev(`h${o % 3}`, o % 4 === 0 ? undefined : 'info', ts));
    b.outcome('logs.raw', 0, 'acme', ts, o % 5 === 0 ? 'deferred' : 'indexed');
  }
  return b.contributions();
}

describe('summaries', () => {
  it('minute of a timestamp', () => {
    expect(minuteOf('2025-05-01T10:00:30.123Z')).toBe('2025-05-01T10:00:00.000Z');
    expect(minuteOf('2025-05-01T12:00:30+02:00')).toBe('2025-05-01T10:00:00.000Z');
  });

  it('counts per tenant and minute by level, format, source, host, bytes and outcome', () => {
    const c = batch(0, 9);
    expect(c).toHaveLength(2);
    const m0 = c.find((x) => x.doc.minute === '2025-05-01T10:00:00.000Z')!.doc;
    expect(m0.events).toBe(5);
    expect(m0.bytes).toBe(50);
    expect(m0.deferred).toBe(1); // even offsets 0..8 are in this minute; only 0 is a multiple of 5
    expect(m0.indexed + m0.deferred).toBe(5);
    expect(m0.levels.find((l) => l.key === '(none)')!.count).toBe(3); // 0, 4, 8
    expect(m0.origin).toEqual({ topic: 'logs.raw', partition: 0, first_offset: 0, last_offset: 9 });
  });

  it('is deterministic: the same batch gives the same ids and documents', () => {
    expect(batch(0, 9)).toEqual(batch(0, 9));
    expect(batch(0, 9)[0]!.id).toBe('acme|2025-05-01T10:00|process|logs.raw|0|0-9');
  });

  it('merging a batch written twice counts it once; a retry from the same start keeps the wider one', () => {
    const once = mergeContributions(batch(0, 9).map((c) => c.doc));
    const twice = mergeContributions([...batch(0, 9), ...batch(0, 9)].map((c) => c.doc));
    expect(twice).toEqual(once);
    const wider = mergeContributions([...batch(0, 9), ...batch(0, 19)].map((c) => c.doc));
    expect(wider).toEqual(mergeContributions(batch(0, 19).map((c) => c.doc)));
    const consecutive = mergeContributions([...batch(0, 9), ...batch(10, 19)].map((c) => c.doc));
    expect(consecutive).toEqual(wider);
    expect(consecutive.reduce((s, m) => s + m.events, 0)).toBe(20);
  });

  it('caps hosts, summing the rest as (other)', () => {
    const m = new Map<string, number>();
    for (let i = 0; i < 500; i++) m.set(`h${i}`, i + 1);
    const counts = toCounts(m, MAX_KEYS);
    expect(counts).toHaveLength(MAX_KEYS);
    expect(counts[0]).toEqual({ key: 'h499', count: 500 });
    expect(counts.at(-1)!.key).toBe(OTHER);
    expect(counts.reduce((s, c) => s + c.count, 0)).toBe((500 * 501) / 2);
  });

  it('counts events per template, capped like hosts, and sums them over contributions', () => {
    const b = new SummaryBuilder('process');
    for (let o = 0; o < 300; o++) {
      b.seen('logs.raw', 0, o);
      b.event('logs.raw', 0, { ...ev('h', 'info'), template: o < 100 ? 'tpl-a' : `tpl-${o}` });
    }
    const [c] = b.contributions();
    expect(c!.doc.templates).toHaveLength(MAX_KEYS);
    expect(c!.doc.templates![0]).toEqual({ key: 'tpl-a', count: 100 });
    expect(c!.doc.templates!.at(-1)!.key).toBe(OTHER);
    expect(c!.doc.templates!.reduce((s, x) => s + x.count, 0)).toBe(300);
    // The same contribution twice counts once; a retired id counts for its survivor.
    const totals = templateTotals([c!.doc, c!.doc], (id) => (id === 'tpl-150' ? 'tpl-a' : id));
    expect(totals[0]).toEqual({ key: 'tpl-a', count: 101 });
    expect(totals.reduce((s, x) => s + x.count, 0)).toBe(300);
    // Contributions written before templates existed have none.
    const { templates: _t, ...old } = c!.doc;
    expect(mergeContributions([old])[0]!.templates).toEqual({});
  });

  it('the same minute through the fast and the slow timestamp path is one contribution', () => {
    const b = new SummaryBuilder('process');
    b.seen('logs.raw', 0, 0);
    b.event('logs.raw', 0, ev('h', 'info', '2025-05-01T10:00:30.000Z'));
    b.event('logs.raw', 0, ev('h', 'info', '2025-05-01T12:00:45+02:00'));
    const c = b.contributions();
    expect(c).toHaveLength(1);
    expect(c[0]!.doc).toMatchObject({ minute: '2025-05-01T10:00:00.000Z', events: 2 });
  });
});
