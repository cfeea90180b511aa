// Apache Kafka: one KRaft node (broker + controller), jars from Maven Central run with java -cp.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST, SERVICES_DIR, cacheDir, endpoints, logFile, serviceStateDir } from './config.ts';
import { fileDigest, kafkaProbe, runStep } from './proc.ts';
import { javaBin, mvnDependency } from './tools.ts';
import type { ServiceDef } from './types.ts';
import { KAFKA_VERSION, LOG4J_VERSION } from './versions.ts';

const kafkaHome = (): string => join(cacheDir(), `kafka-${KAFKA_VERSION}`);
const libDir = (): string => join(kafkaHome(), 'lib');
const marker = (): string => join(kafkaHome(), '.installed');
const pomPath = (): string => join(SERVICES_DIR, 'maven', 'kafka', 'pom.xml');
/** What the marker records: a changed pom (or version) means a re-install. */
const recipe = (): string => `${KAFKA_VERSION} ${LOG4J_VERSION} ${fileDigest(pomPath())}\n`;

/**
 * The classpath of the Kafka jars (kafka_2.13, kafka-tools, clients, log4j2 binding), e.g. for
 * `java -cp "$(kafkaClasspath())" org.apache.kafka.tools.ProducerPerformance ...`.
 * Uses a classpath wildcard, which java expands itself (pass it as one argument, unexpanded).
 */
export function kafkaClasspath(): string {
  return join(libDir(), '*');
}

/** A log4j2 config that sends everything at INFO to stdout (our log file). */
export function kafkaLog4jConfig(): string {
  return join(serviceStateDir('kafka'), 'log4j2.properties');
}

const LOG4J2 = `# written by local/services/kafka.ts
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.controller.name = org.apache.kafka.controller
logger.controller.level = INFO
logger.coordinator.name = org.apache.kafka.coordinator
logger.coordinator.level = WARN
`;

/**
 * A single-node KRaft server.properties: the main broker's (endpoints()), or another node's on its own
 * ports and data dir (local/services/mirror.ts starts such a second cluster for the regions test).
 */
export function serverProperties(logDir: string, e: { port: number; controllerPort: number } = endpoints().kafka): string {
  return `# written by local/services/kafka.ts on every start (edit there, not here)
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@${HOST}:${e.controllerPort}
listeners=PLAINTEXT://${HOST}:${e.port},CONTROLLER://${HOST}:${e.controllerPort}
advertised.listeners=PLAINTEXT://${HOST}:${e.port}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${logDir}
num.partitions=3
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
auto.create.topics.enable=false
delete.topic.enable=true
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
log.segment.bytes=67108864
`;
}

function jvmArgs(): string[] {
  const heap = process.env['SLUICE_KAFKA_HEAP'] ?? '512m';
  return [
    `-Xms${heap}`,
    `-Xmx${heap}`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExitOnOutOfMemoryError',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${kafkaLog4jConfig()}`,
    // (no -Dcom.sun.management.jmxremote: even '=false' starts a local RMI connector on a random
    // port bound to every interface)
  ];
}

async function formatStorage(dataDir: string, props: string): Promise<void> {
  const e = endpoints().kafka;
  // Kafka Uuid: 16 random bytes, base64url without padding, must not start with '-'.
  let clusterId = randomBytes(16).toString('base64url');
  while (clusterId.startsWith('-')) clusterId = randomBytes(16).toString('base64url');
  await runStep(
    `Formatting KRaft storage (cluster ${clusterId}, controller ${HOST}:${e.controllerPort})`,
    javaBin(),
    ['-Xmx256m', '-cp', kafkaClasspath(), `-Dlog4j2.configurationFile=${kafkaLog4jConfig()}`, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', props, '--ignore-formatted'],
    { log: logFile('kafka'), prefix: 'kafka' },
  );
  if (!existsSync(join(dataDir, 'meta.properties'))) throw new Error(`kafka storage format left no ${join(dataDir, 'meta.properties')}`);
}

export const kafka: ServiceDef = {
  name: 'kafka',
  title: `Apache Kafka ${KAFKA_VERSION} (KRaft, broker+controller)`,
  usesMaven: true,
  startTimeoutMs: 120_000,
  stopGraceMs: 30_000,

  isInstalled: () => existsSync(marker()) && readFileSync(marker(), 'utf8') === recipe(),

  async install() {
    const tmp = `${libDir()}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(kafkaHome(), { recursive: true });
    await mvnDependency(
      `Fetching Kafka ${KAFKA_VERSION} jars (kafka_2.13, kafka-tools, log4j ${LOG4J_VERSION}) from Maven Central into ${libDir()}`,
      'kafka',
      'copy-dependencies',
      { 'kafka.version': KAFKA_VERSION, 'log4j.version': LOG4J_VERSION, outputDirectory: tmp, includeScope: 'runtime' },
      pomPath(),
    );
    const jars = readdirSync(tmp).filter((f) => f.endsWith('.jar'));
    if (!jars.some((j) => j.startsWith(`kafka_2.13-${KAFKA_VERSION}`))) throw new Error(`no kafka_2.13 jar in ${tmp}`);
    rmSync(libDir(), { recursive: true, force: true });
    renameSync(tmp, libDir());
    writeFileSync(marker(), recipe());
  },

  async prepare() {
    const dir = serviceStateDir('kafka');
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(kafkaLog4jConfig(), LOG4J2);
    const props = join(dir, 'server.properties');
    writeFileSync(props, serverProperties(dataDir));
    if (!existsSync(join(dataDir, 'meta.properties'))) await formatStorage(dataDir, props);
    else {
      const meta = readFileSync(join(dataDir, 'meta.properties'), 'utf8');
      if (!/node\.id=1\b/.test(meta)) throw new Error(`${dataDir} was formatted for another node id; remove it to start over`);
    }
    return { command: javaBin(), args: [...jvmArgs(), '-cp', kafkaClasspath(), 'kafka.Kafka', props], cwd: dir };
  },

  async probe() {
    const e = endpoints().kafka;
    return kafkaProbe(HOST, e.port);
  },
};
