/**
 * The retention pass (shared/retention/run.ts) over an in-memory cluster: it deletes what the plan
 * says, only under its prefix, stops at the deadline leaving the rest counted, and a dry run deletes
 * nothing.
 */
import { describe, expect, it } from 'vitest';
import { runRetention, type RetentionIndices } from '../../../shared/retention/run.ts';
import { readDeadline } from '../../../shared/archive/run.ts';

const NOW = Date.UTC(2026, 11, 1, 12);
const P = 'unit';

class MemIndices implements RetentionIndices {
  readonly deleted: string[] = [];
  readonly docDeletes: Array<[string, string[]]> = [];
  constructor(readonly docs: Map<string, string[]>) {}
  async list(pattern: string) {
    const re = new RegExp('^' + pattern.replace(/[.]/g, '\\.').replace('*', '.*') + '$');
    return [...this.docs.keys()].filter((i) => re.test(i));
  }
  async refresh() {}
  async tenantsIn(index: string) {
    return [...new Set(this.docs.get(index) ?? [])];
  }
  async deleteIndex(index: string) {
    this.deleted.push(index);
    this.docs.delete(index);
  }
  async deleteTenantDocs(index: string, tenants: readonly string[]) {
    this.docDeletes.push([index, [...tenants]]);
    const before = this.docs.get(index) ?? [];
    const after = before.filter((t) => !tenants.includes(t));
    this.docs.set(index, after);
    return { deleted: before.length - after.length, complete: true };
  }
}

const plans = { planFor: async (t: string) => ({ retentionDays: t.startsWith('free') ? 7 : 30 }) };

function cluster() {
  return new MemIndices(
    new Map([
      [`${P}-logs-shared-2026.11.10`, ['free-a', 'std-b', 'std-b']], // 21 days old: free expired, std kept
      [`${P}-logs-shared-2026.10.01`, ['free-a', 'std-b']], // 61 days: everyone expired
      [`${P}-logs-shared-2026.11.30`, ['free-a']], // 1 day: kept
      [`other-logs-shared-2026.01.01`, ['free-a']], // another prefix: never touched
    ]),
  );
}

describe('runRetention', () => {
  it('deletes expired shared indices whole and expired tenants from the rest; never another prefix', async () => {
    const c = cluster();
    const r = await runRetention(c, plans, { now: NOW, prefix: P, dryRun: false, summaryRetentionDays: 400 });
    expect(c.deleted).toEqual([`${P}-logs-shared-2026.10.01`]);
    expect(c.docDeletes).toEqual([[`${P}-logs-shared-2026.11.10`, ['free-a']]]);
    expect(r).toMatchObject({ dryRun: false, indices: 3, deletedIndices: 1, deletedDocuments: 1, left: 0 });
    expect(c.docs.has('other-logs-shared-2026.01.01')).toBe(true);
  });

  it('a dry run plans the same and deletes nothing', async () => {
    const c = cluster();
    const r = await runRetention(c, plans, { now: NOW, prefix: P, dryRun: true, summaryRetentionDays: 400 });
    expect(r.actions.map((a) => a.kind).sort()).toEqual(['delete-docs', 'delete-index']);
    expect(c.deleted).toEqual([]);
    expect(c.docDeletes).toEqual([]);
  });

  it('past the deadline nothing more is started and what is left is counted', async () => {
    const c = cluster();
    const r = await runRetention(c, plans, { now: NOW, prefix: P, dryRun: false, deadlineMs: Date.now() - 1, summaryRetentionDays: 400 });
    expect(c.deleted).toEqual([]);
    expect(r.left).toBe(2);
  });
});

describe('readDeadline (archive)', () => {
  it('keeps the margin, but never more than 40% of the time left', () => {
    expect(readDeadline(1000, 240_000, 60_000)).toBe(1000 + 180_000);
    expect(readDeadline(1000, 10_000, 60_000)).toBe(1000 + 6_000);
  });
});
