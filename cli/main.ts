/**
 * The `sluice` command: one subcommand per module, loaded only when used (so `sluice classify`
 * does not load the AWS SDK).
 */
import { writeLine, type Command, type CommandIO } from './io.ts';

const COMMANDS: Record<string, { about: string; load: () => Promise<Command> }> = {
  tenants: { about: 'create tenants, issue and revoke ingest tokens', load: async () => (await import('./tenants.ts')).tenantsCommand },
  classify: { about: 'show how Sluice reads a log file (NDJSON of the documents it would index)', load: async () => (await import('./classify.ts')).classifyCommand },
  templates: { about: 'mine message templates from a log file; `templates top` lists a tenant\'s top templates', load: async () => (await import('./templates.ts')).templatesCommand },
  trends: { about: "a tenant's per-minute percentiles of a numeric field (count, p50/p95/p99, max) with a chart of p95", load: async () => (await import('./trends.ts')).trendsCommand },
  archive: { about: 'list what is archived in S3 for a tenant; `archive run` archives once now', load: async () => (await import('./archive.ts')).archiveCommand },
  replay: { about: "produce a tenant's archived events of a time range back to logs.raw (same ids)", load: async () => (await import('./replay.ts')).replayCommand },
  dlq: { about: "list a tenant's DLQ records with their errors; `dlq redrive` processes them again (once)", load: async () => (await import('./dlq.ts')).dlqCommand },
  failed: { about: 'list the batches the local pollers gave up on; `failed redrive` produces them back to their topics', load: async () => (await import('./failed.ts')).failedCommand },
  setup: { about: 'create topics, tables, bucket, stream and index templates on the configured services', load: async () => (await import('./setup.ts')).setupCommand },
};

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  const cmd = name ? COMMANDS[name] : undefined;
  if (!cmd) {
    const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.about}`);
    writeLine(name && name !== '--help' && name !== '-h' ? io.stderr : io.stdout, `Usage: sluice <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun \`sluice <command> --help\` for a command's options.`);
    return name && name !== '--help' && name !== '-h' ? 2 : 0;
  }
  try {
    return await (await cmd.load())(rest, io);
  } catch (err) {
    writeLine(io.stderr, `sluice ${name}: ${(err as Error).message}`);
    return 1;
  }
}
