import type { TenantResolver } from '../../tenants/registry.ts';
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
}): ProtocolServices {
  return {
    resolveTenant: async (token) => {
      const t = await o.tenants.resolve(token).catch((err: unknown) => {
        o.log.error('tenant registry unreachable', { error: err as Error });
        throw IngestError.unavailable(5, 'Sluice could not check the token right now; nothing was accepted.');
      });
      return t && { id: t.id, spread: t.plan.spread };
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
