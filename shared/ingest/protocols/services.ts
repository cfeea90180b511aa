import type { Tenant, TenantResolver } from '../../tenants/registry.ts';
import { IngestError } from '../errors.ts';
import type { ProtocolServices } from './serve.ts';

type Log = (message: string, data: Record<string, unknown>) => void;

/**
 * What the shippers' protocols (serve.ts) need, on the same registry and delivery: a
 * registry or delivery failure is answered 503 with what to do, as for the plain routes.
 */
export function shipperServices(o: {
  tenants: TenantResolver;
  deliver: ProtocolServices['deliver'];
  isDeliveryFailure(err: unknown): boolean;
  limits: () => ProtocolServices['limits'];
  log: { error: Log };
  /** The tenant's ceiling for a decoded request (admit.ts admitCost), checked before delivering. */
  admit?: (tenant: Tenant, cost: { events: number; bytes: number }) => Promise<void>;
}): ProtocolServices {
  const admit = o.admit;
  return {
    ...(admit ? { admit: (t: { ref?: unknown }, cost: { events: number; bytes: number }) => admit(t.ref as Tenant, cost) } : {}),
    resolveTenant: async (token) => {
      const t = await o.tenants.resolve(token).catch((err: unknown) => {
        o.log.error('tenant registry unreachable', { error: err as Error });
        throw IngestError.unavailable(5, 'Sluice could not check the token right now; nothing was accepted.');
      });
      return t && { id: t.id, spread: t.plan.spread, ref: t };
    },
    deliver: (batches) =>
      o.deliver(batches).catch((err: unknown) => {
        if (!o.isDeliveryFailure(err)) throw err;
        o.log.error('neither Kafka nor the spill stream took the request', { error: (err as Error).message });
        throw IngestError.unavailable(5, 'Sluice could not store the events; nothing of this request was accepted. Retry it.');
      }),
    get limits() {
      return o.limits();
    },
  };
}
