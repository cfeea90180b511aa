// DynamoDB Local from Maven Central, with sqlite4java's linux-amd64 native library, bound to
// 127.0.0.1 through a tiny launcher (java/SluiceDynamoDbLocal.java): ServerRunner has no bind option.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST, SERVICES_DIR, cacheDir, endpoints, serviceStateDir } from './config.ts';
import { fileDigest, httpProbe, runStep } from './proc.ts';
import { javaBin, javacBin, mvnDependency } from './tools.ts';
import type { ServiceDef } from './types.ts';
import { DYNAMODB_LOCAL_VERSION } from './versions.ts';

const home = (): string => join(cacheDir(), `dynamodb-local-${DYNAMODB_LOCAL_VERSION}`);
const marker = (): string => join(home(), '.installed');
const pomPath = (): string => join(SERVICES_DIR, 'maven', 'dynamodb', 'pom.xml');
const launcherSrc = (): string => join(SERVICES_DIR, 'java', 'SluiceDynamoDbLocal.java');
/** What the marker records: a changed pom, launcher or version means a re-install. */
const recipe = (): string => `${DYNAMODB_LOCAL_VERSION} ${fileDigest(pomPath())} ${fileDigest(launcherSrc())}\n`;

export const dynamodb: ServiceDef = {
  name: 'dynamodb',
  title: `DynamoDB Local ${DYNAMODB_LOCAL_VERSION}`,
  usesMaven: true,
  startTimeoutMs: 60_000,
  stopGraceMs: 10_000,

  isInstalled: () => existsSync(marker()) && readFileSync(marker(), 'utf8') === recipe(),

  async install() {
    const tmp = `${home()}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(join(tmp, 'native'), { recursive: true });
    await mvnDependency(
      `Fetching DynamoDB Local ${DYNAMODB_LOCAL_VERSION} jars and sqlite4java natives from Maven Central`,
      'dynamodb',
      'copy-dependencies',
      { 'dynamodb.version': DYNAMODB_LOCAL_VERSION, outputDirectory: join(tmp, 'lib'), includeScope: 'runtime' },
      pomPath(),
    );
    const so = readdirSync(join(tmp, 'lib')).find((f) => /^libsqlite4java-linux-amd64.*\.so$/.test(f));
    if (!so) throw new Error('no libsqlite4java-linux-amd64 .so among the DynamoDB Local dependencies');
    // sqlite4java looks for libsqlite4java-linux-amd64.so (and the versioned name) on java.library.path
    copyFileSync(join(tmp, 'lib', so), join(tmp, 'native', 'libsqlite4java-linux-amd64.so'));
    copyFileSync(join(tmp, 'lib', so), join(tmp, 'native', so));
    await runStep(
      'Compiling the DynamoDB Local 127.0.0.1 launcher',
      javacBin(),
      ['-cp', join(tmp, 'lib', '*'), '-d', join(tmp, 'classes'), launcherSrc()],
      { log: join(cacheDir(), 'logs', 'install-dynamodb.log'), prefix: 'dynamodb' },
    );
    rmSync(home(), { recursive: true, force: true });
    renameSync(tmp, home());
    writeFileSync(marker(), recipe());
  },

  async prepare() {
    const e = endpoints().dynamodb;
    const dir = serviceStateDir('dynamodb');
    mkdirSync(dir, { recursive: true });
    const heap = process.env['SLUICE_DYNAMODB_HEAP'] ?? '256m';
    // in memory by default; SLUICE_DYNAMODB_PERSIST=1 keeps tables in <state>/dynamodb/
    const storage = process.env['SLUICE_DYNAMODB_PERSIST'] === '1' ? ['-dbPath', dir] : ['-inMemory'];
    return {
      command: javaBin(),
      args: [
        `-Xms${heap}`,
        `-Xmx${heap}`,
        '-XX:+ExitOnOutOfMemoryError',
        '-XX:TieredStopAtLevel=1',
        `-Djava.library.path=${join(home(), 'native')}`,
        '-cp',
        `${join(home(), 'classes')}:${join(home(), 'lib', '*')}`,
        'SluiceDynamoDbLocal',
        HOST,
        ...storage,
        '-sharedDb',
        '-disableTelemetry',
        '-port',
        String(e.port),
      ],
      cwd: dir,
    };
  },

  async probe() {
    const e = endpoints().dynamodb;
    // DynamoDB Local checks that a SigV4 header is present, not that it is valid.
    const r = await httpProbe(e.endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': 'DynamoDB_20120810.ListTables',
        Authorization: `AWS4-HMAC-SHA256 Credential=${e.accessKeyId}/20240101/${e.region}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: '{}',
    });
    if (!r) return { ok: false, detail: 'no answer' };
    return r.status === 200 && r.body.includes('TableNames') ? { ok: true, detail: 'ListTables ok' } : { ok: false, detail: `HTTP ${r.status}` };
  },
};
