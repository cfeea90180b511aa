/**
 * The hard ceiling per tenant at ingest, shared by every ingest instance.
 *
 * One counter per tenant per window (`CeilingCounter`, DynamoDB in shared/adapters/ingest-ceiling.ts)
 * counts what the tenant's requests took; the counter's conditional add never lets it pass the
 * ceiling, so across instances a tenant is NEVER admitted more than the ceiling in a window.
 *
 * An instance does not ask the counter for every request: it leases ahead (what the request costs
 * plus as much again as it already used this window, at most 1/16 of the ceiling) and serves the
 * next requests from its lease, without I/O. Leases left unused at the end of a window are lost, and
 * they are never more than what the instance used, so the bounded error is one way only: a tenant is
 * refused only once at least half its ceiling (less one request) was really used in the window; with
 * one instance, all but the last lease.
 *
 * Past the ceiling: `events_ceiling` or `bytes_ceiling` (429 with Retry-After = the end of the window);
 * a request that alone costs more than a whole window: `over_ceiling` (413: it could never fit).
 * A counter that cannot be reached does not stop ingest: the instance then enforces the whole ceiling
 * on its own traffic (per-instance share) until the counter answers again.
 */
import { IngestError } from './errors.ts';
import type { Ceiling } from './limits.ts';

export interface Cost {
  events: number;
  bytes: number;
}

/** The port: an atomic, conditional add to the tenant's counter of one window. */
export interface CeilingCounter {
  /**
   * Adds `amount` to the counter of (`tenant`, `window`) unless the sum would pass `limit` in either
   * dimension. Returns whether it was added and the counter after the add (or as found, when refused).
   * `expiresAtSeconds`: when the counter may be deleted.
   */
  take(tenant: string, window: number, amount: Cost, limit: Cost, expiresAtSeconds: number): Promise<{ taken: boolean; counter: Cost }>;
}

export type RefusalReason = 'events_ceiling' | 'bytes_ceiling' | 'over_ceiling';

export type Admission =
  | { admitted: true; via: 'lease' | 'counter' | 'local' }
  | { admitted: false; reason: RefusalReason; retryAfterSeconds: number };

export interface CeilingOptions {
  now?: () => number;
  /** Called when the counter cannot be reached (the request is then judged on this instance's traffic). */
  onCounterError?: (err: unknown) => void;
}

interface Window {
  window: number;
  /** Leased from the counter and not used yet. */
  held: Cost;
  /** What this instance admitted in the window. */
  used: Cost;
  /** The highest counter value seen in the window: a lower bound of the counter now. */
  seen: Cost;
}

const LEASE_DIVISOR = 16;
const MAX_TENANTS = 10_000;
const zero = (): Cost => ({ events: 0, bytes: 0 });

export class CeilingLimiter {
  private readonly windows = new Map<string, Window>();
  private readonly now: () => number;
  /** Calls to the counter (for tests and metrics). */
  counterCalls = 0;

  constructor(
    private readonly counter: CeilingCounter,
    private readonly options: CeilingOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * Without I/O: the refusal when this instance already knows that `cost` cannot fit in the current
   * window (used before parsing, with the least a request can cost); undefined when it may fit.
   */
  known(tenant: string, ceiling: Ceiling, cost: Cost): Admission | undefined {
    const t = this.now();
    if (cost.events > ceiling.events || cost.bytes > ceiling.bytes) return { admitted: false, reason: 'over_ceiling', retryAfterSeconds: 0 };
    const w = this.windowOf(tenant, ceiling, t);
    if (covers(w.held, cost)) return undefined;
    return this.refusalFor(w, need(w.held, cost), ceiling, t);
  }

  /** Admits `cost` for `tenant` if its ceiling allows it in the current window (and counts it). */
  async admit(tenant: string, ceiling: Ceiling, cost: Cost): Promise<Admission> {
    const t = this.now();
    const early = this.known(tenant, ceiling, cost);
    if (early) return early;
    const w = this.windowOf(tenant, ceiling, t);
    if (covers(w.held, cost)) {
      w.held = minus(w.held, cost);
      w.used = plus(w.used, cost);
      return { admitted: true, via: 'lease' };
    }
    // Take what is held into this request before waiting, so a concurrent request cannot use it too.
    const fromHeld = { events: Math.min(w.held.events, cost.events), bytes: Math.min(w.held.bytes, cost.bytes) };
    w.held = minus(w.held, fromHeld);
    const needed = minus(cost, fromHeld);
    const extra = {
      events: Math.min(Math.floor(ceiling.events / LEASE_DIVISOR), w.used.events + cost.events),
      bytes: Math.min(Math.floor(ceiling.bytes / LEASE_DIVISOR), w.used.bytes + cost.bytes),
    };
    let got: { taken: boolean; counter: Cost; leased: Cost };
    try {
      got = await this.lease(tenant, w, needed, extra, ceiling);
    } catch (err) {
      this.options.onCounterError?.(err);
      w.held = plus(w.held, fromHeld);
      return this.alone(w, cost, ceiling, t);
    }
    w.seen = max(w.seen, got.counter);
    if (!got.taken) {
      w.held = plus(w.held, fromHeld);
      return this.refusalFor(w, needed, ceiling, t) ?? { admitted: false, reason: 'bytes_ceiling', retryAfterSeconds: retryAfter(w, ceiling, t) };
    }
    w.held = plus(w.held, minus(got.leased, needed));
    w.used = plus(w.used, cost);
    return { admitted: true, via: 'counter' };
  }

  /** Leases `needed + extra` (capped at the ceiling); when that does not fit, exactly `needed`. */
  private async lease(tenant: string, w: Window, needed: Cost, extra: Cost, ceiling: Ceiling): Promise<{ taken: boolean; counter: Cost; leased: Cost }> {
    const limit = { events: ceiling.events, bytes: ceiling.bytes };
    const expires = Math.ceil(((w.window + 2) * ceiling.windowMs) / 1000);
    const wide = { events: Math.min(limit.events, needed.events + extra.events), bytes: Math.min(limit.bytes, needed.bytes + extra.bytes) };
    this.counterCalls++;
    const first = await this.counter.take(tenant, w.window, wide, limit, expires);
    if (first.taken || (wide.events === needed.events && wide.bytes === needed.bytes)) return { ...first, leased: wide };
    if (!fits(first.counter, needed, limit)) return { ...first, leased: zero() };
    this.counterCalls++;
    const exact = await this.counter.take(tenant, w.window, needed, limit, expires);
    return { ...exact, leased: needed };
  }

  /** The counter is unreachable: admit while this instance's own traffic in the window stays under the ceiling. */
  private alone(w: Window, cost: Cost, ceiling: Ceiling, t: number): Admission {
    const after = plus(w.used, cost);
    if (after.events > ceiling.events) return { admitted: false, reason: 'events_ceiling', retryAfterSeconds: retryAfter(w, ceiling, t) };
    if (after.bytes > ceiling.bytes) return { admitted: false, reason: 'bytes_ceiling', retryAfterSeconds: retryAfter(w, ceiling, t) };
    w.used = after;
    return { admitted: true, via: 'local' };
  }

  private refusalFor(w: Window, needed: Cost, ceiling: Ceiling, t: number): Admission | undefined {
    if (w.seen.events + needed.events > ceiling.events) return { admitted: false, reason: 'events_ceiling', retryAfterSeconds: retryAfter(w, ceiling, t) };
    if (w.seen.bytes + needed.bytes > ceiling.bytes) return { admitted: false, reason: 'bytes_ceiling', retryAfterSeconds: retryAfter(w, ceiling, t) };
    return undefined;
  }

  private windowOf(tenant: string, ceiling: Ceiling, t: number): Window {
    const window = Math.floor(t / ceiling.windowMs);
    const w = this.windows.get(tenant);
    if (w && w.window === window) return w;
    if (!w && this.windows.size >= MAX_TENANTS) {
      for (const [k, v] of this.windows) if (v.window < window) this.windows.delete(k);
      if (this.windows.size >= MAX_TENANTS) this.windows.clear();
    }
    const fresh: Window = { window, held: zero(), used: zero(), seen: zero() };
    this.windows.set(tenant, fresh);
    return fresh;
  }
}

function retryAfter(w: Window, ceiling: Ceiling, t: number): number {
  return Math.max(1, Math.ceil(((w.window + 1) * ceiling.windowMs - t) / 1000));
}

const covers = (held: Cost, c: Cost): boolean => held.events >= c.events && held.bytes >= c.bytes;
const need = (held: Cost, c: Cost): Cost => ({ events: Math.max(0, c.events - held.events), bytes: Math.max(0, c.bytes - held.bytes) });
const plus = (a: Cost, b: Cost): Cost => ({ events: a.events + b.events, bytes: a.bytes + b.bytes });
const minus = (a: Cost, b: Cost): Cost => ({ events: a.events - b.events, bytes: a.bytes - b.bytes });
const max = (a: Cost, b: Cost): Cost => ({ events: Math.max(a.events, b.events), bytes: Math.max(a.bytes, b.bytes) });
const fits = (counter: Cost, amount: Cost, limit: Cost): boolean =>
  counter.events + amount.events <= limit.events && counter.bytes + amount.bytes <= limit.bytes;

/** A refusal as the error the client gets: 429 with Retry-After and the named reason, or 413 `over_ceiling`. */
export function refusal(a: Extract<Admission, { admitted: false }>, ceiling: Ceiling, cost: Cost): IngestError {
  const win = `${ceiling.windowMs / 1000} s`;
  if (a.reason === 'over_ceiling') {
    return new IngestError(
      413,
      'over_ceiling',
      `This request costs ${cost.events} events and ${cost.bytes} bytes (each event counts at least its minimum size), more than your plan's ` +
        `ceiling of ${ceiling.events} events and ${ceiling.bytes} bytes per ${win}; nothing was accepted. Split it into smaller requests, or send fewer, larger events.`,
      { reason: 'over_ceiling' },
    );
  }
  const what = a.reason === 'events_ceiling' ? `${ceiling.events} events` : `${ceiling.bytes} bytes`;
  return IngestError.rateLimited(
    a.retryAfterSeconds,
    `This tenant sent more than its hard ceiling of ${what} per ${win} (well above its plan; the plan itself only defers); nothing of this request was accepted.`,
    a.reason,
  );
}
