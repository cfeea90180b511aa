/**
 * OTLP/JSON (the Protobuf JSON mapping with OTLP's deviations: trace and span ids as hex, not base64;
 * enums as integers; 64-bit integers as decimal strings, numbers also accepted) to the decoded model.
 * Field names are lowerCamelCase; the proto names (snake_case) are accepted too, as Protobuf JSON
 * parsers do. Unknown fields are ignored; a known field of the wrong type is a malformed request
 * (`OtlpJsonError`, answered 400).
 */
import { setAttr, type Attrs, type OtlpLogRecord, type OtlpResourceLogs, type OtlpScope } from './otlp-model.ts';
import { MAX_ANY_DEPTH } from './otlp-proto.ts';

export class OtlpJsonError extends Error {
  override readonly name = 'OtlpJsonError';
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `o[camel]` or `o[snake]`. */
function get(o: Obj, camel: string, snake?: string): unknown {
  const v = o[camel];
  return v !== undefined || snake === undefined ? v : o[snake];
}

export function arr(o: Obj, camel: string, snake: string | undefined, where: string): unknown[] {
  const v = get(o, camel, snake);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpJsonError(`${where}.${camel} must be an array`);
  return v;
}

export function obj(v: unknown, where: string): Obj {
  if (!isObj(v)) throw new OtlpJsonError(`${where} must be an object`);
  return v;
}

function optString(o: Obj, camel: string, snake: string | undefined, where: string): string | undefined {
  const v = get(o, camel, snake);
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new OtlpJsonError(`${where}.${camel} must be a string`);
  return v;
}

/** A (u)int64 written as a decimal string or a JSON number; undefined when absent or zero. */
function optUint64(o: Obj, camel: string, snake: string, where: string): string | undefined {
  const v = get(o, camel, snake);
  if (v === undefined || v === null) return undefined;
  let s: string;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) s = BigInt(v).toString();
  else if (typeof v === 'string' && /^\d{1,20}$/.test(v)) s = v.charCodeAt(0) === 0x30 ? BigInt(v).toString() : v; // only a leading zero needs normalising
  else throw new OtlpJsonError(`${where}.${camel} must be an unsigned 64-bit integer (a decimal string or a number)`);
  return s === '0' ? undefined : s;
}

function optUint32(o: Obj, camel: string, snake: string | undefined, where: string): number | undefined {
  const v = get(o, camel, snake);
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'string' && /^\d{1,10}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new OtlpJsonError(`${where}.${camel} must be an unsigned 32-bit integer`);
  return n;
}

const SEVERITY_NAMES = ['UNSPECIFIED', 'TRACE', 'TRACE2', 'TRACE3', 'TRACE4', 'DEBUG', 'DEBUG2', 'DEBUG3', 'DEBUG4', 'INFO', 'INFO2', 'INFO3', 'INFO4', 'WARN', 'WARN2', 'WARN3', 'WARN4', 'ERROR', 'ERROR2', 'ERROR3', 'ERROR4', 'FATAL', 'FATAL2', 'FATAL3', 'FATAL4'];

/** An enum as its number (OTLP/JSON) or, leniently, its name (`SEVERITY_NUMBER_INFO`). */
function severityNumber(o: Obj, where: string): number | undefined {
  const v = get(o, 'severityNumber', 'severity_number');
  if (v === undefined || v === null || v === 0) return undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0) return v;
  if (typeof v === 'string') {
    const i = SEVERITY_NAMES.indexOf(v.replace(/^SEVERITY_NUMBER_/, ''));
    if (i >= 0) return i === 0 ? undefined : i;
  }
  throw new OtlpJsonError(`${where}.severityNumber must be an integer (SeverityNumber)`);
}

/** Ids are hex in OTLP/JSON; base64 (Protobuf's JSON mapping, which some exporters use) is accepted too. */
function optId(o: Obj, camel: string, snake: string, bytes: number, where: string): string | undefined {
  const v = get(o, camel, snake);
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'string') {
    if (v.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(v)) return v.toLowerCase();
    if (/^[A-Za-z0-9+/]+={0,2}$/.test(v)) {
      const b = Buffer.from(v, 'base64');
      if (b.length === bytes) return b.toString('hex');
    }
  }
  throw new OtlpJsonError(`${where}.${camel} must be ${bytes * 2} hex digits`);
}

export function attributes(list: unknown[], where: string, depth: number): Attrs {
  const a: Attrs = {};
  for (let i = 0; i < list.length; i++) {
    const kv = obj(list[i], `${where}[${i}]`);
    const key = kv.key;
    if (typeof key !== 'string') throw new OtlpJsonError(`${where}[${i}].key must be a string`);
    const value = kv.value;
    setAttr(a, key, value === undefined || value === null ? null : anyValue(value, `${where}[${i}].value`, depth + 1));
  }
  return a;
}

function anyValue(v: unknown, where: string, depth: number): unknown {
  if (depth > MAX_ANY_DEPTH) throw new OtlpJsonError(`${where}: AnyValue nested deeper than ${MAX_ANY_DEPTH} levels`);
  const o = obj(v, where);
  for (const k in o) {
    const x = o[k];
    switch (k) {
      case 'stringValue':
      case 'string_value':
        if (typeof x !== 'string') throw new OtlpJsonError(`${where}.stringValue must be a string`);
        return x;
      case 'boolValue':
      case 'bool_value':
        if (typeof x !== 'boolean') throw new OtlpJsonError(`${where}.boolValue must be a boolean`);
        return x;
      case 'intValue':
      case 'int_value': {
        if (typeof x === 'number' && Number.isInteger(x)) return x;
        if (typeof x === 'string' && /^-?\d{1,19}$/.test(x)) {
          const n = Number(x);
          return Number.isSafeInteger(n) ? n : BigInt.asIntN(64, BigInt(x)).toString();
        }
        throw new OtlpJsonError(`${where}.intValue must be a 64-bit integer (a decimal string or a number)`);
      }
      case 'doubleValue':
      case 'double_value':
        if (typeof x === 'number') return x;
        if (x === 'NaN' || x === 'Infinity' || x === '-Infinity') return x;
        if (typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x))) return Number(x);
        throw new OtlpJsonError(`${where}.doubleValue must be a number`);
      case 'arrayValue':
      case 'array_value': {
        const values = arr(obj(x, `${where}.arrayValue`), 'values', undefined, `${where}.arrayValue`);
        return values.map((e, i) => anyValue(e, `${where}.arrayValue.values[${i}]`, depth + 1));
      }
      case 'kvlistValue':
      case 'kvlist_value':
        return attributes(arr(obj(x, `${where}.kvlistValue`), 'values', undefined, `${where}.kvlistValue`), `${where}.kvlistValue.values`, depth);
      case 'bytesValue':
      case 'bytes_value':
        if (typeof x !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(x)) throw new OtlpJsonError(`${where}.bytesValue must be base64`);
        return x;
    }
  }
  return null;
}

function logRecord(v: unknown, where: string): OtlpLogRecord {
  const o = obj(v, where);
  const rec: OtlpLogRecord = { attributes: attributes(arr(o, 'attributes', undefined, where), `${where}.attributes`, 0) };
  const t = optUint64(o, 'timeUnixNano', 'time_unix_nano', where);
  if (t !== undefined) rec.timeUnixNano = t;
  const ot = optUint64(o, 'observedTimeUnixNano', 'observed_time_unix_nano', where);
  if (ot !== undefined) rec.observedTimeUnixNano = ot;
  const sn = severityNumber(o, where);
  if (sn !== undefined) rec.severityNumber = sn;
  const st = optString(o, 'severityText', 'severity_text', where);
  if (st !== undefined) rec.severityText = st;
  const body = o.body;
  if (body !== undefined && body !== null) rec.body = anyValue(body, `${where}.body`, 0);
  const dropped = optUint32(o, 'droppedAttributesCount', 'dropped_attributes_count', where);
  if (dropped !== undefined) rec.droppedAttributesCount = dropped;
  const flags = optUint32(o, 'flags', undefined, where);
  if (flags !== undefined) rec.flags = flags;
  const traceId = optId(o, 'traceId', 'trace_id', 16, where);
  if (traceId !== undefined) rec.traceId = traceId;
  const spanId = optId(o, 'spanId', 'span_id', 8, where);
  if (spanId !== undefined) rec.spanId = spanId;
  const ev = optString(o, 'eventName', 'event_name', where);
  if (ev !== undefined) rec.eventName = ev;
  return rec;
}

export function scopeOf(v: unknown, where: string): OtlpScope {
  if (v === undefined || v === null) return { attributes: {} };
  const o = obj(v, where);
  const s: OtlpScope = { attributes: attributes(arr(o, 'attributes', undefined, where), `${where}.attributes`, 0) };
  const name = optString(o, 'name', undefined, where);
  if (name !== undefined) s.name = name;
  const version = optString(o, 'version', undefined, where);
  if (version !== undefined) s.version = version;
  return s;
}

/** An ExportLogsServiceRequest already parsed from JSON. */
export function logsRequestFromJson(v: unknown): OtlpResourceLogs[] {
  const out: OtlpResourceLogs[] = [];
  let cur: OtlpResourceLogs | undefined;
  let records: OtlpLogRecord[] = [];
  walkJsonLogsRequest(v, {
    scope(resource, scope) {
      if (cur === undefined || cur.resource !== resource) {
        cur = { resource, scopeLogs: [] };
        out.push(cur);
      }
      records = [];
      cur.scopeLogs.push({ scope, logRecords: records });
    },
    record(r) {
      records.push(r);
    },
  });
  return out;
}

/**
 * The records of a parsed ExportLogsServiceRequest one by one, each decoded (and checked) as it is
 * told, so that a request's decoded records do not all live at once. `scope` comes before the
 * records of each ScopeLogs, with the same resource object for the scopes of one ResourceLogs.
 */
export function walkJsonLogsRequest(v: unknown, sink: { scope(resource: Attrs, scope: OtlpScope): void; record(r: OtlpLogRecord): void }): void {
  const root = obj(v, 'ExportLogsServiceRequest');
  const rls = arr(root, 'resourceLogs', 'resource_logs', 'ExportLogsServiceRequest');
  for (let i = 0; i < rls.length; i++) {
    const where = `resourceLogs[${i}]`;
    const o = obj(rls[i], where);
    const res = get(o, 'resource');
    const resource = res === undefined || res === null ? {} : attributes(arr(obj(res, `${where}.resource`), 'attributes', undefined, `${where}.resource`), `${where}.resource.attributes`, 0);
    const sls = arr(o, 'scopeLogs', 'scope_logs', where);
    for (let j = 0; j < sls.length; j++) {
      const w = `${where}.scopeLogs[${j}]`;
      const so = obj(sls[j], w);
      sink.scope(resource, scopeOf(so.scope, `${w}.scope`));
      const recs = arr(so, 'logRecords', 'log_records', w);
      for (let k = 0; k < recs.length; k++) sink.record(logRecord(recs[k], `${w}.logRecords[${k}]`));
    }
  }
}
