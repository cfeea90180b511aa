/**
 * The record Sluice writes to `logs.raw`: one per accepted event, JSON-encoded as the Kafka value.
 *
 * Versioned: consumers must check `v` and reject (to the DLQ) a version they do not know, never guess.
 * The tenant is set only from the authenticated token, never from anything the client sent.
 */
export const ENVELOPE_VERSION = 1 as const;

export interface RawEnvelope {
  /** Envelope schema version. */
  v: typeof ENVELOPE_VERSION;
  /** Tenant id, from the token (validated by `assertTenantId`). */
  tenant: string;
  /**
   * The region whose ingest accepted the event (SLUICE_REGION of that stack; `local` locally). It
   * never changes afterwards: a mirrored copy in an aggregation cluster keeps its origin. Absent in
   * records written before regions existed; the stage then fills in its own stack's region (right for
   * the stack's own topics; an aggregate that mirrors such old records labels them with its region).
   * Optional on the wire, so the envelope stays version 1 and old consumers ignore it.
   */
  region?: string;
  /** Stable event id: the same event (retried, spilled, drained, replayed) keeps it. Used as the OpenSearch `_id`. */
  id: string;
  /** When ingest received the request, ISO 8601 with milliseconds, UTC. */
  receivedAt: string;
  /** `X-Log-Source` / `?source=`, if given. */
  source?: string;
  /** `X-Log-Host` / `?host=`, if given. */
  host?: string;
  /** `X-Log-Tags` / `?tags=`, comma-separated on the wire, normalized here. */
  tags: string[];
  /** The event's text exactly as received (after decoding and UTF-8 repair), possibly truncated. */
  raw: string;
  /** True when `raw` was cut to the per-event limit; `originalBytes` then gives the size received. */
  truncated: boolean;
  /** Size in bytes of the event as received, before truncation. */
  originalBytes: number;
  /** True when the event's bytes were not valid UTF-8 and invalid sequences were replaced with U+FFFD. */
  invalidUtf8?: boolean;
  /** The ingest request that carried it (for support and tracing). */
  requestId: string;
}
