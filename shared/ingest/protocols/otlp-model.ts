/**
 * OTLP logs, decoded: the parts of an ExportLogsServiceRequest that Sluice keeps, in plain JS values,
 * the same whether the request came as protobuf or as OTLP/JSON. Attribute values (AnyValue) become
 * JSON values: strings, booleans, numbers (an int64 outside the safe-integer range as its decimal
 * string, as OTLP/JSON writes it), arrays, objects (kvlist), bytes as base64; NaN and infinities as
 * their names.
 */
export type Attrs = Record<string, unknown>;

export interface OtlpScope {
  name?: string;
  version?: string;
  attributes: Attrs;
}

export interface OtlpLogRecord {
  /** Decimal string of nanoseconds since the epoch; absent when 0 or unset. */
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
  severityNumber?: number;
  severityText?: string;
  /** The body as a JSON value; undefined when the record has none. */
  body?: unknown;
  attributes: Attrs;
  droppedAttributesCount?: number;
  flags?: number;
  /** Lower-case hex, absent when empty. */
  traceId?: string;
  spanId?: string;
  eventName?: string;
}

export interface OtlpScopeLogs {
  scope: OtlpScope;
  logRecords: OtlpLogRecord[];
}

export interface OtlpResourceLogs {
  resource: Attrs;
  scopeLogs: OtlpScopeLogs[];
}

/** SeverityNumber ranges (logs data model) to Sluice's levels: TRACE 1-4, DEBUG 5-8, INFO 9-12, WARN 13-16, ERROR 17-20, FATAL 21-24. */
export function levelOfSeverity(n: number): string | undefined {
  if (!Number.isInteger(n) || n < 1 || n > 24) return undefined;
  return (['trace', 'debug', 'info', 'warn', 'error', 'critical'] as const)[Math.floor((n - 1) / 4)];
}

/** `time_unix_nano` (decimal ns) to ISO 8601 with milliseconds, or undefined when not representable. */
export function nanosToIso(ns: string): string | undefined {
  if (!/^\d{1,20}$/.test(ns)) return undefined;
  const ms = ns.length <= 6 ? 0 : Number(ns.slice(0, -6)); // exact: at most 14 digits of milliseconds
  if (ms === lastMs) return lastIso;
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return undefined;
  lastMs = ms;
  lastIso = d.toISOString();
  return lastIso;
}

/** The last conversion: a batch's records mostly share their millisecond or arrive in order. */
let lastMs = NaN;
let lastIso: string | undefined;

/**
 * One record as the event Sluice stores (its raw's JSON): `timestamp`, `level`, `message` at the top
 * (what the classifier reads), the rest under the names the classifier leaves in `fields`: the
 * record's ids and severity, `body` (a map or array body's content), and the attributes by
 * provenance (`resource`, `scope`, `attributes`).
 */
export function recordDoc(res: OtlpResourceLogs, sl: OtlpScopeLogs, r: OtlpLogRecord, receivedAt: string): Record<string, unknown> & { message: string } {
  const timestamp =
    (r.timeUnixNano !== undefined ? nanosToIso(r.timeUnixNano) : undefined) ??
    (r.observedTimeUnixNano !== undefined ? nanosToIso(r.observedTimeUnixNano) : undefined) ??
    receivedAt;
  const level = (r.severityNumber !== undefined ? levelOfSeverity(r.severityNumber) : undefined) ?? r.severityText;
  const body = r.body === null ? undefined : r.body;
  const structured = typeof body === 'object' && body !== null;
  const message = body === undefined ? (r.eventName ?? '') : typeof body === 'string' ? body : JSON.stringify(body);
  const doc: Record<string, unknown> & { message: string } = { timestamp, message };
  if (level !== undefined && level !== '') doc.level = level;
  if (structured) doc.body = body;
  if (r.severityNumber !== undefined) doc.severity_number = r.severityNumber;
  if (r.severityText !== undefined) doc.severity_text = r.severityText;
  if (r.timeUnixNano !== undefined) doc.time_unix_nano = r.timeUnixNano;
  if (r.observedTimeUnixNano !== undefined) doc.observed_time_unix_nano = r.observedTimeUnixNano;
  if (r.traceId !== undefined) doc.trace_id = r.traceId;
  if (r.spanId !== undefined) doc.span_id = r.spanId;
  if (r.flags !== undefined && r.flags !== 0) doc.flags = r.flags;
  if (r.eventName !== undefined) doc.event_name = r.eventName;
  if (r.droppedAttributesCount !== undefined && r.droppedAttributesCount > 0) doc.dropped_attributes_count = r.droppedAttributesCount;
  if (Object.keys(res.resource).length > 0) doc.resource = res.resource;
  const scope: Record<string, unknown> = {};
  if (sl.scope.name !== undefined) scope.name = sl.scope.name;
  if (sl.scope.version !== undefined) scope.version = sl.scope.version;
  if (Object.keys(sl.scope.attributes).length > 0) scope.attributes = sl.scope.attributes;
  if (Object.keys(scope).length > 0) doc.scope = scope;
  if (Object.keys(r.attributes).length > 0) doc.attributes = r.attributes;
  return doc;
}

/** The JSON text of a resource's attributes and of a scope, as `recordDoc` puts them (once per ResourceLogs / ScopeLogs). */
export function resourceJson(resource: Attrs): string | undefined {
  return Object.keys(resource).length > 0 ? JSON.stringify(resource) : undefined;
}

export function scopeJson(sc: OtlpScope): string | undefined {
  const scope: Record<string, unknown> = {};
  if (sc.name !== undefined) scope.name = sc.name;
  if (sc.version !== undefined) scope.version = sc.version;
  if (Object.keys(sc.attributes).length > 0) scope.attributes = sc.attributes;
  return Object.keys(scope).length > 0 ? JSON.stringify(scope) : undefined;
}

/** A decoded record's time, level and message, and its body as JSON text when it is a map or an array: the head every writer of its raw starts with. */
export function recordHead(r: OtlpLogRecord, receivedAt: string): { timestamp: string; level: string | undefined; structured: boolean; bodyJson: string | undefined; message: string } {
  const timestamp =
    (r.timeUnixNano !== undefined ? nanosToIso(r.timeUnixNano) : undefined) ??
    (r.observedTimeUnixNano !== undefined ? nanosToIso(r.observedTimeUnixNano) : undefined) ??
    receivedAt;
  const level = (r.severityNumber !== undefined ? levelOfSeverity(r.severityNumber) : undefined) ?? r.severityText;
  const body = r.body === null ? undefined : r.body;
  const structured = typeof body === 'object' && body !== null;
  const bodyJson = structured ? JSON.stringify(body) : undefined;
  const message = body === undefined ? (r.eventName ?? '') : typeof body === 'string' ? body : (bodyJson ?? JSON.stringify(body));
  return { timestamp, level, structured, bodyJson, message };
}

/**
 * Exactly `JSON.stringify(recordDoc(res, sl, r, receivedAt))` (a unit test holds that), built by
 * concatenation with the resource and scope text made once per batch of records: the hot path.
 */
export function recordRaw(resJson: string | undefined, scJson: string | undefined, r: OtlpLogRecord, receivedAt: string): string {
  const { timestamp, level, structured, bodyJson, message } = recordHead(r, receivedAt);
  let s = `{"timestamp":"${timestamp}","message":${JSON.stringify(message)}`;
  if (level !== undefined && level !== '') s += `,"level":${JSON.stringify(level)}`;
  if (structured) s += `,"body":${bodyJson}`;
  if (r.severityNumber !== undefined) s += `,"severity_number":${r.severityNumber}`;
  if (r.severityText !== undefined) s += `,"severity_text":${JSON.stringify(r.severityText)}`;
  if (r.timeUnixNano !== undefined) s += `,"time_unix_nano":"${r.timeUnixNano}"`;
  if (r.observedTimeUnixNano !== undefined) s += `,"observed_time_unix_nano":"${r.observedTimeUnixNano}"`;
  if (r.traceId !== undefined) s += `,"trace_id":${JSON.stringify(r.traceId)}`;
  if (r.spanId !== undefined) s += `,"span_id":${JSON.stringify(r.spanId)}`;
  if (r.flags !== undefined && r.flags !== 0) s += `,"flags":${r.flags}`;
  if (r.eventName !== undefined) s += `,"event_name":${JSON.stringify(r.eventName)}`;
  if (r.droppedAttributesCount !== undefined && r.droppedAttributesCount > 0) s += `,"dropped_attributes_count":${r.droppedAttributesCount}`;
  if (resJson !== undefined) s += `,"resource":${resJson}`;
  if (scJson !== undefined) s += `,"scope":${scJson}`;
  for (const _ in r.attributes) {
    s += `,"attributes":${JSON.stringify(r.attributes)}`;
    break;
  }
  return s + '}';
}

/** True when a record carries nothing to log: no body, no event name, no attributes. Such records are rejected (counted). */
export function isEmptyRecord(r: OtlpLogRecord): boolean {
  return (r.body === undefined || r.body === null || r.body === '') && r.eventName === undefined && Object.keys(r.attributes).length === 0;
}

/** `into[key] = value`, also for the key `__proto__` (a plain assignment would set the prototype). */
export function setAttr(into: Attrs, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });
  else into[key] = value;
}

export function stringAttr(a: Attrs, key: string): string | undefined {
  const v = a[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}
