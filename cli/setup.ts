/** `sluice setup`: creates what the pipeline needs on the configured (local) services. */
import { bootstrap } from '../local/bootstrap.ts';
import { isLocal } from '../shared/config.ts';
import { writeLine, type CommandIO } from './io.ts';

export async function setupCommand(_argv: string[], io: CommandIO): Promise<number> {
  await bootstrap();
  writeLine(io.stdout, 'Topics, tables, bucket, spill stream and index templates are in place.');
  if (isLocal()) {
    const { seedDemoTenant } = await import('../local/demo.ts');
    const { tenant, fixedToken } = await seedDemoTenant();
    writeLine(io.stdout, `Local demo tenant "${tenant}" has the fixed token the sample events in events/ carry: ${fixedToken}`);
  }
  return 0;
}
