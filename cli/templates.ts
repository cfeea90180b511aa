/**
 * `sluice templates [file|-]`: mines message templates from raw log lines (headers included) and
 * prints, for each input line in order, exactly one line: the final template of its cluster, with
 * variables shown as `<*>`.
 *
 * Each line goes through the same path as the pipeline: `classify(line).message` (the header —
 * timestamp, level, pid, component — taken off), then the online miner. Online mining assigns a
 * template on arrival and may generalise it later, so this runs two passes: mine every line keeping
 * only a cluster index per line, then print each line's cluster's final template.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { FinalTemplates } from '../shared/templates/final.ts';
import { messageOf } from '../shared/templates/message.ts';
import { write, type CommandIO } from './io.ts';

const USAGE = `Usage: sluice templates [options] [file]

Mines message templates from a log file (or stdin when no file or "-" is given). Each line is
classified first (its header - timestamp, level, pid, component - is taken off), then mined.
Prints one line per input line, in order: the final template of the line's cluster, variables
shown as <*>.

Options:
  --with-id          prefix each template with its stable template id and a tab
  --max-clusters N   most templates kept (default 100000 for a file; the pipeline keeps fewer)
  -h, --help         show this help`;

export async function templatesCommand(argv: string[], io: CommandIO): Promise<number> {
  if (argv[0] === 'top') return (await import('./templates-top.ts')).templatesTopCommand(argv.slice(1), io);
  let file: string | undefined;
  let withId = false;
  let maxClusters = 100_000;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-h' || a === '--help') {
      io.stdout.write(USAGE + '\n');
      return 0;
    } else if (a === '--with-id') {
      withId = true;
    } else if (a === '--max-clusters') {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) {
        io.stderr.write('sluice templates: --max-clusters needs a positive integer\n');
        return 2;
      }
      maxClusters = v;
    } else if (a.startsWith('-') && a !== '-') {
      io.stderr.write(`sluice templates: unknown option ${a}\n${USAGE}\n`);
      return 2;
    } else if (file === undefined) {
      file = a;
    } else {
      io.stderr.write(`sluice templates: one file at most\n${USAGE}\n`);
      return 2;
    }
  }

  const input = file === undefined || file === '-' ? io.stdin : createReadStream(file);
  const mined = new FinalTemplates({ maxClusters });
  const now = new Date();
  const rl = createInterface({ input, crlfDelay: Infinity });
  for await (const line of rl) mined.add(messageOf(line, now));

  let buf = '';
  for (const { templateId, template } of mined.entries()) {
    buf += (withId ? templateId + '\t' : '') + template.replace(/[\r\n]/g, ' ') + '\n';
    if (buf.length >= 1 << 16) {
      await write(io.stdout, buf);
      buf = '';
    }
  }
  if (buf) await write(io.stdout, buf);
  return 0;
}
