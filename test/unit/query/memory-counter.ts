import type { CeilingCounter, Cost } from '../../../shared/ingest/ceiling.ts';

/** An in-memory counter with the DynamoDB adapter's contract (conditional add, counter as found on refusal); shared by instances like the table. */
export class MemoryCounter implements CeilingCounter {
  readonly items = new Map<string, Cost>();
  calls = 0;
  down = false;
  async take(tenant: string, window: number, amount: Cost, limit: Cost): Promise<{ taken: boolean; counter: Cost }> {
    this.calls++;
    if (this.down) throw new Error('counter unreachable');
    const k = `${tenant}#${window}`;
    const c = this.items.get(k) ?? { events: 0, bytes: 0 };
    if (c.events + amount.events > limit.events || c.bytes + amount.bytes > limit.bytes) return { taken: false, counter: { ...c } };
    const next = { events: c.events + amount.events, bytes: c.bytes + amount.bytes };
    this.items.set(k, next);
    return { taken: true, counter: { ...next } };
  }
}
