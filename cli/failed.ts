/**
 * `sluice failed ls` / `sluice failed redrive [<file>...]`: the batches the local Kafka pollers gave
 * up on (retries exhausted, or a record past its maximum age; local/redelivery.ts), kept as Lambda's
 * on-failure invocation records under .sluice/failed-batches/ (local/failed-batches.ts). Redrive
 * produces each batch's records back to their topic with the same key, value and headers (so the
 * same event ids: indexing them again overwrites, never duplicates), then moves the file to
 * `redriven/`. Deployed, the same records are in the FailedBatchesBucket (S3, `payload` field).
 */
import { parseArgs } from 'node:util';
import { failedBatchesDir, listFailedBatches, markRedriven, readFailedBatch, recordsOf } from '../local/failed-batches.ts';
import { writeLine, type CommandIO } from './io.ts';

const USAGE = `Usage:
  sluice failed ls [--json]             list the batches the local pollers gave up on (oldest first)
  sluice failed redrive [<file>...]     produce their records back to their topics (all files when none named)

  --dir <path>   where they are (default: ${failedBatchesDir()})`;

export async function failedCommand(argv: string[], io: CommandIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { json: { type: 'boolean', default: false }, dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    writeLine(io.stderr, `${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [sub, ...files] = positionals;
  const dir = values.dir ?? failedBatchesDir();
  if (values.help || (sub !== 'ls' && sub !== 'redrive')) {
    writeLine(values.help ? io.stdout : io.stderr, USAGE);
    return values.help ? 0 : 2;
  }
  const chosen = files.length > 0 ? files : listFailedBatches(dir);
  if (sub === 'ls') {
    for (const f of chosen) {
      const b = readFailedBatch(f);
      const i = b.KafkaBatchInfo;
      const row = { file: f, at: b.timestamp, condition: b.requestContext.condition, topic: i.topic, partition: i.partition, offsets: `${i.offset}-${i.lastOffset}`, records: i.batchSize, error: b.errorMessage };
      writeLine(io.stdout, values.json ? JSON.stringify(row) : [row.at, row.condition, `${row.topic}-${row.partition}`, row.offsets, String(row.records), row.error, row.file].join('\t'));
    }
    if (!values.json) writeLine(io.stderr, `${chosen.length} failed batch(es) in ${dir}`);
    return 0;
  }
  const { produce } = await import('../shared/adapters/kafka.ts');
  const { closeAll } = await import('../shared/adapters/lifecycle.ts');
  try {
    let total = 0;
    for (const f of chosen) {
      const records = recordsOf(readFailedBatch(f));
      await produce(records, 30_000);
      total += records.length;
      writeLine(io.stdout, `redriven ${records.length} record(s) from ${f} -> ${markRedriven(dir, f)}`);
    }
    writeLine(io.stderr, `${total} record(s) from ${chosen.length} file(s) produced back to their topics`);
    return 0;
  } finally {
    await closeAll();
  }
}
