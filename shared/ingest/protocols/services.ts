import type { Tenant, TenantResolver } from '../../tenants/registry.ts';
import { TtlLru } from '../../tenants/lru.ts';
import type { Cost } from '../ceiling.ts';
import { countHanded, notStored } from '../deliver.ts';
import { IngestError } from '../errors.ts';
import type { IngestRecord } from '../parse.ts';
import type { ProtocolServices } from './serve.ts';

type Log = (message: string, data: Record<string, unknown>) => void;

/**
 * What the shippers' protocols (serve.ts) need, on the same registry, ceiling and delivery: a
 * registry failure is a 503 with what to do, as for the plain routes. Before anything is written,
 * the request's cost (ProtocolResult.cost: each event at least minEventBytes, plus its metadata, as
 * native ingest charges) is counted against the tenant's ceiling (`admit`: 413 / 429, answered in
 * the protocol's words); a delivery that fails is the same 503 as for the plain routes, saying how
 * many events (the first ones) were stored.
 */
export function shipperServices(o: {
  tenants: TenantResolver;
  /** Kafka, else the spill (shared/delivery.ts deliver: its outcome's `spilled` is counted). */
  deliver: (batches: Iterable<IngestRecord[]>) => Promise<unknown>;
  isDeliveryFailure(err: unknown): boolean;
  limits: () => ProtocolServices['limits'];
  log: { error: Log };
  /** The ceiling check (shared/ingest/admit.ts admitCost); throws the IngestError to answer. */
  admit?: (tenant: Tenant, cost: Cost) => Promise<void>;
  /** This stack's region (SLUICE_REGION), stamped on every envelope. */
  region?: string;
}): ProtocolServices {
  // The tenants this instance resolved, by id, for the ceiling check (the protocol sees only id, spread and tier).
  const resolved = new TtlLru<Tenant>(10_000);
  return {
    ...(o.region !== undefined ? { region: o.region } : {}),
    resolveTenant: async (token) => {
      const t = await o.tenants.resolve(token).catch((err: unknown) => {
        o.log.error('tenant registry unreachable', { error: err as Error });
        throw IngestError.unavailable(5, 'Sluice could not check the token right now; nothing was accepted.');
      });
      if (t) resolved.set(t.id, t, 10 * 60_000);
      return t && { id: t.id, spread: t.plan.spread, tier: t.plan.indexTier };
    },
    admit: async (tenantId, cost) => {
      const tenant = resolved.get(tenantId);
      if (o.admit && tenant) await o.admit(tenant, cost);
    },
    deliver: async (batches, info) => {
      const handed = countHanded(batches);
      try {
        const out = await o.deliver(handed.batches);
        const spilled = (out as { spilled?: unknown } | undefined)?.spilled;
        return { spilled: typeof spilled === 'number' ? spilled : 0 };
      } catch (err) {
        if (!o.isDeliveryFailure(err)) throw err;
        o.log.error('neither Kafka nor the spill stream took the request', { error: (err as Error).message, stored: handed.stored() });
        throw notStored(handed.stored(), info.events, info.idempotent, err);
      }
    },
    get limits() {
      return o.limits();
    },
  };
}
