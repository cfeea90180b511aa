/** bench/harness.ts's BundledWorker: a bench module kept running in its own process, asked one line at a time. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BundledWorker } from '../../../bench/harness.ts';

function module(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-worker-'));
  const entry = join(dir, 'src', 'side.ts');
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  mkdirSync(join(dir, 'src'));
  writeFileSync(entry, source);
  return entry;
}

describe('BundledWorker', () => {
  it('answers each request with the line the module prints for it, in order, from one process', async () => {
    const entry = module(`
      import { createInterface } from 'node:readline';
      const factor: number = Number(process.argv[2]);
      process.stdout.write('ready ' + process.env.SIDE_TAG + '\\n');
      for await (const line of createInterface({ input: process.stdin })) process.stdout.write(process.pid + ' ' + Number(line) * factor + '\\n');
    `);
    const w = await BundledWorker.start(entry, ['3'], { ...process.env, SIDE_TAG: 'x' });
    try {
      expect(await w.next()).toBe('ready x');
      const [pid1, a] = (await w.ask('7')).split(' ');
      const [pid2, b] = (await w.ask('10')).split(' ');
      expect([a, b]).toEqual(['21', '30']);
      expect(pid1).toBe(pid2);
      expect(Number(pid1)).not.toBe(process.pid);
    } finally {
      w.stop();
    }
  });

  it('fails the request, saying so, when the module exits without answering', async () => {
    const entry = module(`process.exit(3);`);
    const w = await BundledWorker.start(entry, []);
    await expect(w.ask('1')).rejects.toThrow(/exited .* before answering/);
    w.stop();
  });
});
