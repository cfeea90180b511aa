/**
 * Builds the Lambda bundles as `serverless package` does (the options come from deploy/esbuild.cjs,
 * which serverless.yml reads too), for the bundle-budget test and bench/coldstart.ts.
 */
import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import type { BuildOptions, Metafile } from 'esbuild';

const ROOT = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
const deploy = require(join(ROOT, 'deploy', 'esbuild.cjs')) as { esbuildOptions: BuildOptions; outExtension: Record<string, string> };

/** The functions serverless.yml deploys, by the handler file each names (`functions/<name>.handler`). */
export function functionNames(): string[] {
  const yml = readFileSync(join(ROOT, 'serverless.yml'), 'utf8');
  return [...yml.matchAll(/^\s+handler: functions\/(\w+)\.handler$/gm)].map((m) => m[1]!);
}

export interface Bundle {
  name: string;
  /** Path of the bundled file written (a .cjs). */
  file: string;
  /** Bytes of code loaded at cold start (the bundle file alone; no source map). */
  bytes: number;
  /** Bytes of the lazily loaded files beside it (`lazy/*.cjs`, loaded on first use). */
  lazyBytes: number;
  /** Size of the function's zip: bundle, lazy files and native.wasm, deflated as `serverless package` does (level 1). */
  zipBytes: number;
  /** Bytes of output per input package (`@platformatic/kafka`, `shared/ingest`, ...), largest first. */
  byPackage: Array<[string, number]>;
}

/** Builds `entry` (a path under the repo, or `{ contents }` for an inline module) into `outDir`. */
export async function buildBundle(name: string, entry: string | { contents: string }, outDir: string): Promise<Bundle> {
  const { build } = await import('esbuild');
  const file = join(outDir, name, `${name}.cjs`);
  rmSync(dirname(file), { recursive: true, force: true });
  const result = await build({
    ...deploy.esbuildOptions,
    ...(typeof entry === 'string'
      ? { entryPoints: [join(ROOT, entry)] }
      : { stdin: { contents: entry.contents, resolveDir: ROOT, loader: 'ts', sourcefile: `${name}.ts` } }),
    outfile: file,
    metafile: true,
    write: true,
  });
  const code = readFileSync(file);
  const dir = dirname(file);
  const extras = [
    ...(existsSync(join(dir, 'lazy')) ? readdirSync(join(dir, 'lazy')).map((f) => `lazy/${f}`) : []),
    ...(existsSync(join(dir, 'native.wasm')) ? ['native.wasm'] : []),
  ];
  let zipBytes = zipEntrySize(`functions/${name}.cjs`, code) + 22;
  let lazyBytes = 0;
  for (const f of extras) {
    const data = readFileSync(join(dir, f));
    if (f.startsWith('lazy/')) lazyBytes += data.byteLength;
    zipBytes += zipEntrySize(`functions/${f}`, data);
  }
  return { name, file, bytes: code.byteLength, lazyBytes, zipBytes, byPackage: byPackage(result.metafile!) };
}

/** A function's bundle, as serverless.yml packages it. */
export function buildFunction(name: string, outDir: string): Promise<Bundle> {
  return buildBundle(name, `functions/${name}.ts`, outDir);
}

/** The reference: @aws-sdk/client-dynamodb alone, built the same way. */
export function buildReference(outDir: string): Promise<Bundle> {
  return buildBundle('reference-dynamodb', { contents: "export * from '@aws-sdk/client-dynamodb';" }, outDir);
}

/** Bytes one deflated entry adds to a zip (local header, data, central directory record). */
function zipEntrySize(entryName: string, data: Buffer): number {
  const n = Buffer.byteLength(entryName);
  return 30 + n + deflateRawSync(data, { level: 1 }).byteLength + 46 + n;
}

function byPackage(meta: Metafile): Array<[string, number]> {
  const out = Object.values(meta.outputs)[0]!;
  const sums = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const key = m ? m[1]! : input.split('/').slice(0, 2).join('/');
    sums.set(key, (sums.get(key) ?? 0) + bytesInOutput);
  }
  return [...sums].sort((a, b) => b[1] - a[1]);
}
