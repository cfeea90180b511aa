/**
 * Instructions per record of the protocol ingest paths (bench/protocols.ts's `recordsOf`: decode +
 * envelope + Kafka values), counted by valgrind's callgrind rather than timed: on a shared machine a
 * count does not depend on what else runs. Not a `npm run bench` module (no default export): a tool
 * for before/after figures of a hot-path change.
 *
 *   nice -n 19 npx tsx bench/protocols-instr.ts [--kinds 'OTLP protobuf,OTLP JSON'] [--kb 1024] [--n 4] [--warm 20] [--top 25] [--node-flags=--no-turbo-inlining]
 *
 * For each kind the bundled driver (plain JS, no tsx loader) runs under callgrind with V8 on one
 * thread (`--single-threaded`: JIT and GC work counted where it happens): `warm` warm-up requests,
 * then `n` measured ones inside a JSON.parse reviver, so that `--toggle-collect` on V8's
 * JsonParseInternalizer counts only them (start-up, JIT warm-up and building the body left out);
 * their instructions / (n * events) is the cost of one record.
 * `--child <kind> <n> <warm> <kb>` is the driver itself (what runs under valgrind).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { body, recordsOf, type Kind } from './protocols.ts';

const ALL: Kind[] = ['native NDJSON', 'OTLP protobuf', 'OTLP JSON', 'ES bulk'];

function child(kind: Kind, n: number, warm: number, kb: number): void {
  const c = body(kind, kb * 1024);
  let sink = 0;
  for (let k = 0; k < warm; k++) for (const x of recordsOf(c.ev)) sink += x;
  // Collected by callgrind only inside JsonParseInternalizer::Internalize, i.e. inside this reviver.
  JSON.parse('0', () => {
    for (let k = 0; k < n; k++) for (const x of recordsOf(c.ev)) sink += x;
    return 0;
  });
  console.log(JSON.stringify({ kind, events: c.events, n, bytes: sink }));
}

/** Total instructions (Ir) of one callgrind run of the bundled driver. */
function irOf(bundle: string, kind: Kind, n: number, warm: number, kb: number, out: string, nodeFlags: string[]): { ir: number; events: number } {
  const node = process.execPath;
  const args = ['--tool=callgrind', '--collect-atstart=no', '--toggle-collect=v8::internal::JsonParseInternalizer::Internalize*', `--callgrind-out-file=${out}`,
    node, '--single-threaded', '--perf-basic-prof', ...nodeFlags, bundle, '--child', kind, String(n), String(warm), String(kb)];
  const stdout = execFileSync('nice', ['-n', '19', 'valgrind', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 24 });
  const events = (JSON.parse(stdout.trim().split('\n').pop()!) as { events: number }).events;
  const m = /^summary:\s+(\d+)/m.exec(readFileSync(out, 'utf8'));
  if (!m) throw new Error(`no summary in ${out}`);
  return { ir: Number(m[1]), events };
}

/**
 * The `top` most costly functions of a callgrind run by self instructions, JIT code named from the
 * perf map `--perf-basic-prof` wrote (/tmp/perf-<pid>.map; callgrind alone knows only its address).
 */
function topFunctions(out: string, top: number, perRecord: number): string[] {
  const text = execFileSync('callgrind_annotate', ['--inclusive=no', `--threshold=100`, out], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const pid = /\(PID (\d+)/.exec(text)?.[1];
  const map: Array<[number, number, string]> = [];
  try {
    for (const line of readFileSync(`/tmp/perf-${pid}.map`, 'utf8').split('\n')) {
      const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
      if (m) map.push([parseInt(m[1]!, 16), parseInt(m[2]!, 16), m[3]!]);
    }
  } catch {
    // no perf map: addresses stay unnamed
  }
  const name = (addr: number): string => {
    for (let k = map.length - 1; k >= 0; k--) if (addr >= map[k]![0] && addr < map[k]![0] + map[k]![1]) return map[k]![2];
    return `0x${addr.toString(16)}`;
  };
  const rows: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*([\d,]+) \(\s*([\d.]+)%\)\s+(.*)$/.exec(line);
    if (!m || m[3]!.startsWith('PROGRAM TOTALS')) continue;
    const ir = Number(m[1]!.replace(/,/g, ''));
    let fn = m[3]!;
    // JIT code has no symbol: named from the perf map (`'2` marks a recursive call's own entry).
    const jit = /^(?:\?\?\?:)?0x([0-9a-f]+)('\d+)? \[\?\?\?\]/.exec(fn);
    if (jit) fn = name(parseInt(jit[1]!, 16)) + (jit[2] ?? '');
    else fn = fn.replace(/^[^:]*:/, '').replace(/\s*\[[^\]]*\]$/, '').replace(/\(.*$/, '');
    rows.push(`  ${m[2]!.padStart(5)}%  ${String(Math.round((perRecord * Number(m[2])) / 100)).padStart(6)}/record  ${fn.slice(0, 110)}`);
    if (rows.length >= top) break;
  }
  return rows;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      kinds: { type: 'string', default: ALL.join(',') },
      kb: { type: 'string', default: '1024' },
      n: { type: 'string', default: '4' },
      warm: { type: 'string', default: '20' },
      top: { type: 'string', default: '0' },
      // e.g. --node-flags=--no-turbo-inlining: each function's own cost, for finding where it goes (not for figures)
      'node-flags': { type: 'string', default: '' },
    },
  });
  const self = fileURLToPath(import.meta.url);
  const dir = join(dirname(self), '..', '.sluice', 'bench');
  mkdirSync(dir, { recursive: true });
  const bundle = join(dir, 'protocols-instr.mjs');
  const { build } = await import('esbuild');
  await build({ entryPoints: [self], outfile: bundle, bundle: true, platform: 'node', format: 'esm', target: 'node22', packages: 'external', logLevel: 'silent' });
  const [kb, n, warm] = [values.kb, values.n, values.warm].map(Number) as [number, number, number];
  const per = new Map<string, number>();
  for (const kind of values.kinds.split(',') as Kind[]) {
    const tag = kind.replace(/\W+/g, '-');
    const a = irOf(bundle, kind, n, warm, kb, join(dir, `callgrind.${tag}.out`), values['node-flags'].split(' ').filter((f) => f !== ''));
    const perRecord = a.ir / (n * a.events);
    per.set(kind, perRecord);
    const ratio = per.has('native NDJSON') && kind !== 'native NDJSON' ? `  (${(per.get('native NDJSON')! / perRecord).toFixed(2)} of native by instructions)` : '';
    console.log(`${kind.padEnd(14)} ${Math.round(perRecord).toString().padStart(7)} instructions/record  (${a.events} records per ${kb} KB body)${ratio}`);
    if (Number(values.top) > 0) for (const row of topFunctions(join(dir, `callgrind.${tag}.out`), Number(values.top), perRecord)) console.log(row);
  }
}

const argv = process.argv;
const ci = argv.indexOf('--child');
if (ci >= 0) child(argv[ci + 1] as Kind, Number(argv[ci + 2]), Number(argv[ci + 3]), Number(argv[ci + 4]));
else if (argv[1] !== undefined && fileURLToPath(new URL(`file://${argv[1]}`)) === fileURLToPath(import.meta.url)) await main();
