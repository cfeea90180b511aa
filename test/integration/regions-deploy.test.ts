/**
 * A stack per region (issue 21): `serverless package` offline for two regions of one stage, each
 * template clean under cfn-lint; every function gets its stack's region as SLUICE_REGION; the names
 * that are global to an account (the dashboard) carry the region; the tenant registry is a table per
 * region unless the global-table parameter is set; and with the aggregation parameter the template's
 * AWS::MSK::Replicator is switched on and copies logs.raw under a prefixed topic.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

type Resource = { Type: string; Condition?: string; Properties?: Record<string, unknown> };
type Template = { Resources: Record<string, Resource>; Conditions: Record<string, unknown>; Outputs: Record<string, unknown> };

function offlineEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) if (/^AWS_/.test(k)) delete env[k];
  return env;
}

/** Packages stage prod for `region`, lints it, and gives the template. */
async function packaged(region: string, params: string[]): Promise<Template> {
  const out = mkdtempSync(join(tmpdir(), `sluice-regions-${region}-`));
  try {
    await run(join(ROOT, 'node_modules', '.bin', 'serverless'), ['package', '--stage', 'prod', '--region', region, '--package', out, ...params.map((p) => `--param=${p}`)], {
      cwd: ROOT, env: offlineEnv(), maxBuffer: 64 * 1024 * 1024, timeout: 240_000,
    });
    const path = join(out, 'cloudformation-template-update-stack.json');
    // cfn-lint exits with bit 2 set for errors (4 for warnings, 8 for informational).
    const lint = await run('cfn-lint', [path], { timeout: 120_000 }).then(
      () => ({ code: 0, stdout: '' }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    expect(lint.code & 2, lint.stdout.split('\n').filter((l) => /^E\d/.test(l)).join('\n')).toBe(0);
    return JSON.parse(readFileSync(path, 'utf8')) as Template;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/** A condition of literals (what serverless params give), evaluated: Equals, Not, And, Condition. */
function holds(t: Template, c: unknown, region: string): boolean {
  const o = c as Record<string, unknown>;
  if ('Condition' in o) return holds(t, t.Conditions[o.Condition as string], region);
  if ('Fn::Not' in o) return !holds(t, (o['Fn::Not'] as unknown[])[0], region);
  if ('Fn::And' in o) return (o['Fn::And'] as unknown[]).every((x) => holds(t, x, region));
  if ('Fn::Equals' in o) {
    const [a, b] = (o['Fn::Equals'] as unknown[]).map((v) => value(v, region));
    return a === b;
  }
  throw new Error(`condition not evaluated here: ${JSON.stringify(c)}`);
}

function value(v: unknown, region: string): unknown {
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  if (o.Ref === 'AWS::Region') return region;
  if ('Fn::Select' in o) {
    const [i, list] = o['Fn::Select'] as [number, unknown];
    return (value(list, region) as unknown[])[i];
  }
  if ('Fn::Split' in o) {
    const [sep, s] = o['Fn::Split'] as [string, unknown];
    return String(value(s, region)).split(sep);
  }
  throw new Error(`value not evaluated here: ${JSON.stringify(v)}`);
}

const functions = (t: Template) => Object.values(t.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
const envOf = (r: Resource) => ((r.Properties!.Environment as { Variables: Record<string, unknown> }).Variables);

describe('one stack per region', () => {
  const EU = 'eu-west-1';
  const US = 'us-east-1';
  const AGG = 'arn:aws:kafka:us-east-1:123456789012:cluster/sluice-aggregate/0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-1';
  const EU_CLUSTER = 'arn:aws:kafka:eu-west-1:123456789012:cluster/sluice-prod/1a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d-1';

  it('two regions package and lint; each is independent and names itself; the aggregate holds an MSK Replicator copying logs.raw', async () => {
    // One after the other: serverless-esbuild builds in the repository's .esbuild folder.
    const eu = await packaged(EU, []);
    const us = await packaged(US, [
        'aggregate=true', `aggregationClusterArn=${AGG}`, 'aggregateSource=remote', `aggregateSourceClusterArn=${EU_CLUSTER}`,
        'aggregateSourceSubnetIds=subnet-0aaaaaaaaaaaaaaa1,subnet-0aaaaaaaaaaaaaaa2', 'aggregateSourceSecurityGroupId=sg-0aaaaaaaaaaaaaaa1',
        'tenantsTable=global', `tenantsGlobalRegions=${US},${EU}`,
    ]);
    for (const [t, region] of [[eu, EU], [us, US]] as const) {
      expect(functions(t).length).toBeGreaterThanOrEqual(7);
      for (const fn of functions(t)) expect(envOf(fn).SLUICE_REGION, String(fn.Properties!.FunctionName)).toBe(region);
      const dashboard = Object.values(t.Resources).find((r) => r.Type === 'AWS::CloudWatch::Dashboard')!;
      expect(dashboard.Properties!.DashboardName).toBe(`sluice-prod-${region}`);
      expect(t.Outputs).toHaveProperty('IngestUrl');
      // Nothing the regional stack creates names another region (no cross-region dependency); the
      // placeholder ARNs of parameters it does not use (account 000000000000) aside.
      if (region === EU) {
        const created = Object.entries(t.Resources).filter(([, r]) => !r.Condition || holds(t, t.Conditions[r.Condition], region));
        const text = JSON.stringify(Object.fromEntries(created)).replace(/arn:aws:kafka:[a-z0-9-]+:000000000000:[^"]*/g, '');
        expect(text).not.toContain(US);
      }
    }

    // eu-west-1: no aggregation, its own tenant table.
    expect(holds(eu, eu.Conditions.Aggregate, EU)).toBe(false);
    expect(holds(eu, eu.Conditions.RegionalTenants, EU)).toBe(true);
    expect(eu.Resources.TenantsTable!.Condition).toBe('RegionalTenants');

    // us-east-1: the Replicator is on, from the eu cluster into the aggregation cluster, logs.raw under a prefixed name.
    expect(holds(us, us.Conditions.Aggregate, US)).toBe(true);
    expect(holds(us, us.Conditions.AggregateOwnCluster, US)).toBe(false);
    const rep = us.Resources.AggregationReplicator!;
    expect(rep.Type).toBe('AWS::MSK::Replicator');
    const info = (rep.Properties!.ReplicationInfoList as Array<Record<string, unknown>>)[0]!;
    expect(info.TargetKafkaClusterArn).toBe(AGG);
    expect(info.TopicReplication).toMatchObject({ TopicsToReplicate: ['logs.raw'], TopicNameConfiguration: { Type: 'PREFIXED_WITH_SOURCE_CLUSTER_ALIAS' }, StartingPosition: { Type: 'EARLIEST' } });
    expect(JSON.stringify(info.SourceKafkaClusterArn)).toContain(EU_CLUSTER);
    expect(us.Resources.AggregationReplicatorRole!.Condition).toBe('Aggregate');

    // The global tenant registry: created by the first region's stack, read by both under one name.
    expect(holds(us, us.Conditions.CreateGlobalTenants, US)).toBe(true);
    expect(holds(us, us.Conditions.HasGlobalRegion2, US)).toBe(true);
    expect(holds(us, us.Conditions.HasGlobalRegion3, US)).toBe(false);
    expect(us.Resources.TenantsGlobalTable!.Properties!.TableName).toBe('sluice-tenants-prod');
    expect(envOf(functions(us)[0]!).TENANTS_TABLE).toEqual({ 'Fn::If': ['GlobalTenants', 'sluice-tenants-prod', { Ref: 'TenantsTable' }] });
  }, 400_000);
});
