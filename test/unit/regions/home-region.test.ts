/**
 * A tenant's home region (issue 21). The chosen policy is accept-and-keep (shared/tenants/home.ts,
 * docs/regions.md): a request that arrives outside the tenant's home region is answered 202, its
 * events are delivered HERE, stamped with this region, and the answer names the home region (and
 * its URL when known). Never a redirect: most shippers do not follow one on POST.
 */
import { describe, expect, it } from 'vitest';
import { awayFromHome, awayHeaders, HOME_REGION_HEADER, HOME_URL_HEADER } from '../../../shared/tenants/home.ts';
import { handleIngest, type IngestPorts } from '../../../shared/ingest/request.ts';
import { parseIngest, type IngestResult } from '../../../shared/ingest/parse.ts';
import { toTenant } from '../../../shared/adapters/tenant-store.ts';
import { resolvePlan } from '../../../shared/tenants/plans.ts';
import type { Tenant } from '../../../shared/tenants/registry.ts';
import * as config from '../../../shared/config.ts';
import { apigwEvent } from '../ingest/helpers.ts';

const HERE = 'us-east-1';
const URLS = { 'eu-west-1': 'https://logs-eu.example.com' };

function tenant(homeRegion?: string): Tenant {
  return { id: 'acme', plan: resolvePlan('free'), createdAt: '', ...(homeRegion !== undefined ? { homeRegion } : {}) };
}

function ports(t: Tenant, delivered: IngestResult[], logs: string[]): IngestPorts {
  return {
    tenants: { resolve: async (token) => (token === 'tok-1' ? t : undefined) },
    serveProtocol: async () => undefined,
    parse: async (req, tn, at) => parseIngest(req, { tenant: tn.id, receivedAt: at, region: HERE }),
    deliver: async (r) => {
      delivered.push(r);
      return { to: 'kafka', spilled: 0 };
    },
    isDeliveryFailure: () => false,
    log: { info: (m) => logs.push(m), error: (m) => logs.push(`ERROR ${m}`) },
    accepted: () => undefined,
    refused: () => undefined,
    away: (tn) => awayFromHome(tn, HERE, URLS),
  };
}

const post = () => apigwEvent({ headers: { authorization: 'Bearer tok-1' }, body: 'one\ntwo' });

describe('home region: accept and keep where it arrived', () => {
  it('away from home: 202, every event delivered here with this region, the answer names the home region and its URL', async () => {
    const delivered: IngestResult[] = [];
    const logs: string[] = [];
    const res = await handleIngest(ports(tenant('eu-west-1'), delivered, logs), post(), 'r-1');
    expect(res.statusCode).toBe(202);
    expect(res.headers).toMatchObject({ [HOME_REGION_HEADER]: 'eu-west-1', [HOME_URL_HEADER]: 'https://logs-eu.example.com' });
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.records.map((r) => r.envelope.region)).toEqual([HERE, HERE]);
    expect(logs).toContain("accepted outside the tenant's home region; kept here");
  });

  it('at home, or without a home region: a plain 202 with no notice', async () => {
    for (const t of [tenant(HERE), tenant()]) {
      const delivered: IngestResult[] = [];
      const res = await handleIngest(ports(t, delivered, []), post(), 'r-2');
      expect(res.statusCode).toBe(202);
      expect(res.headers?.[HOME_REGION_HEADER]).toBeUndefined();
      expect(delivered[0]!.accepted).toBe(2);
    }
  });

  it('a home region with no known URL is named alone', () => {
    expect(awayHeaders(awayFromHome(tenant('ap-southeast-2'), HERE, URLS))).toEqual({ [HOME_REGION_HEADER]: 'ap-southeast-2' });
    expect(awayHeaders(awayFromHome(tenant(HERE), HERE, URLS))).toEqual({});
  });

  it('the registry record\'s homeRegion reaches the tenant; an empty one means none', () => {
    const base = { id: 'acme', planName: 'free', overrides: {}, createdAt: 'x' };
    expect(toTenant({ ...base, homeRegion: 'eu-west-1' }).homeRegion).toBe('eu-west-1');
    expect('homeRegion' in toTenant({ ...base, homeRegion: '' })).toBe(false);
    expect('homeRegion' in toTenant(base)).toBe(false);
  });
});

describe('region settings', () => {
  const withEnv = <T>(vars: Record<string, string | undefined>, fn: () => T): T => {
    const before = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
    for (const [k, v] of Object.entries(vars)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    try {
      return fn();
    } finally {
      for (const [k, v] of Object.entries(before)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  };

  it('SLUICE_REGION: local unless set; a value that is not a region name stops the function, naming the variable', () => {
    expect(withEnv({ SLUICE_REGION: undefined }, () => config.sluiceRegion())).toBe('local');
    expect(withEnv({ SLUICE_REGION: 'eu-west-1' }, () => config.sluiceRegion())).toBe('eu-west-1');
    expect(() => withEnv({ SLUICE_REGION: 'EU West' }, () => config.sluiceRegion())).toThrow(/SLUICE_REGION="EU West" is not allowed/);
  });

  it('SLUICE_REGION_URLS: region=url pairs; a malformed pair throws naming the variable', () => {
    expect(withEnv({ SLUICE_REGION_URLS: undefined }, () => config.regionIngestUrls())).toEqual({});
    expect(withEnv({ SLUICE_REGION_URLS: ' eu-west-1=https://a.example.com , us-east-1=https://b.example.com' }, () => config.regionIngestUrls())).toEqual({
      'eu-west-1': 'https://a.example.com',
      'us-east-1': 'https://b.example.com',
    });
    for (const bad of ['eu-west-1', '=https://a', 'eu-west-1=ftp://x', 'EU=https://a']) {
      expect(() => withEnv({ SLUICE_REGION_URLS: bad }, () => config.regionIngestUrls()), bad).toThrow(/SLUICE_REGION_URLS/);
    }
  });
});
