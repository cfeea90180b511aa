/**
 * `sluice tenants add <id> [--plan <plan>] | token <id> [--scope ingest|read] | revoke <token> | ls`
 * The token is printed once, as the last line of output, and never stored.
 */
import { parseArgs } from 'node:util';
import { DynamoTenantStore } from '../shared/adapters/tenant-store.ts';
import { DEFAULT_PLAN, planNames } from '../shared/tenants/plans.ts';
import { writeLine, type CommandIO } from './io.ts';

const USAGE = `Usage:
  sluice tenants add <id> [--plan <${planNames().join('|')}>] [--home-region <region>]   create a tenant; prints its token last
  sluice tenants token <id> [--scope read]    issue another token for a tenant: an ingest token (the
                                              default), or a read token for the search API and console
  sluice tenants revoke <token>               revoke a token (warm ingest instances stop accepting it within a minute)
  sluice tenants ls                           list tenants, their plans and live token counts`;

export async function tenantsCommand(argv: string[], io: CommandIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { plan: { type: 'string', default: DEFAULT_PLAN }, scope: { type: 'string', default: 'ingest' }, 'home-region': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  const [sub, arg] = positionals;
  if (values.help || !sub) {
    writeLine(values.help ? io.stdout : io.stderr, USAGE);
    return values.help ? 0 : 2;
  }
  const store = new DynamoTenantStore();
  switch (sub) {
    case 'add': {
      if (!arg) return usage(io, 'tenants add needs a tenant id');
      const { tenant, token } = await store.addTenant(arg, values.plan!, {}, values['home-region']);
      writeLine(io.stdout, `Created tenant ${tenant.id} on plan ${tenant.planName}. Its ingest token (shown once):`);
      writeLine(io.stdout, token);
      return 0;
    }
    case 'token': {
      if (!arg) return usage(io, 'tenants token needs a tenant id');
      const scope = values.scope;
      if (scope !== 'ingest' && scope !== 'read') return usage(io, `--scope is ingest or read, not "${scope}"`);
      const token = await store.issueToken(arg, scope);
      writeLine(io.stdout, scope === 'read' ? `New read token for ${arg} (search API and console; it cannot send logs; shown once):` : `New token for ${arg} (shown once):`);
      writeLine(io.stdout, token);
      return 0;
    }
    case 'revoke': {
      if (!arg) return usage(io, 'tenants revoke needs the token to revoke');
      const tenant = await store.revoke(arg);
      writeLine(io.stdout, `Revoked a token of ${tenant}.`);
      return 0;
    }
    case 'ls': {
      const rows = await store.list();
      writeLine(io.stdout, ['TENANT', 'PLAN', 'TOKENS', 'CREATED'].join('\t'));
      for (const t of rows) writeLine(io.stdout, [t.id, t.planName, String(t.tokens), t.createdAt].join('\t'));
      return 0;
    }
    default:
      return usage(io, `unknown subcommand "${sub}"`);
  }
}

function usage(io: CommandIO, problem: string): number {
  writeLine(io.stderr, `sluice tenants: ${problem}\n\n${USAGE}`);
  return 2;
}
