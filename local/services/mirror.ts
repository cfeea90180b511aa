// A second local Kafka cluster and MirrorMaker 2, for the two-region mirror test
// (test/integration/regions-mirror.test.ts, docs/regions.md). Not services: the test starts them on free
// ports with their own data dir and stops them; the main broker (local/services/kafka.ts) is never
// touched. Both run from the broker's jars (~/.cache/sluice/kafka-<version>/lib); MirrorMaker 2 adds
// connect-mirror and connect-mirror-client from Maven Central (local/services/maven/kafka-mirror/pom.xml),
// and runs as `connect-mirror-maker.sh` does: org.apache.kafka.connect.mirror.MirrorMaker <mm2.properties>.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { HOST, SERVICES_DIR, cacheDir } from './config.ts';
import { kafkaClasspath, serverProperties } from './kafka.ts';
import { fileDigest, kafkaProbe, runStep, sleep, spawnDetached, stopRecorded, tailFile } from './proc.ts';
import { javaBin, mvnDependency } from './tools.ts';
import { KAFKA_VERSION } from './versions.ts';
import { installOne } from './index.ts';

const mirrorHome = (): string => join(cacheDir(), `kafka-mirror-${KAFKA_VERSION}`);
const mirrorLib = (): string => join(mirrorHome(), 'lib');
const mirrorPom = (): string => join(SERVICES_DIR, 'maven', 'kafka-mirror', 'pom.xml');
const mirrorRecipe = (): string => `${KAFKA_VERSION} ${fileDigest(mirrorPom())}\n`;

export function mirrorMakerInstalled(): boolean {
  const m = join(mirrorHome(), '.installed');
  return existsSync(m) && readFileSync(m, 'utf8') === mirrorRecipe();
}

/** The broker's jars (installed if needed) and MirrorMaker 2's two jars beside them. */
export async function ensureMirrorMaker(): Promise<void> {
  await installOne('kafka');
  if (mirrorMakerInstalled()) return;
  const tmp = `${mirrorLib()}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(mirrorHome(), { recursive: true });
  await mvnDependency(
    `Fetching MirrorMaker 2 (connect-mirror ${KAFKA_VERSION}) from Maven Central into ${mirrorLib()}`,
    'kafka-mirror',
    'copy-dependencies',
    { 'kafka.version': KAFKA_VERSION, outputDirectory: tmp, includeScope: 'runtime', excludeTransitive: 'true' },
    mirrorPom(),
  );
  if (!readdirSync(tmp).some((j) => j.startsWith(`connect-mirror-${KAFKA_VERSION}`))) throw new Error(`no connect-mirror jar in ${tmp}`);
  rmSync(mirrorLib(), { recursive: true, force: true });
  renameSync(tmp, mirrorLib());
  writeFileSync(join(mirrorHome(), '.installed'), mirrorRecipe());
}

/** A port nothing listens on now (the OS's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export interface LocalProcess {
  /** bootstrap address (a broker) or '' (MirrorMaker) */
  bootstrap: string;
  log: string;
  stop(): Promise<void>;
}

const LOG4J2 = `status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.stdout.ref = STDOUT
logger.mirror.name = org.apache.kafka.connect.mirror
logger.mirror.level = INFO
`;

function jvm(dir: string, heap: string): string[] {
  const log4j = join(dir, 'log4j2.properties');
  writeFileSync(log4j, LOG4J2);
  return [`-Xms${heap}`, `-Xmx${heap}`, '-XX:+UseG1GC', '-XX:+ExitOnOutOfMemoryError', '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${log4j}`];
}

/** Starts a single-node KRaft cluster on free ports in `dir` (formatted there) and waits until it answers. */
export async function startKafkaNode(dir: string, timeoutMs = 90_000): Promise<LocalProcess> {
  await installOne('kafka');
  const [port, controllerPort] = [await freePort(), await freePort()];
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  const log = join(dir, 'kafka.log');
  const props = join(dir, 'server.properties');
  writeFileSync(props, serverProperties(data, { port, controllerPort }));
  const args = jvm(dir, '384m');
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  await runStep(`Formatting a second KRaft cluster in ${data}`, javaBin(), [...args, '-cp', kafkaClasspath(), 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props, '--ignore-formatted'], { log, prefix: 'kafka-region' });
  const pidFile = join(dir, 'kafka.pid.json');
  const rec = spawnDetached({ command: javaBin(), args: [...args, '-cp', kafkaClasspath(), 'kafka.Kafka', props], cwd: dir }, log, pidFile, port);
  const stop = async (): Promise<void> => void (await stopRecorded(pidFile, 30_000));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await kafkaProbe(HOST, port)).ok) return { bootstrap: `${HOST}:${port}`, log, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the second Kafka node (pid ${rec.pid}) did not answer on ${HOST}:${port} within ${timeoutMs} ms; log ${log}:\n${tailFile(log, 20)}`);
    }
    await sleep(300);
  }
}

export interface MirrorFlow {
  from: string;
  to: string;
  /** Topic names or regexes, comma-separated (MirrorMaker's `topics`). */
  topics: string;
}

/**
 * mm2.properties for `clusters` (alias -> bootstrap) and the enabled `flows`: topics arrive on the
 * target as `<source alias>.<topic>` (the default replication policy); no heartbeats, checkpoints,
 * group offset or ACL syncing (the test reads the data itself); every internal topic on the target
 * (`offset-syncs.topic.location=target`), so a source cluster is only ever read.
 */
export function mirrorProperties(clusters: Record<string, string>, flows: readonly MirrorFlow[]): string {
  const lines = [`clusters = ${Object.keys(clusters).join(', ')}`];
  for (const [alias, bootstrap] of Object.entries(clusters)) lines.push(`${alias}.bootstrap.servers = ${bootstrap}`);
  for (const f of flows) lines.push(`${f.from}->${f.to}.enabled = true`, `${f.from}->${f.to}.topics = ${f.topics}`);
  lines.push(
    'replication.factor = 1', 'checkpoints.topic.replication.factor = 1', 'heartbeats.topic.replication.factor = 1',
    'offset-syncs.topic.replication.factor = 1', 'offset.storage.replication.factor = 1', 'status.storage.replication.factor = 1',
    'config.storage.replication.factor = 1', 'offset-syncs.topic.location = target',
    'emit.heartbeats.enabled = false', 'emit.checkpoints.enabled = false', 'sync.group.offsets.enabled = false',
    'sync.topic.acls.enabled = false', 'refresh.topics.interval.seconds = 2', 'refresh.groups.enabled = false',
    'tasks.max = 2', 'consumer.auto.offset.reset = earliest',
  );
  return lines.join('\n') + '\n';
}

/** Starts MirrorMaker 2 (dedicated mode) for the flows into `targets`; it runs until stopped. */
export async function startMirrorMaker(dir: string, clusters: Record<string, string>, flows: readonly MirrorFlow[]): Promise<LocalProcess> {
  await ensureMirrorMaker();
  mkdirSync(dir, { recursive: true });
  const props = join(dir, 'mm2.properties');
  writeFileSync(props, mirrorProperties(clusters, flows));
  const log = join(dir, 'mirror-maker.log');
  const pidFile = join(dir, 'mirror-maker.pid.json');
  const targets = [...new Set(flows.map((f) => f.to))];
  const cp = [kafkaClasspath(), join(mirrorLib(), '*')].join(delimiter);
  spawnDetached({ command: javaBin(), args: [...jvm(dir, '384m'), '-cp', cp, 'org.apache.kafka.connect.mirror.MirrorMaker', props, '--clusters', ...targets], cwd: dir }, log, pidFile, 0);
  return { bootstrap: '', log, stop: async () => void (await stopRecorded(pidFile, 20_000)) };
}
