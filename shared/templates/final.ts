import { createMiner } from './miner.ts';
import type { Miner, MinerOptions } from './miner.ts';
import { subsumers } from './subsume.ts';

/**
 * Two-pass batch mining: `add` every message, remember per line only a small index of its cluster,
 * then give each line its cluster's FINAL template (online mining assigns a template on arrival; it
 * may generalise or merge later). Memory: one 32-bit slot per line plus the miner's bounded state.
 */
export class FinalTemplates {
  readonly miner: Miner;
  private readonly idIndex = new Map<string, number>();
  private readonly ids: string[] = [];
  /** Last template seen for each id: the answer if the cluster is evicted before the end. */
  private readonly lastKnown: string[] = [];
  private lines = new Int32Array(1024);
  private n = 0;

  constructor(options?: MinerOptions) {
    this.miner = createMiner(options);
  }

  get length(): number {
    return this.n;
  }

  add(message: string): void {
    const r = this.miner.add(message);
    let k = this.idIndex.get(r.templateId);
    if (k === undefined) {
      k = this.ids.length;
      this.idIndex.set(r.templateId, k);
      this.ids.push(r.templateId);
      this.lastKnown.push(r.template);
    } else {
      this.lastKnown[k] = r.template;
    }
    if (this.n === this.lines.length) {
      const grown = new Int32Array(this.lines.length * 2);
      grown.set(this.lines);
      this.lines = grown;
    }
    this.lines[this.n++] = k;
  }

  /** Final template of every id seen, indexed like the per-line slots (a subsumed one: its subsumer, see subsume.ts). */
  private finals(): string[] {
    return this.entryFinals().map((e) => e.template);
  }

  private entryFinals(): Array<{ templateId: string; template: string }> {
    const own = this.ids.map((id, k) => {
      const info = this.miner.get(id);
      return info ? { templateId: info.templateId, template: info.template } : { templateId: id, template: this.lastKnown[k]! };
    });
    const idOf = new Map<string, string>();
    for (const e of own) if (!idOf.has(e.template)) idOf.set(e.template, e.templateId);
    const general = subsumers([...idOf.keys()]);
    const to = new Map<string, string>();
    [...idOf.keys()].forEach((t, i) => to.set(t, general[i]!));
    return own.map((e) => {
      const g = to.get(e.template)!;
      return g === e.template ? e : { templateId: idOf.get(g)!, template: g };
    });
  }

  /** Final template of each line, in input order. */
  *templates(): Generator<string> {
    const finals = this.finals();
    for (let i = 0; i < this.n; i++) yield finals[this.lines[i]!]!;
  }

  /** Final template id and template of each line, in input order (ids follow merges). */
  *entries(): Generator<{ templateId: string; template: string }> {
    const finals = this.entryFinals();
    for (let i = 0; i < this.n; i++) yield finals[this.lines[i]!]!;
  }

  /** Same as `templates()`, as an array. */
  toArray(): string[] {
    return [...this.templates()];
  }
}
