import { describe, expect, it } from 'vitest';
import { DAY_MS, planRetention, planSummaryRetention, sharedIndicesToInspect, tenantsToLookUp } from '../../../shared/retention/plan.ts';
import { logIndex, parseLogIndex, parseSummaryIndex, summaryIndex } from '../../../shared/index/naming.ts';

const NOW = Date.parse('2025-06-30T06:00:00Z');
const ago = (days: number) => new Date(NOW - days * DAY_MS).toISOString();
const P = 'rt';
const RET: Record<string, number> = { free1: 7, std1: 15, pro1: 30, ent1: 90 };
const days = (t: string) => RET[t] ?? 15;

describe('parseLogIndex', () => {
  it('reads back every name logIndex makes, with the slice it covers', () => {
    const ts = '2025-03-04T05:06:07.000Z';
    const s = parseLogIndex(logIndex('acme', 'shared', ts, P).index, P)!;
    expect(s).toMatchObject({ tier: 'shared', tenant: undefined, startMs: Date.parse('2025-03-04T00:00:00Z'), endMs: Date.parse('2025-03-05T00:00:00Z') });
    expect(parseLogIndex(logIndex('acme-prod', 'daily', ts, P).index, P)).toMatchObject({ tier: 'daily', tenant: 'acme-prod', startMs: Date.parse('2025-03-04T00:00:00Z') });
    const h = parseLogIndex(logIndex('a-b-c', 'hourly', ts, P).index, P)!;
    expect(h).toMatchObject({ tier: 'hourly', tenant: 'a-b-c', startMs: Date.parse('2025-03-04T05:00:00Z'), endMs: Date.parse('2025-03-04T06:00:00Z') });
  });

  it('refuses names it does not make: other prefixes, bad dates, bad tenants, summaries', () => {
    const name = logIndex('acme', 'daily', '2025-03-04T05:06:07Z', P).index;
    expect(parseLogIndex(name, 'other')).toBeUndefined();
    expect(parseLogIndex(name, P)).toBeDefined();
    for (const bad of ['rt-logs-shared-2025.02.30', 'rt-logs-shared-2025.02.01.03', 'rt-logs-t_Acme_2025.02.01', 'rt-logs-t__2025.02.01', 'rt-logs-t_acme_2025.02.01.24', 'rt-summaries-2025.02', 'rt-logs-x']) {
      expect(parseLogIndex(bad, P), bad).toBeUndefined();
    }
    // A prefix that extends another does not parse as it.
    expect(parseLogIndex('rt-x-logs-shared-2025.01.01', P)).toBeUndefined();
  });
});

describe('planRetention', () => {
  const shared = (d: number) => logIndex('free1', 'shared', ago(d), P).index;
  const daily = (t: string, d: number) => logIndex(t, 'daily', ago(d), P).index;
  const hourly = (t: string, d: number) => logIndex(t, 'hourly', ago(d), P).index;

  it('deletes dedicated indices once their slice ended at least the tenant retention ago, and only then', () => {
    // The daily slice of 30 days ago ended 29 days and 18 hours ago: kept for a 30-day tenant; 31 days ago: deleted.
    const indices = [daily('pro1', 30), daily('pro1', 31), daily('pro1', 0), hourly('ent1', 89), hourly('ent1', 91)];
    const plan = planRetention({ now: NOW, prefix: P, indices, sharedTenants: new Map(), retentionDays: days });
    expect(plan.actions.map((a) => [a.kind, a.index])).toEqual([
      ['delete-index', hourly('ent1', 91)],
      ['delete-index', daily('pro1', 31)],
    ]);
    expect(plan.kept.sort()).toEqual([daily('pro1', 30), daily('pro1', 0), hourly('ent1', 89)].sort());
  });

  it('is exact at the boundary: expired when end + retention == now', () => {
    const end = Date.parse('2025-06-23T00:00:00Z'); // the 2025-06-22 slice ends here; 7 days before `now`
    const now = end + 7 * DAY_MS;
    const idx = `${P}-logs-t_free1_2025.06.22`;
    expect(planRetention({ now, prefix: P, indices: [idx], sharedTenants: new Map(), retentionDays: days }).actions).toHaveLength(1);
    expect(planRetention({ now: now - 1, prefix: P, indices: [idx], sharedTenants: new Map(), retentionDays: days }).actions).toHaveLength(0);
  });

  it('on shared indices deletes only the expired tenants\' documents until every tenant in the index is expired', () => {
    const s10 = shared(10);
    const s20 = shared(20);
    const s40 = shared(40);
    const s0 = shared(0);
    const present = new Map<string, string[]>([
      [s10, ['free1', 'std1']], // free expired (7), standard not (15)
      [s20, ['free1', 'std1']], // both expired: the whole index goes
      [s40, ['std1', 'pro1']], // a tenant that moved to its own tier (30 days): 40 days is past both
    ]);
    const plan = planRetention({ now: NOW, prefix: P, indices: [s0, s10, s20, s40], sharedTenants: present, retentionDays: days });
    // In index-name order: 40, 20, then 10 days ago.
    expect(plan.actions).toEqual([
      expect.objectContaining({ kind: 'delete-index', index: s40, tenants: ['pro1', 'std1'] }),
      expect.objectContaining({ kind: 'delete-index', index: s20, tenants: ['free1', 'std1'] }),
      expect.objectContaining({ kind: 'delete-docs', index: s10, tenants: ['free1'] }),
    ]);
    expect(plan.kept).toEqual([s0]);
  });

  it('keeps a shared index while one tenant in it has a longer retention (override), deleting the others\' documents', () => {
    const s = shared(20);
    const plan = planRetention({ now: NOW, prefix: P, indices: [s], sharedTenants: new Map([[s, ['free1', 'long1']]]), retentionDays: (t) => (t === 'long1' ? 60 : days(t)) });
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'delete-docs', index: s, tenants: ['free1'] })]);
  });

  it('deletes an empty shared index a day after its slice ended; leaves uninspected ones and unknown names alone', () => {
    const empty0 = shared(0);
    const empty2 = shared(2);
    const uninspected = shared(50);
    const plan = planRetention({
      now: NOW, prefix: P, indices: [empty0, empty2, uninspected, `${P}-logs-something-else`],
      sharedTenants: new Map([[empty0, []], [empty2, []]]), retentionDays: days,
    });
    expect(plan.actions).toEqual([expect.objectContaining({ kind: 'delete-index', index: empty2, tenants: [] })]);
    expect(plan.kept.sort()).toEqual([empty0, uninspected].sort());
    expect(plan.unknown).toEqual([`${P}-logs-something-else`]);
  });

  it('asks OpenSearch about complete shared slices only, and the registry about every tenant found', () => {
    const indices = [shared(0), shared(3), daily('pro1', 40), hourly('ent1', 1), 'rt-logs-junk'];
    const now = Date.parse(ago(0)) + 1; // today's shared slice has not ended
    expect(sharedIndicesToInspect(indices, P, now)).toEqual([shared(3)]);
    expect(tenantsToLookUp(indices, P, new Map([[shared(3), ['std1', 'free1']]]))).toEqual(['ent1', 'free1', 'pro1', 'std1']);
  });
});

describe('summary retention', () => {
  it('reads back the month of every name summaryIndex makes, and nothing else', () => {
    expect(parseSummaryIndex(summaryIndex('2024-12-31T23:59:00.000Z', P), P)).toEqual({
      index: 'rt-summaries-2024.12',
      startMs: Date.parse('2024-12-01T00:00:00Z'),
      endMs: Date.parse('2025-01-01T00:00:00Z'),
    });
    for (const bad of ['rt-summaries-2024.13', 'rt-summaries-2024.00', 'rt-summaries-2024.1', 'rt-summaries-2024.12.01', 'other-summaries-2024.12', 'rt-logs-shared-2024.12.01']) {
      expect(parseSummaryIndex(bad, P), bad).toBeUndefined();
    }
  });

  it('deletes a month once it ended at least the retention ago; 0 keeps every month', () => {
    // NOW = 2025-06-30T06:00Z: May ended 29 days and 6 hours ago, April 60 days 6 hours, March 90 days 6 hours.
    const indices = ['rt-summaries-2025.06', 'rt-summaries-2025.05', 'rt-summaries-2025.04', 'rt-summaries-2025.03', 'rt-summaries-x'];
    const plan = planSummaryRetention({ now: NOW, prefix: P, indices, retentionDays: 60 });
    expect(plan.actions.map((a) => [a.kind, a.index])).toEqual([
      ['delete-index', 'rt-summaries-2025.03'],
      ['delete-index', 'rt-summaries-2025.04'],
    ]);
    expect(plan.actions[0]!.reason).toContain('2025-03');
    expect(plan.kept).toEqual(['rt-summaries-2025.05', 'rt-summaries-2025.06']);
    expect(plan.unknown).toEqual(['rt-summaries-x']);
    // A day more keeps April.
    expect(planSummaryRetention({ now: NOW, prefix: P, indices, retentionDays: 61 }).actions.map((a) => a.index)).toEqual(['rt-summaries-2025.03']);
    expect(planSummaryRetention({ now: NOW, prefix: P, indices, retentionDays: 0 }).actions).toEqual([]);
  });
});
