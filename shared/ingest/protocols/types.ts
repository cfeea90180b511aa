/**
 * The port every protocol implements. `serve.ts` runs the common steps (token -> tenant, body limits
 * and Content-Encoding, envelope, delivery) and asks the protocol only for what is its own: where
 * the token is, how the body decodes into events, and how answers and errors are worded.
 */
import type { IngestError } from '../errors.ts';
import type { IngestRequest, LambdaHttpResult } from '../http.ts';
import type { IngestLimits } from '../parse.ts';
import type { ProtocolEvent, ProtocolResult } from './events.ts';

export interface Decoded {
  events: ProtocolEvent[];
  /** Records refused one by one inside the accepted request (counted in the answer, never silently dropped). */
  rejected: number;
  /** Why, for the answer (e.g. OTLP's partial_success.error_message). */
  rejectReason?: string;
  /** Per-input-item outcome the answer needs (ES bulk items, HEC invalid-event-number), protocol-specific. */
  detail?: unknown;
}

export interface ProtocolRoute {
  /** Protocol name, for logs and metrics: 'otlp', 'es', 'hec', 'loki', 'firehose'. */
  protocol: string;
  /** An answer that needs no tenant (ES cluster info and probe stubs, HEC health), or undefined to ingest. */
  probe?(req: IngestRequest): LambdaHttpResult | undefined;
  /** The token in the protocol's convention; throws IngestError 401 when absent or malformed. */
  token(req: IngestRequest): string;
  /** The decoded body (Content-Encoding undone, limits checked) to events; throws on a malformed request. */
  decode(body: Buffer, req: IngestRequest, receivedAt: Date, limits: IngestLimits): Decoded;
  /** The success answer, once every accepted event is durable. */
  answer(req: IngestRequest, decoded: Decoded, result: ProtocolResult): LambdaHttpResult;
  /** Any error (IngestError, or the protocol's own decode errors mapped by `serve`) in the protocol's words. */
  fail(req: IngestRequest, err: IngestError): LambdaHttpResult;
}

export type ProtocolMatcher = (req: IngestRequest) => ProtocolRoute | undefined;
