/**
 * The per-tenant limits of one ingest request, in one place and read once per request (as Loki's
 * distributor reads its `Limits`): the body limits, the per-request event cap, the minimum cost of an
 * event, and the tenant's hard ceiling. Pure: the caller passes the settings (shared/config.ts).
 *
 * The ceiling is far above the plan: `factor` (10) times the plan's sustained rate, in events and in
 * bytes, counted over windows of `windowSeconds` (10). Within a window the whole allowance may come at
 * once, and it is never less than `factor` times the plan's burst: a free tenant (200 events/s, burst
 * 2,000; 200 KiB/s, burst 4 MiB) may send 20,000 events and 40 MiB in any 10 s window. Below the
 * ceiling the budgets act downstream as before (deferred, never refused).
 *
 * Every event costs at least `minEventBytes` (256) in bytes: 6 MB of `1\n` is 3,000,000 events of one
 * byte; at 256 bytes each it costs 768 MB and is refused, and an event's Kafka envelope (about 200
 * bytes beside the raw, plus the source, host and tags, which are charged per event too) weighs at most
 * about twice what it was charged.
 */
import type { Plan } from '../tenants/plans.ts';
import type { IngestLimits } from './parse.ts';

export interface CeilingSettings {
  factor: number;
  windowSeconds: number;
  minEventBytes: number;
  maxEventsPerRequest: number;
}

export interface BodyLimits {
  maxBodyBytes: number;
  maxEventBytes: number;
}

/** What a tenant may send in one window, counted across every ingest instance. */
export interface Ceiling {
  windowMs: number;
  events: number;
  bytes: number;
}

export interface RequestLimits {
  /** For parseIngest: body and event sizes, the event cap, the minimum event cost. */
  parse: IngestLimits;
  ceiling: Ceiling;
  /** The least a request can cost (one event of the minimum size): what the pre-parse check uses. */
  minCost: { events: number; bytes: number };
}

/** The allowance of one window: `factor` times the plan's rate over the window, at least `factor` times its burst. */
export function ceilingOf(plan: Plan, s: Pick<CeilingSettings, 'factor' | 'windowSeconds' | 'minEventBytes'>): Ceiling {
  const events = Math.floor(s.factor * Math.max(plan.eventsPerSecond * s.windowSeconds, plan.eventsBurst));
  const bytes = Math.floor(s.factor * Math.max(plan.bytesPerSecond * s.windowSeconds, plan.bytesBurst));
  // A plan overridden to zero still lets one minimal event through per window, never nothing at all.
  return { windowMs: s.windowSeconds * 1000, events: Math.max(1, events), bytes: Math.max(s.minEventBytes, bytes) };
}

export function requestLimits(plan: Plan, body: BodyLimits, s: CeilingSettings): RequestLimits {
  return {
    parse: {
      maxBodyBytes: body.maxBodyBytes,
      maxEventBytes: body.maxEventBytes,
      maxEventsPerRequest: s.maxEventsPerRequest,
      minEventBytes: s.minEventBytes,
    },
    ceiling: ceilingOf(plan, s),
    minCost: { events: 1, bytes: s.minEventBytes },
  };
}
