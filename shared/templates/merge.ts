/**
 * Merging and bounding persisted miner states (`MinerState`). Pure.
 *
 * Two invocations (on different partitions) may mine the same tenant at once, each from the state
 * it loaded. When one writes back and finds the stored state changed under it, it merges the two
 * with `mergeStates(stored, mine)` and writes the result. Ids stay stable through this because a
 * cluster's id is the hash of its current template (README "Template id stability"), so the same
 * template learnt on two instances has the same id in both states, and merging is by id:
 *
 *  - a cluster in one state only is kept as it is;
 *  - a cluster in both keeps the more general template (more `<*>`; on a tie the second state's,
 *    i.e. the newer write), the larger count and the later `lastSeen` (both states started from a
 *    common stored state, so their counts overlap: max, not sum, never over-counts);
 *  - aliases (ids retired by a merge inside one miner) are the union, chains followed to the end;
 *    a cluster whose id is retired in the other state is dropped (its survivor is kept) unless the
 *    survivor is gone, in which case the alias is dropped instead;
 *  - the result is bounded like a live miner (`boundState`): the `maxClusters` most recently seen
 *    clusters, and at most `maxClusters` aliases, all pointing at a live cluster.
 *
 * Order: clusters keep the first state's order, then the second's new clusters (the miner restores
 * them in this order, and on a tie between two candidate clusters the older wins).
 */
import { WILDCARD } from './tokenize.ts';
import type { MinerState } from './miner.ts';

type ClusterRow = MinerState['clusters'][number];

/** The miner's default `maxClusters`. */
export const DEFAULT_MAX_CLUSTERS = 2000;

function wildcards(template: string): number {
  let n = 0;
  for (let i = template.indexOf(WILDCARD); i >= 0; i = template.indexOf(WILDCARD, i + WILDCARD.length)) n++;
  return n;
}

function followAlias(aliases: Map<string, string>, id: string): string {
  let cur = id;
  for (let hops = 0; hops < 64; hops++) {
    const next = aliases.get(cur);
    if (next === undefined || next === cur) return cur;
    cur = next;
  }
  return cur;
}

/** Merges two states of the same tenant's miner; see the module doc. */
export function mergeStates(a: MinerState, b: MinerState, maxClusters = DEFAULT_MAX_CLUSTERS): MinerState {
  const rows = new Map<string, ClusterRow>();
  for (const r of a.clusters) rows.set(r[0], [r[0], r[1], r[2], r[3]]);
  for (const r of b.clusters) {
    const have = rows.get(r[0]);
    if (!have) {
      rows.set(r[0], [r[0], r[1], r[2], r[3]]);
      continue;
    }
    if (wildcards(r[1]) >= wildcards(have[1])) have[1] = r[1];
    have[2] = Math.max(have[2], r[2]);
    have[3] = Math.max(have[3], r[3]);
  }
  const aliases = new Map<string, string>();
  for (const [from, to] of a.aliases) aliases.set(from, to);
  for (const [from, to] of b.aliases) aliases.set(from, to);
  // Resolve chains; drop aliases that lead nowhere live or back to themselves.
  for (const [from] of aliases) {
    const to = followAlias(aliases, from);
    if (to === from || !rows.has(to)) aliases.delete(from);
    else aliases.set(from, to);
  }
  // A live cluster retired in the other state: the survivor takes over.
  for (const from of aliases.keys()) {
    const row = rows.get(from);
    if (!row) continue;
    const survivor = rows.get(aliases.get(from)!)!;
    survivor[3] = Math.max(survivor[3], row[3]);
    rows.delete(from);
  }
  return boundState({ v: 1, tick: Math.max(a.tick, b.tick), clusters: [...rows.values()], aliases: [...aliases] }, maxClusters);
}

/**
 * Keeps the `maxClusters` most recently seen clusters (ties: higher count; order preserved) and
 * at most `maxClusters` aliases pointing at them (the last ones). Returns the same object when it
 * is already within bounds.
 */
export function boundState(state: MinerState, maxClusters = DEFAULT_MAX_CLUSTERS): MinerState {
  const max = Math.max(1, maxClusters);
  let clusters = state.clusters;
  if (clusters.length > max) {
    const keep = new Set(
      [...clusters]
        .sort((x, y) => y[3] - x[3] || y[2] - x[2])
        .slice(0, max)
        .map((r) => r[0]),
    );
    clusters = clusters.filter((r) => keep.has(r[0]));
  }
  const live = new Set(clusters.map((r) => r[0]));
  let aliases = state.aliases.filter(([from, to]) => live.has(to) && !live.has(from));
  if (aliases.length > max) aliases = aliases.slice(aliases.length - max);
  if (clusters === state.clusters && aliases.length === state.aliases.length) return state;
  return { v: 1, tick: state.tick, clusters, aliases };
}

/** An empty state. */
export function emptyState(): MinerState {
  return { v: 1, tick: 0, clusters: [], aliases: [] };
}
