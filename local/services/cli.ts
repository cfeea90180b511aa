// npm run services:install | services:up [names] | services:down [names] | services:status
//   tsx local/services/cli.ts <install|up|down|status> [kafka opensearch s3 dynamodb kinesis]
import { SERVICES, cacheDir, endpoints, ensureUp, install, stateDir, status, stopAll } from './index.ts';
import type { ServiceStatus } from './index.ts';
import { fmtSecs } from './proc.ts';

function usage(): never {
  console.error(`usage: tsx local/services/cli.ts <install|up|down|status> [${SERVICES.join('|')} ...]

  install   fetch/build every artifact into the cache (${cacheDir()}), start nothing
  install-otelcol  build the OpenTelemetry Collector the protocol tests use (Collector builder, Go proxy)
  install-mirror   fetch MirrorMaker 2 (connect-mirror) for the regions mirror test (Maven Central)
  up        install what is missing, start what is not running, wait until each answers
  down      stop the services these scripts started (others are left alone)
  status    one line per service

  env: SLUICE_CACHE, SLUICE_STATE (now ${stateDir()}), SLUICE_{KAFKA,OPENSEARCH,S3,DYNAMODB,KINESIS}_PORT,
       SLUICE_KAFKA_CONTROLLER_PORT, SLUICE_OPENSEARCH_TRANSPORT_PORT, SLUICE_S3_CONSOLE_PORT,
       SLUICE_S3_ACCESS_KEY_ID / SLUICE_S3_SECRET_ACCESS_KEY, SLUICE_MAVEN_REPO, SLUICE_JAVA_HOME`);
  process.exit(2);
}

function line(s: ServiceStatus): string {
  const state = s.up ? 'up' : 'down';
  const who = s.owner === 'ours' ? `pid ${s.pid}` : s.owner === 'external' ? 'external (not ours)' : '-';
  return `${s.name.padEnd(10)} ${state.padEnd(5)} 127.0.0.1:${String(s.port).padEnd(6)} ${who.padEnd(20)} ${s.detail.padEnd(22)} ${s.installed ? '' : '(not installed) '}log ${s.log}`;
}

function printEndpoints(): void {
  const e = endpoints();
  console.log(`
endpoints:
  kafka       ${e.kafka.bootstrap} (controller ${e.kafka.host}:${e.kafka.controllerPort})
  opensearch  ${e.opensearch.url}
  s3          ${e.s3.endpoint}  access key ${e.s3.accessKeyId} / secret ${e.s3.secretAccessKey}  (console http://${e.s3.host}:${e.s3.consolePort})
  dynamodb    ${e.dynamodb.endpoint}
  kinesis     ${e.kinesis.endpoint}`);
}

async function main(): Promise<number> {
  const [cmd, ...rest] = process.argv.slice(2);
  const t0 = Date.now();
  switch (cmd) {
    case 'install':
      await install(rest);
      console.log(`installed (${fmtSecs(Date.now() - t0)}) in ${cacheDir()}`);
      return 0;
    case 'install-mirror': {
      // MirrorMaker 2's jars for the regions mirror test (not a service: the test starts it, with a second broker).
      const { ensureMirrorMaker } = await import('./mirror.ts');
      await ensureMirrorMaker();
      console.log(`MirrorMaker 2 installed (${fmtSecs(Date.now() - t0)})`);
      return 0;
    }
    case 'install-otelcol': {
      // The OpenTelemetry Collector the protocol tests ship with (not a service: nothing to start).
      const { ensureOtelcol } = await import('./otelcol.ts');
      console.log(`OpenTelemetry Collector at ${await ensureOtelcol()} (${fmtSecs(Date.now() - t0)})`);
      return 0;
    }
    case 'up': {
      try {
        const r = await ensureUp(rest);
        for (const s of await status(rest)) console.log(line(s));
        console.log(`\nup in ${fmtSecs(Date.now() - t0)}; started now: ${r.started.join(', ') || 'none'}${r.external.length ? `; external: ${r.external.join(', ')}` : ''}`);
        printEndpoints();
        return 0;
      } catch (err) {
        console.error(`\n${(err as Error).message}`);
        for (const s of await status(rest)) console.error(line(s));
        return 1;
      }
    }
    case 'down': {
      const stopped = await stopAll(rest);
      const after = await status(rest);
      for (const s of after) {
        const note = stopped.includes(s.name) ? 'stopped' : s.owner === 'external' ? 'not started by us: left running' : 'was not running';
        console.log(`${s.name.padEnd(10)} ${note}`);
      }
      return 0;
    }
    case 'status': {
      for (const s of await status(rest)) console.log(line(s));
      return 0;
    }
    default:
      return usage();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
