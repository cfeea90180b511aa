/**
 * Test tools from Debian's packages (the log shippers): installed with apt-get when missing, as the
 * services scripts install the servers, so `npm test` needs no manual step on a fresh machine.
 */
import { spawnSync } from 'node:child_process';

const has = (bin: string): boolean => spawnSync(bin, ['--version'], { stdio: 'ignore' }).status === 0;

/** Makes `bin` available, installing `packages` with apt-get if needed; throws saying how if it cannot. */
export function ensureDebianTool(bin: string, packages: string[]): void {
  if (has(bin)) return;
  const how = `apt-get install -y ${packages.join(' ')}`;
  if (process.getuid?.() !== 0 || spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`${bin} is needed for this test and could not be installed here. Install it: ${how}`);
  }
  process.stderr.write(`[setup] installing ${packages.join(', ')} from Debian for the ${bin} test\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    r = spawnSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: 'inherit', env });
  }
  if (r.status !== 0 || !has(bin)) throw new Error(`Installing ${packages.join(' ')} failed; run: ${how}`);
}
