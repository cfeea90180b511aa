/**
 * No import cycle between the directories of shared/ (shared/process, shared/adapters, ...): the
 * import lines of every file are parsed (static imports, `export ... from`, `import()`), each file
 * import between two directories is an edge, and the directory graph must be acyclic. The files at
 * the top of shared/ (config, envelope, msk, ...) are the kernel every directory may use; they are
 * not a directory of shared/ and are left out of the graph.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = normalize(join(dirname(fileURLToPath(import.meta.url)), '../../..'));
const SHARED = join(ROOT, 'shared');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

const SPEC = /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The relative module specifiers a source imports. */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(SPEC)) {
    const s = m[1] ?? m[2] ?? m[3];
    if (s !== undefined && s.startsWith('.')) out.push(s);
  }
  return out;
}

/** Directory (relative to shared/, e.g. `process`) -> the directories it imports, with one file import as the witness. */
function directoryGraph(): Map<string, Map<string, string>> {
  const g = new Map<string, Map<string, string>>();
  for (const file of tsFiles(SHARED)) {
    const from = relative(SHARED, dirname(file));
    if (from === '') continue;
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const target = normalize(join(dirname(file), spec));
      const to = relative(SHARED, dirname(target));
      if (to === '' || to.startsWith('..') || to === from) continue;
      // A nested directory belongs to its top directory of shared/.
      const [a, b] = [from.split('/')[0]!, to.split('/')[0]!];
      if (a === b) continue;
      let edges = g.get(a);
      if (!edges) g.set(a, (edges = new Map()));
      if (!edges.has(b)) edges.set(b, `${relative(ROOT, file)} -> ${spec}`);
    }
  }
  return g;
}

/** One cycle of the graph (the path of directories and its witnesses), or undefined. */
function findCycle(g: Map<string, Map<string, string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 'open');
    path.push(n);
    for (const m of g.get(n)?.keys() ?? []) {
      if (state.get(m) === 'open') {
        const loop = [...path.slice(path.indexOf(m)), m];
        return loop.slice(1).map((to, i) => `${loop[i]} -> ${to} (${g.get(loop[i]!)!.get(to)})`);
      }
      if (!state.has(m)) {
        const c = visit(m);
        if (c) return c;
      }
    }
    path.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of g.keys()) {
    if (state.has(n)) continue;
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

describe('shared/ directories', () => {
  it('the import parser sees every form of import', () => {
    const src = [
      "import { a } from '../x/a.ts';",
      "import type { B } from './b.ts';",
      "export { c } from '../y/c.ts';",
      "export type { D } from '../z/d.ts';",
      "import '../side/effect.ts';",
      "const m = await import('../lazy/m.ts');",
      "import {\n  multi,\n  line,\n} from '../multi/line.ts';",
      "import { pkg } from '@aws-sdk/client-s3';",
    ].join('\n');
    expect(importsOf(src).sort()).toEqual(['../lazy/m.ts', '../multi/line.ts', '../side/effect.ts', '../x/a.ts', '../y/c.ts', '../z/d.ts', './b.ts']);
  });

  it('the cycle finder finds a cycle, and none in a tree', () => {
    const g = new Map([
      ['a', new Map([['b', 'a.ts -> b']])],
      ['b', new Map([['c', 'b.ts -> c']])],
      ['c', new Map([['a', 'c.ts -> a']])],
    ]);
    expect(findCycle(g)).toEqual(['a -> b (a.ts -> b)', 'b -> c (b.ts -> c)', 'c -> a (c.ts -> a)']);
    g.get('c')!.clear();
    expect(findCycle(g)).toBeUndefined();
  });

  it('import no cycle between them (adapters import the domain, never the reverse)', () => {
    const g = directoryGraph();
    expect(g.get('process')?.has('adapters')).toBe(true); // the stage's composition root (deps.ts) wires adapters...
    expect(g.get('adapters')?.has('process') ?? false).toBe(false); // ...which never import the stage
    expect(findCycle(g)).toBeUndefined();
  });
});
