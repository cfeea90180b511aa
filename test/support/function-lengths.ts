/**
 * Function lengths, as issue 14 counts them: the lines of each function of its own, nested functions
 * not counted (a nested function's lines count for it, except the line it starts on, which holds its
 * parent's code too). Every function-like node counts: declarations, methods, constructors,
 * accessors, arrow functions and function expressions.
 *
 *   npx tsx test/support/function-lengths.ts [dir ...]     report over 60 / over 120 (default: shared functions)
 *
 * Used by test/unit/structure/function-lengths.test.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface FunctionLength {
  file: string;
  name: string;
  line: number;
  /** Lines of its own (nested functions excluded). */
  lines: number;
}

const isFunctionLike = (n: ts.Node): n is ts.FunctionLikeDeclaration =>
  ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isConstructorDeclaration(n) || ts.isGetAccessorDeclaration(n) ||
  ts.isSetAccessorDeclaration(n) || ts.isArrowFunction(n) || ts.isFunctionExpression(n);

function nameOf(n: ts.FunctionLikeDeclaration, sf: ts.SourceFile): string {
  if (n.name) return n.name.getText(sf);
  if (ts.isConstructorDeclaration(n)) return 'constructor';
  const p = n.parent;
  if (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) return p.name.getText(sf);
  return `<anonymous>`;
}

/** Every function in the source with its own line count. */
export function measureSource(file: string, text: string): FunctionLength[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const line = (pos: number) => sf.getLineAndCharacterOfPosition(pos).line;
  const out: FunctionLength[] = [];
  const visit = (node: ts.Node, owner: { lines: Set<number> } | undefined): void => {
    if (isFunctionLike(node) && node.body) {
      const start = line(node.getStart(sf));
      const end = line(node.getEnd());
      const own = new Set<number>();
      for (let l = start; l <= end; l++) own.add(l);
      // The parent keeps the line this function starts on; the rest is this function's.
      if (owner) for (let l = start + 1; l <= end; l++) owner.lines.delete(l);
      const me = { lines: own };
      ts.forEachChild(node, (c) => visit(c, me));
      out.push({ file, name: nameOf(node, sf), line: start + 1, lines: own.size });
      return;
    }
    ts.forEachChild(node, (c) => visit(c, owner));
  };
  visit(sf, undefined);
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

export function measureDirs(root: string, dirs: readonly string[]): FunctionLength[] {
  return dirs.flatMap((d) => tsFiles(join(root, d))).flatMap((f) => measureSource(relative(root, f), readFileSync(f, 'utf8')));
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const root = resolve(import.meta.dirname, '..', '..');
  const dirs = process.argv.length > 2 ? process.argv.slice(2) : ['shared', 'functions'];
  const all = measureDirs(root, dirs).sort((a, b) => b.lines - a.lines);
  const over60 = all.filter((f) => f.lines > 60);
  for (const f of over60) process.stdout.write(`${String(f.lines).padStart(4)}  ${f.file}:${f.line}  ${f.name}${f.lines > 120 ? '   (over 120)' : ''}\n`);
  process.stdout.write(`${all.length} functions in ${dirs.join(', ')}: ${over60.length} over 60 lines (issue 14 allows 5), ${all.filter((f) => f.lines > 120).length} over 120 (allows 0)\n`);
}
