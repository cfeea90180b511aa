/** `sluice setup`: creates what the pipeline needs on the configured (local) services. */
import { bootstrap } from '../local/bootstrap.ts';
import { writeLine, type CommandIO } from './io.ts';

export async function setupCommand(_argv: string[], io: CommandIO): Promise<number> {
  await bootstrap();
  writeLine(io.stdout, 'Topics, tables, bucket, spill stream and index templates are in place.');
  return 0;
}
