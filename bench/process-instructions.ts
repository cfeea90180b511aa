/**
 * Instructions per event of the process stage's CPU path and of its essential work (the two
 * figures `bench/process.ts` compares by CPU time), counted by callgrind, where a shared box makes
 * CPU time move by a third between runs. Runs WARM passes, then PASSES measured passes of one
 * 10,000-event batch; `bench/process-instructions.sh` runs it with two PASSES and divides the
 * difference by the events between them, so start-up, loading and JIT warm-up cancel out.
 *
 *   node process-instructions.mjs [passes=2] [mode=stage|stage-nomine|essential|essential-nomine] [warm=3]
 */
import { pathToFileURL } from 'node:url';
import { benchEvent, essentialPass, stagePass } from './process.ts';

const EVENTS = 10_000;

export async function runPasses(passes: number, mode: string, warm: number): Promise<void> {
  const event = benchEvent(EVENTS);
  const mine = !mode.endsWith('-nomine');
  const pass = mode.startsWith('stage') ? stagePass(event, mine) : essentialPass(event, mine);
  for (let i = 0; i < warm + passes; i++) await pass();
  process.stdout.write(`${JSON.stringify({ mode, passes, warm, events: EVENTS })}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runPasses(Number(process.argv[2] ?? 2), process.argv[3] ?? 'stage', Number(process.argv[4] ?? 3));
  process.exit(0);
}
