/**
 * Subsumed templates (batch mining only, `FinalTemplates`): at the end of a pass, a template that is
 * an instance of a more general one — the same whitespace-separated tokens, except where the general
 * one has `<*>` — is the general one. Online mining can leave such a template behind when its value
 * was kept apart as a possible closed-set member before the position became a variable
 * (`user oracle from <*>` beside `user <*> from <*>`); which values are left behind depends on
 * the order of the lines, so folding them in makes the result independent of it.
 *
 * Only one position may differ, and not with an upper-case identifier (`RUNNING`, `JOB_SETUP`: enum
 * constants, the closed sets the miner keeps apart on purpose). A general template needs at least two constant tokens (a template of variables only subsumes
 * nothing). Cost: each template is compared only with the templates of its token count that share
 * its first token or start with `<*>`.
 */
import { WILDCARD } from './tokenize.ts';

export const MIN_CONSTANTS = 2;

/** An upper-case identifier (`RUNNING`, `JOB_SETUP`): by convention an enum constant, a closed-set member. */
const ENUM_CONSTANT = /^[A-Z][A-Z0-9_]*[A-Z0-9]$/;

/** The specific tokens equal the general ones except at exactly one `<*>`, whose value is not an enum constant. */
export function isInstance(specific: readonly string[], general: readonly string[]): boolean {
  let differ = 0;
  for (let i = 0; i < general.length; i++) {
    if (specific[i] === general[i]) continue;
    if (general[i] !== WILDCARD || ENUM_CONSTANT.test(specific[i]!)) return false;
    differ++;
  }
  return differ === 1;
}

export function constants(tokens: readonly string[]): number {
  let n = 0;
  for (const t of tokens) if (t !== WILDCARD) n++;
  return n;
}

/** For each template, the most general template that subsumes it (itself when none does). */
export function subsumers(templates: readonly string[]): string[] {
  const split = templates.map((t) => t.split(/\s+/).filter((w) => w !== ''));
  const buckets = new Map<string, number[]>();
  split.forEach((tokens, k) => {
    if (constants(tokens) < MIN_CONSTANTS || !tokens.includes(WILDCARD)) return;
    const key = `${tokens.length} ${tokens[0] === WILDCARD ? WILDCARD : tokens[0]}`;
    let b = buckets.get(key);
    if (b === undefined) buckets.set(key, (b = []));
    b.push(k);
  });
  return templates.map((template, k) => {
    const tokens = split[k]!;
    let best = -1;
    for (const key of [`${tokens.length} ${tokens[0]}`, `${tokens.length} ${WILDCARD}`]) {
      for (const g of buckets.get(key) ?? []) {
        if (g === k || !isInstance(tokens, split[g]!)) continue;
        if (best < 0 || constants(split[g]!) < constants(split[best]!)) best = g;
      }
      if (tokens[0] === WILDCARD) break;
    }
    return best < 0 ? template : templates[best]!;
  });
}
