// OpenSearch 2.x, one node, from the integ-test zip on Maven Central (no security plugin).
// OpenSearch refuses to run as root: as root we run it as an unprivileged system user.
import { spawnSync } from 'node:child_process';
import { chownSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST, cacheDir, endpoints, serviceStateDir } from './config.ts';
import { httpProbe, runStep, say } from './proc.ts';
import { javaHome, mvnDependency } from './tools.ts';
import type { ServiceDef } from './types.ts';
import { OPENSEARCH_VERSION } from './versions.ts';

const cachedHome = (): string => join(cacheDir(), `opensearch-${OPENSEARCH_VERSION}`);
const zipPath = (): string => join(cacheDir(), 'downloads', `opensearch-${OPENSEARCH_VERSION}.zip`);
const RUN_USER = process.env['SLUICE_OPENSEARCH_USER'] ?? 'sluice';

const isRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

function userIds(user: string): { uid: number; gid: number } | undefined {
  const r = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) return undefined;
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

/** As root: the unprivileged system user OpenSearch runs as (created when missing). */
function ensureRunUser(): { uid: number; gid: number } {
  let ids = userIds(RUN_USER);
  if (!ids) {
    say('opensearch', `creating system user '${RUN_USER}' to run OpenSearch (it refuses to run as root)`);
    const r = spawnSync('useradd', ['--system', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', '--user-group', RUN_USER], {
      encoding: 'utf8',
    });
    if (r.status !== 0 && !userIds(RUN_USER)) throw new Error(`useradd ${RUN_USER} failed: ${r.stderr}`);
    ids = userIds(RUN_USER);
    if (!ids) throw new Error(`user ${RUN_USER} still missing after useradd`);
  }
  return ids;
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e), uid, gid);
}

/**
 * The OpenSearch home to run. As root the cache usually sits under /root (mode 700), which the
 * unprivileged user cannot read, so the distribution is linked (hard links, or copied across file
 * systems) into the state dir once per version.
 */
function runnableHome(): string {
  if (!isRoot()) return cachedHome();
  const home = join(serviceStateDir('opensearch'), `home-${OPENSEARCH_VERSION}`);
  if (!existsSync(join(home, '.installed'))) {
    rmSync(home, { recursive: true, force: true });
    const tmp = `${home}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    const r = spawnSync('cp', ['-al', cachedHome(), tmp], { encoding: 'utf8' });
    if (r.status !== 0) {
      rmSync(tmp, { recursive: true, force: true });
      cpSync(cachedHome(), tmp, { recursive: true });
    }
    renameSync(tmp, home);
  }
  return home;
}

function opensearchYml(dataDir: string, logsDir: string): string {
  const e = endpoints().opensearch;
  return `# written by local/services/opensearch.ts on every start (edit there, not here)
cluster.name: sluice-local
node.name: sluice-local-1
path.data: ${dataDir}
path.logs: ${logsDir}
network.host: ${HOST}
http.port: ${e.port}
transport.port: ${e.transportPort}
discovery.type: single-node
cluster.routing.allocation.disk.threshold_enabled: false
action.auto_create_index: true
bootstrap.memory_lock: false
`;
}

export const opensearch: ServiceDef = {
  name: 'opensearch',
  title: `OpenSearch ${OPENSEARCH_VERSION} (single node, no security plugin)`,
  usesMaven: true,
  startTimeoutMs: 240_000,
  stopGraceMs: 30_000,

  isInstalled: () => existsSync(join(cachedHome(), '.installed')),

  async install() {
    mkdirSync(join(cacheDir(), 'downloads'), { recursive: true });
    if (!existsSync(zipPath())) {
      await mvnDependency(
        `Fetching OpenSearch ${OPENSEARCH_VERSION} (org.opensearch.distribution.integ-test-zip:opensearch:zip, ~56 MB) from Maven Central`,
        'opensearch',
        'copy',
        {
          artifact: `org.opensearch.distribution.integ-test-zip:opensearch:${OPENSEARCH_VERSION}:zip`,
          outputDirectory: join(cacheDir(), 'downloads'),
        },
      );
    }
    const tmp = join(cacheDir(), `opensearch-unzip-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    await runStep(`Unpacking ${zipPath()}`, 'unzip', ['-q', '-o', zipPath(), '-d', tmp], {
      log: join(cacheDir(), 'logs', 'install-opensearch.log'),
      prefix: 'opensearch',
    });
    const inner = join(tmp, `opensearch-${OPENSEARCH_VERSION}`);
    if (!existsSync(join(inner, 'bin', 'opensearch'))) throw new Error(`unexpected zip layout: no ${inner}/bin/opensearch`);
    rmSync(cachedHome(), { recursive: true, force: true });
    renameSync(inner, cachedHome());
    rmSync(tmp, { recursive: true, force: true });
    writeFileSync(join(cachedHome(), '.installed'), `${OPENSEARCH_VERSION}\n`);
  },

  async prepare() {
    const dir = serviceStateDir('opensearch');
    const dataDir = join(dir, 'data');
    const logsDir = join(dir, 'logs');
    const confDir = join(dir, 'config');
    const tmpDir = join(dir, 'tmp');
    mkdirSync(dataDir, { recursive: true });
    mkdirSync(tmpDir, { recursive: true });
    mkdirSync(logsDir, { recursive: true });
    mkdirSync(confDir, { recursive: true });
    const home = runnableHome();
    // Our own config dir: the distribution's jvm.options/log4j2, our opensearch.yml.
    // (bin/opensearch runs from its home, so the relative gc.log / heap dump / error file paths of
    // jvm.options would land in the read-only distribution: point them at our logs/data dirs)
    const jvmOptions = readFileSync(join(home, 'config', 'jvm.options'), 'utf8')
      .replace(/file=logs\/gc\.log/g, `file=${join(logsDir, 'gc.log')}`)
      .replace(/-XX:HeapDumpPath=data/g, `-XX:HeapDumpPath=${dataDir}`)
      .replace(/-XX:ErrorFile=logs\//g, `-XX:ErrorFile=${logsDir}/`);
    writeFileSync(join(confDir, 'jvm.options'), jvmOptions);
    if (!existsSync(join(confDir, 'log4j2.properties'))) copyFileSync(join(home, 'config', 'log4j2.properties'), join(confDir, 'log4j2.properties'));
    mkdirSync(join(confDir, 'jvm.options.d'), { recursive: true });
    writeFileSync(join(confDir, 'opensearch.yml'), opensearchYml(dataDir, logsDir));
    const heap = process.env['SLUICE_OPENSEARCH_HEAP'] ?? '768m';
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      OPENSEARCH_JAVA_HOME: javaHome(),
      OPENSEARCH_PATH_CONF: confDir,
      OPENSEARCH_TMPDIR: tmpDir, // instead of a new /tmp/opensearch-* on every start
      // after jvm.options, so these win over its -Xms1g/-Xmx1g
      OPENSEARCH_JAVA_OPTS: `-Xms${heap} -Xmx${heap} -XX:+ExitOnOutOfMemoryError`,
    };
    delete env['JAVA_HOME'];
    const bin = join(home, 'bin', 'opensearch');
    if (isRoot()) {
      const { uid, gid } = ensureRunUser();
      // data/logs/config belong to the run user; the linked distribution stays root's (read-only)
      chownSync(dir, uid, gid);
      for (const d of [dataDir, logsDir, confDir, tmpDir]) chownTree(d, uid, gid);
      env['HOME'] = dir;
      env['USER'] = RUN_USER;
      return {
        command: 'setpriv',
        args: [`--reuid=${uid}`, `--regid=${gid}`, '--init-groups', '--', bin],
        env,
        cwd: dir,
      };
    }
    return { command: bin, args: [], env, cwd: dir };
  },

  async probe() {
    const r = await httpProbe(`${endpoints().opensearch.url}/_cluster/health`);
    if (!r) return { ok: false, detail: 'no answer' };
    if (r.status !== 200) return { ok: false, detail: `HTTP ${r.status}` };
    try {
      const status = (JSON.parse(r.body) as { status?: string }).status;
      return status === 'green' || status === 'yellow' ? { ok: true, detail: `cluster ${status}` } : { ok: false, detail: `cluster ${status}` };
    } catch {
      return { ok: false, detail: 'bad health body' };
    }
  },
};
