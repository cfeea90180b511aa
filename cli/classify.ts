/**
 * `sluice classify [file|-] [--per-line] [--tenant <id>]`: reads log text and prints, per event, the
 * JSON document Sluice would index (NDJSON), exactly as `toDocument` builds it from a synthetic
 * envelope (tenant `local` or --tenant, id `cli-<n>`, received now). Streams: memory stays flat on
 * large files.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { RawEnvelope } from '../shared/envelope/types.ts';
import { ENVELOPE_VERSION } from '../shared/envelope/types.ts';
import { MultilineJoiner, toDocument } from '../shared/classify/index.ts';
import { isTenantId } from '../shared/tenants/ids.ts';
import { write, type CommandIO } from './io.ts';

const USAGE = `Usage: sluice classify [options] [file]

Reads log text from a file (or stdin when no file or "-" is given), joins multi-line events (stack
traces, Python tracebacks) and prints one JSON document per event (NDJSON): exactly what Sluice
would index, with tenant "local" (or --tenant), event ids cli-1, cli-2, ... and the current time
as the receive time. Blank lines are skipped.

Options:
  --per-line       one event per line (no multi-line joining)
  --tenant <id>    tenant id to show in the documents (default: local)
  -h, --help       show this help`;

export async function classifyCommand(argv: string[], io: CommandIO): Promise<number> {
  let file: string | undefined;
  let perLine = false;
  let tenant = 'local';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '-h' || a === '--help') {
      await write(io.stdout, USAGE + '\n');
      return 0;
    } else if (a === '--per-line') {
      perLine = true;
    } else if (a === '--tenant') {
      const v = argv[++i];
      if (v === undefined || !isTenantId(v)) {
        await write(
          io.stderr,
          'sluice classify: --tenant needs a tenant id (2-40 lower-case letters, digits and single hyphens, starting with a letter)\n',
        );
        return 2;
      }
      tenant = v;
    } else if (a === '-' || !a.startsWith('-')) {
      if (file !== undefined) {
        await write(io.stderr, `sluice classify: one input at most (got ${file} and ${a})\n${USAGE}\n`);
        return 2;
      }
      file = a;
    } else {
      await write(io.stderr, `sluice classify: unknown option ${a}\n${USAGE}\n`);
      return 2;
    }
  }

  let input: NodeJS.ReadableStream;
  if (file === undefined || file === '-') input = io.stdin;
  else {
    const stream = createReadStream(file, { encoding: 'utf8' });
    const opened = await new Promise<Error | null>((resolve) => {
      stream.once('open', () => resolve(null));
      stream.once('error', (err) => resolve(err));
    });
    if (opened !== null) {
      await write(io.stderr, `sluice classify: cannot read ${file}: ${opened.message}\n`);
      return 1;
    }
    input = stream;
  }

  let n = 0;
  const pending: string[] = [];
  const onEvent = (raw: string): void => {
    if (raw.trim().length === 0) return;
    n++;
    const envelope: RawEnvelope = {
      v: ENVELOPE_VERSION,
      tenant,
      id: `cli-${n}`,
      receivedAt: new Date().toISOString(),
      tags: [],
      raw,
      truncated: false,
      originalBytes: Buffer.byteLength(raw, 'utf8'),
      requestId: 'cli',
    };
    pending.push(JSON.stringify(toDocument(envelope)));
  };
  const joiner = perLine ? undefined : new MultilineJoiner(onEvent);
  const rl = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of rl) {
      if (joiner !== undefined) joiner.push(line);
      else onEvent(line);
      if (pending.length >= 256) {
        await write(io.stdout, pending.join('\n') + '\n');
        pending.length = 0;
      }
    }
  } catch (err) {
    await write(io.stderr, `sluice classify: ${(err as Error).message}\n`);
    return 1;
  }
  joiner?.end();
  if (pending.length > 0) await write(io.stdout, pending.join('\n') + '\n');
  return 0;
}
