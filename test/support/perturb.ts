/**
 * Perturbations of a labelled log sample for the stability tests (issue 18): a seeded shuffle of its
 * lines, and fresh values of the same shape in its variable positions (known from the labelled
 * templates). Both keep each line's true template, so grouping accuracy stays comparable.
 */
import { rng } from './random.ts';

/** Fisher-Yates shuffle of the indices 0..n-1 with a seeded generator. */
export function shuffledOrder(n: number, seed: number): number[] {
  const next = rng(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

const CLASSES = ['0123456789', 'abcdef', 'ghijklmnopqrstuvwxyz', 'ABCDEF', 'GHIJKLMNOPQRSTUVWXYZ'];

/**
 * A fresh value of the same shape: each digit, hex letter (a-f) and other letter replaced by a random
 * one of its class and case; everything else (punctuation, spaces) kept. In a value of several
 * whitespace-separated words, a word of letters only is kept (`1.16 KB`, `12 ms`: a unit, not a value).
 */
export function sameShape(value: string, next: () => number): string {
  if (/\s/.test(value.trim())) return value.split(/(\s+)/).map((w) => (/^[^A-Za-z0-9]*[A-Za-z]*[^A-Za-z0-9]*$/.test(w) ? w : freshChars(w, next))).join('');
  return freshChars(value, next);
}

function freshChars(value: string, next: () => number): string {
  let out = '';
  for (const ch of value) {
    const cls = CLASSES.find((c) => c.includes(ch));
    out += cls === undefined ? ch : cls[Math.floor(next() * cls.length)]!;
  }
  return out;
}

const matchers = new Map<string, RegExp | null>();

/** The template as an anchored pattern, each `<*>` a lazy group; null when it cannot compile. */
function matcherOf(template: string): RegExp | null {
  let m = matchers.get(template);
  if (m === undefined) {
    const parts = template.split('<*>').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    try {
      m = new RegExp(`^${parts.join('(.*?)')}$`, 's');
    } catch {
      m = null;
    }
    matchers.set(template, m);
  }
  return m;
}

/**
 * The content with each value matched by a `<*>` of its template replaced by a fresh value of the
 * same shape; the content unchanged when the template does not match it.
 */
export function freshValues(content: string, template: string, next: () => number): string {
  const m = matcherOf(template)?.exec(content);
  if (!m) return content;
  let out = '';
  let at = 0;
  const parts = template.split('<*>');
  for (let g = 0; g < parts.length; g++) {
    out += parts[g]!;
    at += parts[g]!.length;
    if (g + 1 < parts.length) {
      const v = m[g + 1]!;
      out += sameShape(v, next);
      at += v.length;
    }
  }
  return at === content.length ? out : content;
}

/** The raw line with its Content (its tail) swapped for `fresh`; unchanged when it does not end with it. */
export function withContent(raw: string, content: string, fresh: string): string {
  return raw.endsWith(content) ? raw.slice(0, raw.length - content.length) + fresh : raw;
}
