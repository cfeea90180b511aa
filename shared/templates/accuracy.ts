/**
 * Grouping accuracy (GA) of a log parser, as defined by Zhu et al., "Tools and Benchmarks for Automated
 * Log Parsing" (ICSE-SEIP 2019) and the Loghub README: a line is correct when the set of lines given its
 * (predicted) template equals the set of lines that share its true template; GA = share of correct lines.
 */
export function groupingAccuracy(predicted: readonly string[], truth: readonly string[]): number {
  if (predicted.length !== truth.length) throw new Error('groupingAccuracy: length mismatch');
  if (predicted.length === 0) return 1;
  // Group lines by predicted key and by true key; a predicted group is correct when all of its lines
  // share one true key and that true key has exactly as many lines.
  const truthCount = new Map<string, number>();
  for (const t of truth) truthCount.set(t, (truthCount.get(t) ?? 0) + 1);
  const groups = new Map<string, { truth: string; n: number; pure: boolean }>();
  for (let i = 0; i < predicted.length; i++) {
    const p = predicted[i]!;
    const t = truth[i]!;
    const g = groups.get(p);
    if (!g) groups.set(p, { truth: t, n: 1, pure: true });
    else {
      g.n++;
      if (g.truth !== t) g.pure = false;
    }
  }
  let correct = 0;
  for (const g of groups.values()) if (g.pure && truthCount.get(g.truth) === g.n) correct += g.n;
  return correct / predicted.length;
}
