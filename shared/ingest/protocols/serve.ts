/**
 * serveProtocol: the one entry the ingest handler calls before its native path. When the request is
 * one of the protocols (OTLP, ...), it runs the common steps and answers in the protocol's words;
 * otherwise it returns undefined and native ingest goes on as before.
 *
 *   route -> probe? -> token -> tenant -> decode body (Content-Encoding, limits) -> protocol decode
 *         -> envelopes -> deliver (Kafka or the spill; 2xx only once every event is acknowledged) -> answer
 *
 * Nothing of a request that fails before delivery is stored. The tenant comes only from the token.
 */
import { decodeBody } from '../decode.ts';
import { IngestError, isIngestError } from '../errors.ts';
import type { IngestRequest, LambdaHttpResult } from '../http.ts';
import type { IngestLimits, IngestRecord } from '../parse.ts';
import { buildResult, type ProtocolContext, type ProtocolResult } from './events.ts';
import { esMatcher } from './es.ts';
import { firehoseMatcher } from './firehose.ts';
import { hecMatcher } from './hec.ts';
import { lokiMatcher } from './loki.ts';
import { otlpMatcher } from './otlp.ts';
import type { Decoded, ProtocolRoute } from './types.ts';

export interface ProtocolTenant {
  id: string;
  spread?: number;
}

/** What the handler wires in (ports: no AWS or Kafka here). */
export interface ProtocolServices {
  /** The tenant of a token, undefined when unknown or revoked; throws IngestError (503) when the registry is unreachable. */
  resolveTenant(token: string): Promise<ProtocolTenant | undefined>;
  /** Delivers every batch or throws (an IngestError 503 when neither Kafka nor the spill took them). */
  deliver(batches: Iterable<IngestRecord[]>): Promise<unknown>;
  limits: IngestLimits;
  now?: () => Date;
  /** This stack's region (SLUICE_REGION), stamped on every envelope. */
  region?: string;
}

export interface Served {
  response: LambdaHttpResult;
  protocol: string;
  tenant?: string;
  accepted: number;
  rejected: number;
  truncated: number;
  bodyBytes: number;
  /** The error answered, if any (for the handler's log). */
  error?: IngestError;
}

const PRODUCE_BATCH = 5000;
const PRODUCE_BATCH_BYTES = 4 * 1024 * 1024;

type Matcher = (path: string, req: IngestRequest, peek: () => Buffer) => ProtocolRoute | undefined;
const MATCHERS: Matcher[] = [otlpMatcher, esMatcher, hecMatcher, lokiMatcher, firehoseMatcher];

/** The protocol route serving `req`, or undefined for native ingest. `peek` gives the decoded body when a matcher must sniff it. */
export function matchProtocol(req: IngestRequest, peek: () => Buffer): ProtocolRoute | undefined {
  for (const m of MATCHERS) {
    const r = m(req.path, req, peek);
    if (r) return r;
  }
  return undefined;
}

/** The pure step: a decoded body (Content-Encoding undone) to the protocol's events and their records. */
export function parseProtocol(route: ProtocolRoute, req: IngestRequest, body: Buffer, ctx: ProtocolContext): { decoded: Decoded; result: ProtocolResult } {
  const decoded = route.decode(body, req, ctx.receivedAt, ctx.limits);
  return { decoded, result: buildResult(req, decoded.events, ctx, body.length) };
}

export async function serveProtocol(req: IngestRequest, svc: ProtocolServices): Promise<Served | undefined> {
  let decoded: Buffer | undefined;
  let decodeError: unknown;
  const body = (): Buffer => {
    if (decoded === undefined && decodeError === undefined) {
      try {
        decoded = decodeBody(req.body, req.headers['content-encoding'], svc.limits.maxBodyBytes);
      } catch (e) {
        decodeError = e;
      }
    }
    if (decodeError !== undefined) throw decodeError;
    return decoded!;
  };
  // Sniffing a body that does not decode: not ours to answer (native ingest answers its own 400/413).
  const peek = (): Buffer => {
    try {
      return body();
    } catch {
      return Buffer.alloc(0);
    }
  };
  const route = matchProtocol(req, peek);
  if (!route) return undefined;
  const served: Served = { response: undefined as unknown as LambdaHttpResult, protocol: route.protocol, accepted: 0, rejected: 0, truncated: 0, bodyBytes: 0 };
  try {
    const probed = route.probe?.(req);
    if (probed) return { ...served, response: probed };
    const token = route.token(req);
    const tenant = await svc.resolveTenant(token);
    if (!tenant) throw IngestError.invalidToken();
    served.tenant = tenant.id;
    const receivedAt = (svc.now ?? (() => new Date()))();
    const b = body();
    const { decoded: d, result } = parseProtocol(route, req, b, { tenant: tenant.id, receivedAt, limits: svc.limits, ...(tenant.spread !== undefined ? { spread: tenant.spread } : {}), ...(svc.region !== undefined ? { region: svc.region } : {}) });
    if (result.accepted > 0) await svc.deliver(result.batches(PRODUCE_BATCH, PRODUCE_BATCH_BYTES));
    return { ...served, response: route.answer(req, d, result), accepted: result.accepted, rejected: d.rejected, truncated: result.truncated, bodyBytes: b.length };
  } catch (e) {
    const err = isIngestError(e)
      ? e
      : new IngestError(500, 'internal', 'Internal error. Retry the request; if it keeps failing, contact support with the requestId.', { cause: e });
    return { ...served, response: route.fail(req, err), error: err };
  }
}
