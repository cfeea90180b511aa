/**
 * A tenant's home region: where its data is meant to live (the registry's `homeRegion`). Pure.
 *
 * The policy for a request that arrives in another region is ACCEPT AND KEEP IT WHERE IT ARRIVED
 * (docs/regions.md, "Home regions"): the events are stored, indexed and archived in the arrival
 * region, tagged with that region, and the 202 names the home region (and its ingest URL, when this
 * stack knows it) so that the sender can be re-pointed. A redirect (307/308) was not chosen: most
 * shippers (Fluent Bit, Vector, syslog-ng, rsyslog, Logstash, the OpenTelemetry Collector) do not
 * follow a redirect on POST, so they would retry or drop the batch, and "always accept log data,
 * never drop log data" comes first. Nothing is forwarded across regions by ingest.
 */
import type { Tenant } from './registry.ts';

/** What the 202 says when the request arrived outside the tenant's home region. */
export interface AwayNotice {
  homeRegion: string;
  /** The home region's ingest URL, when this stack knows it (SLUICE_REGION_URLS). */
  homeUrl?: string;
}

/** Response headers of an away notice (lower-case, as the ingest answers send them). */
export const HOME_REGION_HEADER = 'sluice-home-region';
export const HOME_URL_HEADER = 'sluice-home-url';

/**
 * The notice for a tenant whose request arrived in `here`, or undefined when it is at home (or has
 * no home region: a tenant without one is at home everywhere).
 */
export function awayFromHome(tenant: Pick<Tenant, 'homeRegion'>, here: string, urls: Readonly<Record<string, string>> = {}): AwayNotice | undefined {
  const home = tenant.homeRegion;
  if (home === undefined || home === '' || home === here) return undefined;
  const url = urls[home];
  return url === undefined ? { homeRegion: home } : { homeRegion: home, homeUrl: url };
}

export function awayHeaders(n: AwayNotice | undefined): Record<string, string> {
  if (n === undefined) return {};
  return n.homeUrl === undefined ? { [HOME_REGION_HEADER]: n.homeRegion } : { [HOME_REGION_HEADER]: n.homeRegion, [HOME_URL_HEADER]: n.homeUrl };
}

const REGION_RE = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * A region name as Sluice takes it (SLUICE_REGION, a tenant's home region, an envelope's region):
 * lower-case letters, digits and `-`, starting with a letter, at most 32 characters (it is a keyword
 * and part of summary ids). AWS region names (eu-west-1) and `local` are.
 */
export function isRegionName(r: unknown): r is string {
  return typeof r === 'string' && REGION_RE.test(r);
}

/** Throws unless `r` is a region name (isRegionName). */
export function assertRegionName(r: string): void {
  if (!isRegionName(r)) throw new Error(`"${r}" is not a region name: give lower-case letters, digits and "-", e.g. eu-west-1.`);
}
