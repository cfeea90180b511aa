/**
 * Instructions per line of the templates bench's "classify + mine" path, counted by callgrind (the
 * box is shared, so wall time is no measure). Runs WARM passes, then PASSES measured passes over
 * the same lines as bench/templates.ts (a fresh miner per pass, raw line -> classify -> miner).
 * Run it twice with different PASSES and divide the difference in instructions by the difference
 * in lines: start-up, loading and JIT warm-up cancel out. `bench/templates-instructions.sh` does so.
 *
 *   node bench/templates-instructions.ts [passes=2] [mode=both|classify|mine] [warm=3]
 *
 * mode: `both` (classify + mine, the bench's figure), `classify` (messageOf only), `mine` (the
 * miner on pre-classified messages); `<mode>-decoded`: the same with each line decoded from its bytes.
 */
import { pathToFileURL } from 'node:url';
import { createMiner } from '../shared/templates/miner.ts';
import { messageOf } from '../shared/templates/message.ts';
import { loadTemplateBenchLines } from './templates.ts';

/** Runs `warm` then `passes` passes of `mode`; prints what ran (the sink keeps the work from being optimised away). */
export function runPasses(passes: number, modeArg: string, warm: number): void {
  // `<mode>-decoded`: each line a string of its own, decoded from bytes as the pipeline's envelopes
  // are (the bench's lines are slices of one file's text, which V8 reads through an indirection).
  let mode = modeArg;
  const decoded = mode.endsWith('-decoded');
  if (decoded) mode = mode.slice(0, -'-decoded'.length);
  const lines = decoded ? loadTemplateBenchLines().map((l) => Buffer.from(l, 'utf8').toString('utf8')) : loadTemplateBenchLines();
  const now = new Date();
  const messages = lines.map((l) => messageOf(l, now));
  let sink = 0;
  const pass = (): void => {
    if (mode === 'classify') {
      for (const l of lines) sink += messageOf(l, now).length;
    } else if (mode === 'mine') {
      const m = createMiner();
      for (const msg of messages) sink += m.add(msg).templateId.length;
    } else {
      const m = createMiner();
      for (const l of lines) sink += m.add(messageOf(l, now)).templateId.length;
    }
  };
  for (let i = 0; i < warm; i++) pass();
  for (let i = 0; i < passes; i++) pass();
  process.stdout.write(`${JSON.stringify({ mode, passes, warm, lines: lines.length, sink })}\n`);
}

// Run as a script (`bench/run.ts` imports every bench file: then this does nothing).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runPasses(Number(process.argv[2] ?? 2), process.argv[3] ?? 'both', Number(process.argv[4] ?? 3));
}
