/**
 * Summaries keep regions apart (issue 21): events of two regions in one batch, tenant and minute
 * make two contributions (region in the document and the id), the minute summaries stay two, and the
 * ids of region-less contributions are the ones written before regions.
 */
import { describe, expect, it } from 'vitest';
import { contributionId, mergeContributions, SummaryBuilder } from '../../../shared/summary/summary.ts';
import { logsTemplate, summariesTemplate } from '../../../shared/index/template.ts';

const T = '2026-12-01T10:00:12.000Z';

describe('summaries by region', () => {
  it('two regions in one partition, tenant and minute: two contributions, each with its region, ids apart', () => {
    const b = new SummaryBuilder('process');
    for (const [offset, region] of [[10, 'us-east-1'], [11, 'eu-west-1'], [12, 'us-east-1']] as const) {
      b.seen('agg.logs.raw', 0, offset);
      const slot = b.slot('agg.logs.raw', 0, 'acme', T, region);
      b.eventAt(slot, 100, 'info', 'json', undefined, undefined, undefined);
      slot.outcomes.indexed++;
    }
    const out = b.contributions();
    expect(out.map((c) => [c.doc.region, c.doc.events, c.doc.indexed])).toEqual([
      ['eu-west-1', 1, 1],
      ['us-east-1', 2, 2],
    ]);
    expect(new Set(out.map((c) => c.id)).size).toBe(2);
    expect(out[0]!.id).toBe(`${contributionId('acme', '2026-12-01T10:00:00.000Z', 'process', out[0]!.doc.origin)}|eu-west-1`);

    const minutes = mergeContributions(out.map((c) => c.doc));
    expect(minutes.map((m) => [m.region, m.events])).toEqual([['eu-west-1', 1], ['us-east-1', 2]]);
  });

  it('a contribution without a region keeps the id and document of before regions', () => {
    const b = new SummaryBuilder('process');
    b.seen('logs.raw', 3, 5);
    b.eventAt(b.slot('logs.raw', 3, 'acme', T), 10, undefined, 'text', undefined, undefined, undefined);
    const [c] = b.contributions();
    expect(c!.id).toBe('acme|2026-12-01T10:00|process|logs.raw|3|5-5');
    expect('region' in c!.doc).toBe(false);
  });

  it('the same offsets replayed under one region still count once; under two regions they are two figures', () => {
    const doc = (region: string | undefined, first: number, last: number) => {
      const b = new SummaryBuilder('process');
      b.seen('logs.raw', 0, first);
      b.seen('logs.raw', 0, last);
      b.eventAt(b.slot('logs.raw', 0, 'acme', T, region), 1, undefined, undefined, undefined, undefined, undefined);
      return b.contributions()[0]!.doc;
    };
    expect(mergeContributions([doc('eu-west-1', 0, 9), doc('eu-west-1', 0, 4)]).map((m) => m.events)).toEqual([1]);
    expect(mergeContributions([doc('eu-west-1', 0, 9), doc('us-east-1', 0, 9)]).map((m) => m.events)).toEqual([1, 1]);
  });

  it('the index templates map region as a keyword (the summaries\' mapping is strict, so it must be there)', () => {
    expect(logsTemplate().template.mappings.properties.region).toEqual({ type: 'keyword', ignore_above: 64 });
    expect(summariesTemplate().template.mappings.properties.region).toEqual({ type: 'keyword', ignore_above: 64 });
  });
});
