/**
 * A Debian package's files without installing it, for shippers that cannot be installed beside the
 * ones already here: rsyslog and syslog-ng-core both provide the system log daemon, so Debian
 * refuses to install both. `apt-get download` + `dpkg-deb -x` into ${SLUICE_CACHE:-~/.cache/sluice}/debs/<name>;
 * the packages' own dependencies (shared libraries) are installed normally (they conflict with nothing).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

function run(cmd: string, args: string[], cwd?: string): void {
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr?.toString() ?? ''}`);
}

/** Installs those of `packages` that dpkg does not know as installed (apt-get; root only). */
export function ensureDebianPackages(packages: string[]): void {
  const missing = packages.filter((p) => spawnSync('dpkg', ['-s', p], { stdio: 'ignore' }).status !== 0);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`this test needs ${missing.join(' ')}: apt-get install -y ${missing.join(' ')}`);
  run('apt-get', ['install', '-y', '-qq', ...missing]);
}

/** The root of `packages` extracted (cached), after installing `libraries` with apt-get when missing. */
export function extractedDebian(name: string, packages: string[], libraries: string[]): string {
  const root = join(process.env['SLUICE_CACHE'] ?? join(homedir(), '.cache', 'sluice'), 'debs', name);
  ensureDebianPackages(libraries);
  if (existsSync(join(root, '.extracted'))) return join(root, 'root');
  rmSync(root, { recursive: true, force: true });
  const debs = join(root, 'debs');
  mkdirSync(debs, { recursive: true });
  run('apt-get', ['download', ...packages], debs);
  for (const f of readdirSync(debs)) if (f.endsWith('.deb')) run('dpkg-deb', ['-x', join(debs, f), join(root, 'root')]);
  writeFileSync(join(root, '.extracted'), packages.join(' ') + '\n');
  return join(root, 'root');
}
