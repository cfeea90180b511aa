/**
 * The pure ingest domain: raw Lambda HTTP event -> Kafka records. No AWS SDK, no Kafka, no I/O.
 *
 * Handler outline:
 *   const req = normalizeRequest(event, { fallbackRequestId: context.awsRequestId });
 *   try {
 *     const route = matchRoute(req);              // 404 / 405
 *     const token = extractToken(req, route);     // 401 missing / malformed, 400 conflicting
 *     const tenant = await lookup(token);         // throw IngestError.invalidToken('revoked') etc.
 *     const r = parseIngest(req, { tenant: tenant.id, receivedAt: new Date(), limits, spread: tenant.spread });
 *     await produce(r.records);                   // IngestError.unavailable(5) when Kafka and the spill both fail
 *     return acceptedResponse(req.shape, r, req.requestId);
 *   } catch (e) { return errorResponse(req.shape, e, req.requestId); }
 */
export { IngestError, isIngestError, type IngestErrorCode, type IngestErrorOptions } from './errors.ts';
export {
  normalizeRequest,
  detectShape,
  toResponse,
  errorResponse,
  acceptedBody,
  acceptedResponse,
  type IngestRequest,
  type RequestShape,
  type LambdaHttpEvent,
  type LambdaHttpResult,
  type AcceptedBody,
  type NormalizeOptions,
} from './http.ts';
export { matchRoute, extractToken, type IngestRoute } from './routes.ts';
export { decodeBody, parseContentEncoding, zstdSupported, type ContentCoding } from './decode.ts';
export { readMetadata, parseTags, METADATA_LIMITS, type IngestMetadata } from './metadata.ts';
export { partitionKey, partitionKeys, timeIds, idempotentIds, MAX_EVENTS_PER_REQUEST, type EventIdSource } from './ids.ts';
export { splitBody, declaredFormat, truncateUtf8, type BodyFormat, type EventSink } from './split.ts';
export {
  parseIngest,
  readIdempotencyKey,
  DEFAULT_LIMITS,
  type IngestContext,
  type IngestLimits,
  type IngestRecord,
  type IngestResult,
} from './parse.ts';
