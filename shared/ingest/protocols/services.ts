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
 * the request's records (at most the per-request cap) are counted against the tenant's ceiling
 * (`admit`: 413 / 429, answered in the protocol's words); a delivery that fails is the same 503 as
 * for the plain routes, saying how many events (the first ones) were stored.
 */
export function shipperServices(o: {
  tenants: TenantResolver;
  deliver: ProtocolServices['deliver'];
  isDeliveryFailure(err: unknown): boolean;
  limits: () => ProtocolServices['limits'];
  log: { error: Log };
  /** The ceiling check (shared/ingest/admit.ts admitCost); throws the IngestError to answer. */
  admit?: (tenant: Tenant, cost: Cost) => Promise<void>;
  /** This stack's region (SLUICE_REGION), stamped on every envelope. */
  region?: string;
}): ProtocolServices {
  // The tenants this instance resolved, by id, for the ceiling check at delivery (the protocol sees only id and spread).
  const resolved = new TtlLru<Tenant>(10_000);
  return {
    ...(o.region !== undefined ? { region: o.region } : {}),
    resolveTenant: async (token) => {
      const t = await o.tenants.resolve(token).catch((err: unknown) => {
        o.log.error('tenant registry unreachable', { error: err as Error });
        throw IngestError.unavailable(5, 'Sluice could not check the token right now; nothing was accepted.');
      });
      if (t) resolved.set(t.id, t, 10 * 60_000);
      return t && { id: t.id, spread: t.plan.spread };
    },
    deliver: async (batches) => {
      const all = [...batches];
      const first = all[0]?.[0]?.envelope;
      const tenant = first && resolved.get(first.tenant);
      if (o.admit && tenant) await o.admit(tenant, costOf(all, o.limits().minEventBytes));
      const handed = countHanded(all);
      try {
        return await o.deliver(handed.batches);
      } catch (err) {
        if (!o.isDeliveryFailure(err)) throw err;
        o.log.error('neither Kafka nor the spill stream took the request', { error: (err as Error).message, stored: handed.stored() });
        // Idempotent ids are UUIDv8 (ids.ts): the version digit says whether the request had a key.
        throw notStored(handed.stored(), all.reduce((n, b) => n + b.length, 0), first?.id[14] === '8', err);
      }
    },
    get limits() {
      return o.limits();
    },
  };
}

/** A protocol request's cost: each event its size, at least `minEventBytes`. */
function costOf(batches: ReadonlyArray<readonly IngestRecord[]>, minEventBytes: number): Cost {
  let events = 0;
  let bytes = 0;
  for (const b of batches) {
    for (const r of b) {
      events++;
      bytes += Math.max(minEventBytes, r.envelope.originalBytes);
    }
  }
  return { events, bytes };
}
