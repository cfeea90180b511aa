/**
 * Issue 14's size rules, measured with the TypeScript compiler (test/support/function-lengths.ts):
 * across shared/ and functions/ no function is over 120 lines of its own and at most five are over
 * 60; every handler file is at most 60 lines; in the settings area (config, the handlers, middleware,
 * metrics, observability, setup, concurrency, archive, retention, local pollers) no function is over
 * 60 lines of its own. `npx tsx test/support/function-lengths.ts` lists the long ones.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FunctionLength, measureDirs, measureSource } from '../../support/function-lengths.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('measureSource', () => {
  it('counts a function\'s own lines, nested functions not counted (their first line stays with the parent)', () => {
    const src = [
      'export function outer(xs: number[]) {', //   1 outer
      '  const ys = xs.map((x) => {', //             2 outer (inner starts here)
      '    const y = x * 2;', //                     3 inner
      '    return y + 1;', //                        4 inner
      '  });', //                                    5 inner
      '  return ys;', //                             6 outer
      '}', //                                        7 outer
      'class C {', //
      '  method() {', //                             9 method
      '    return 1;', //
      '  }', //
      '  get v() { return 2; }', //
      '}', //
      'const arrow = () => 3;',
    ].join('\n');
    const byName = Object.fromEntries(measureSource('x.ts', src).map((f) => [f.name, f]));
    expect(byName.outer).toMatchObject({ lines: 4, line: 1 });
    expect(byName['<anonymous>']).toMatchObject({ lines: 4, line: 2 });
    expect(byName.method).toMatchObject({ lines: 3, line: 9 });
    expect(byName.v!.lines).toBe(1);
    expect(byName.arrow!.lines).toBe(1);
  });
});

describe('the settings area stays small', () => {
  it('every functions/*.ts handler file is at most 60 lines', () => {
    const long = readdirSync(join(ROOT, 'functions'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => [f, readFileSync(join(ROOT, 'functions', f), 'utf8').split('\n').length - 1] as const)
      .filter(([, n]) => n > 60);
    expect(long).toEqual([]);
  });

  it('no function in it is over 60 lines of its own', () => {
    const dirs = ['functions', 'shared/archive', 'shared/retention', 'local'];
    const files = ['shared/config.ts', 'shared/middleware.ts', 'shared/metrics.ts', 'shared/observability.ts', 'shared/setup.ts', 'shared/concurrency.ts'];
    const measured = [
      ...measureDirs(ROOT, dirs).filter((f) => !f.file.startsWith(join('local', 'services'))),
      ...files.flatMap((f) => measureSource(f, readFileSync(join(ROOT, f), 'utf8'))),
    ];
    expect(measured.length).toBeGreaterThan(100);
    expect(measured.filter((f) => f.lines > 60).map((f) => `${f.file}:${f.line} ${f.name} (${f.lines})`)).toEqual([]);
  });
});

/** Breaches of the repository-wide rule: a function over 120 lines, or a sixth over 60. */
function breaches(fs: readonly FunctionLength[]): string[] {
  const show = (f: FunctionLength) => `${f.file}:${f.line} ${f.name} (${f.lines})`;
  const out = fs.filter((f) => f.lines > 120).map((f) => `over 120: ${show(f)}`);
  const long = fs.filter((f) => f.lines > 60);
  if (long.length > 5) out.push(`${long.length} over 60 (at most 5; split one before adding another): ${long.map(show).join(', ')}`);
  return out;
}

describe('shared/ and functions/ stay small (issue 14)', () => {
  it('the rule: none over 120, a sixth over 60 breaks it', () => {
    const fn = (name: string, lines: number): FunctionLength => ({ file: 'shared/x.ts', name, line: 1, lines });
    const five = ['a', 'b', 'c', 'd', 'e'].map((n) => fn(n, 61));
    expect(breaches([...five, fn('short', 60)])).toEqual([]);
    expect(breaches([...five.slice(1), fn('edge', 120)])).toEqual([]);
    expect(breaches([...five, fn('sixth', 61)])).toEqual([expect.stringContaining('6 over 60')]);
    expect(breaches([fn('huge', 121)])).toEqual(['over 120: shared/x.ts:1 huge (121)']);
  });

  it('holds for every function in shared/ and functions/', () => {
    const measured = measureDirs(ROOT, ['shared', 'functions']);
    expect(measured.length).toBeGreaterThan(900);
    expect(new Set(measured.map((f) => f.file.split(/[\\/]/)[0]))).toEqual(new Set(['shared', 'functions']));
    expect(breaches(measured)).toEqual([]);
  });
});
