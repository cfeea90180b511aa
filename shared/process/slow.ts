/**
 * The per-event time budget. JavaScript cannot stop a synchronous parser, so the stage measures
 * each event's classification and mining, and when one takes longer than the budget (250 ms by
 * default; an ordinary event takes microseconds):
 *  - that event is indexed as text (`textDocument`: message = the raw line, flagged `classify_slow`);
 *  - its shape (tenant, first 4 characters, log2 of its length) is marked slow for `ttlMs`: the
 *    later events of that shape are indexed as text without being parsed;
 *  - after `maxShapes` slow shapes, the whole tenant is (for `ttlMs`), so an attacker varying the
 *    shape pays for at most that many slow events per instance.
 * The bound on one event's cost is the classify helper's: every parser linear in its input, and the
 * input bounded by ingest's event limit. The stage's deadline check covers the rest.
 */
const ALL = '*';

export class SlowShapes {
  private readonly byTenant = new Map<string, Map<string, number>>();

  constructor(
    readonly budgetMs = 250,
    private readonly ttlMs = 10 * 60_000,
    private readonly maxShapes = 3,
    private readonly maxTenants = 10_000,
  ) {}

  /** True when events of this tenant and shape are to be indexed as text. Costs a map look-up unless the tenant overran before. */
  isSlow(tenant: string, raw: string, clock: () => number): boolean {
    const m = this.byTenant.get(tenant);
    if (m === undefined) return false;
    const now = clock();
    const all = m.get(ALL);
    if (all !== undefined && all > now) return true;
    const until = m.get(shapeOf(raw));
    return until !== undefined && until > now;
  }

  /** The event took longer than the budget. */
  overran(tenant: string, raw: string, now: number): void {
    let m = this.byTenant.get(tenant);
    if (m === undefined) {
      if (this.byTenant.size >= this.maxTenants) this.byTenant.clear();
      this.byTenant.set(tenant, (m = new Map()));
    }
    for (const [k, until] of m) if (until <= now) m.delete(k);
    m.set(shapeOf(raw), now + this.ttlMs);
    if (m.size >= this.maxShapes) m.set(ALL, now + this.ttlMs);
  }
}

function shapeOf(raw: string): string {
  return `${raw.slice(0, 4)}|${31 - Math.clz32(raw.length)}`;
}
