// Java and Maven for the JVM services.
import { existsSync, realpathSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { cacheDir, mavenRepo } from './config.ts';
import { MAVEN_DEPENDENCY_PLUGIN } from './versions.ts';
import { runStep } from './proc.ts';

function which(cmd: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * The Java 17+ home the JVM services run on: SLUICE_JAVA_HOME, else JAVA_HOME, else the machine's
 * OpenJDK 17, else whatever `java` on PATH resolves to.
 */
export function javaHome(): string {
  const candidates = [process.env['SLUICE_JAVA_HOME'], process.env['JAVA_HOME'], '/usr/lib/jvm/java-17-openjdk-amd64'];
  for (const c of candidates) {
    if (c && existsSync(join(c, 'bin', 'java'))) return c;
  }
  const onPath = which('java');
  if (onPath) return dirname(dirname(realpathSync(onPath)));
  throw new Error('no Java found: install a JDK 17+ (apt-get install openjdk-17-jdk-headless) or set SLUICE_JAVA_HOME');
}

export function javaBin(): string {
  return join(javaHome(), 'bin', 'java');
}

export function javacBin(): string {
  const p = join(javaHome(), 'bin', 'javac');
  if (!existsSync(p)) throw new Error(`no javac in ${javaHome()}: a JDK (not a JRE) is needed to build the DynamoDB Local launcher`);
  return p;
}

export function mvnBin(): string {
  const p = which('mvn');
  if (!p) throw new Error('Maven (mvn) not found on PATH: apt-get install maven');
  return p;
}

export function goBin(): string {
  const p = which('go') ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!p) throw new Error('Go not found on PATH: needed to build MinIO (go install)');
  return p;
}

// One mvn at a time: parallel installs would otherwise race on the local repository.
let mavenChain: Promise<unknown> = Promise.resolve();

/** Run the maven-dependency-plugin goal `goal` (e.g. 'copy-dependencies') with properties. */
export function mvnDependency(what: string, prefix: string, goal: string, props: Record<string, string>, pom?: string): Promise<void> {
  const args = ['-B', '-ntp'];
  if (pom) args.push('-f', pom);
  const repo = mavenRepo();
  if (repo) args.push(`-Dmaven.repo.local=${repo}`);
  for (const [k, v] of Object.entries(props)) args.push(`-D${k}=${v}`);
  args.push(`${MAVEN_DEPENDENCY_PLUGIN}:${goal}`);
  const env = { ...process.env, JAVA_HOME: javaHome() };
  const run = mavenChain.then(() =>
    runStep(what, mvnBin(), args, { env, cwd: cacheDir(), log: join(cacheDir(), 'logs', `install-${prefix}.log`), prefix }),
  );
  mavenChain = run.catch(() => undefined);
  return run;
}
