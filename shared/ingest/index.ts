/**
 * The pure ingest domain: raw Lambda HTTP event -> Kafka records. No AWS SDK, no Kafka, no I/O.
 *
 * Handler outline:
 *   const req = normalizeRequest(event, { fallbackRequestId: context.awsRequestId });
 *   try {
 *     const route = matchRoute(req);              // 404 / 405
 *     const token = extractToken(req, route);     // 401 missing / malformed, 400 conflicting
 *     const tenant = await lookup(token);         // throw IngestError.invalidToken('revoked') etc.
 *     const r = await parseWithinCeiling(req, tenant, new Date(), { ceiling, body, settings });
 *                                                 // limits read once; 413 too_many_events / over_ceiling, 429 past the ceiling
 *     await deliverInBatches(r, topic, deliver);  // 503 saying how many events were stored when Kafka and the spill both fail
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
export { ceilingOf, requestLimits, type Ceiling, type CeilingSettings, type BodyLimits, type RequestLimits } from './limits.ts';
export { CeilingLimiter, refusal, type CeilingCounter, type Cost, type Admission, type RefusalReason } from './ceiling.ts';
export { parseWithinCeiling, admitCost, type AdmitDeps } from './admit.ts';
export { deliverInBatches, notStored, type OutRecord, type BatchOptions } from './deliver.ts';
