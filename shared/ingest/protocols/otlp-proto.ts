/**
 * OTLP protobuf (opentelemetry/proto/collector/logs/v1/logs_service.proto and logs/v1/logs.proto) to
 * the decoded model. Field numbers as in opentelemetry-proto v1.x:
 *
 *   ExportLogsServiceRequest { repeated ResourceLogs resource_logs = 1; }
 *   ResourceLogs { Resource resource = 1; repeated ScopeLogs scope_logs = 2; string schema_url = 3; }
 *   Resource     { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
 *   ScopeLogs    { InstrumentationScope scope = 1; repeated LogRecord log_records = 2; string schema_url = 3; }
 *   InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; uint32 dropped = 4; }
 *   LogRecord { fixed64 time_unix_nano = 1; SeverityNumber severity_number = 2; string severity_text = 3;
 *               AnyValue body = 5; repeated KeyValue attributes = 6; uint32 dropped_attributes_count = 7;
 *               fixed32 flags = 8; bytes trace_id = 9; bytes span_id = 10; fixed64 observed_time_unix_nano = 11;
 *               string event_name = 12; }
 *   KeyValue { string key = 1; AnyValue value = 2; }
 *   AnyValue { oneof: string 1, bool 2, int64 3, double 4, ArrayValue 5, KeyValueList 6, bytes 7 }
 *   ArrayValue { repeated AnyValue values = 1; }   KeyValueList { repeated KeyValue values = 1; }
 *
 * Unknown fields are skipped (forward compatible); a known field with the wrong wire type, or any
 * truncation, is a malformed request (WireError).
 */
import { expectWire, Reader, WIRE_I32, WIRE_I64, WIRE_LEN, WIRE_VARINT, WireError } from './wire.ts';
import { setAttr, type Attrs, type OtlpLogRecord, type OtlpResourceLogs, type OtlpScope, type OtlpScopeLogs } from './otlp-model.ts';

/** AnyValue nesting beyond this is refused (a request nested this deep is not a log record). */
export const MAX_ANY_DEPTH = 64;

/** The whole request, decoded (tests, and the JSON path's shape). */
export function decodeLogsRequest(buf: Uint8Array): OtlpResourceLogs[] {
  const out: OtlpResourceLogs[] = [];
  let cur: OtlpResourceLogs | undefined;
  let curScope: OtlpScopeLogs | undefined;
  walkLogsRequest(buf, {
    scope(res, sc) {
      if (cur === undefined || res !== cur.resource) {
        cur = { resource: res, scopeLogs: [] };
        out.push(cur);
      }
      curScope = { scope: sc, logRecords: [] };
      cur.scopeLogs.push(curScope);
    },
    record(r) {
      curScope!.logRecords.push(logRecord(r));
    },
  });
  return out;
}

/** What `walkLogsRequest` tells, in the request's order. */
export interface LogsSink {
  /** A ScopeLogs begins: its resource (the same object for the scopes of one ResourceLogs) and its scope, decoded. */
  scope(resource: Attrs, scope: OtlpScope): void;
  /** One LogRecord of that scope: `r` spans its bytes (decode it with `logRecord`, or walk it yourself). */
  record(r: Reader): void;
}

/**
 * Streams the records, so that each one's decoded form dies young instead of a whole request's
 * living until the end. A message's resource or scope is read first wherever it sits in it (a
 * pre-scan that only skips).
 */
export function walkLogsRequest(buf: Uint8Array, sink: LogsSink): void {
  const r = new Reader(buf);
  while (!r.done()) {
    const [f, w] = r.tag();
    if (f === 1) {
      expectWire('ExportLogsServiceRequest', f, w, WIRE_LEN);
      walkResourceLogs(r.message(), sink);
    } else r.skipField(w);
  }
}

function walkResourceLogs(r: Reader, sink: LogsSink): void {
  let resource: Attrs = {};
  const start = r.pos;
  while (!r.done()) {
    const [f, w] = r.tag();
    if (f === 1) {
      expectWire('ResourceLogs', f, w, WIRE_LEN);
      resource = attrsOf(r.message(), 1, 'Resource');
    } else r.skipField(w);
  }
  r.pos = start;
  while (!r.done()) {
    const [f, w] = r.tag();
    if (f === 2) {
      expectWire('ResourceLogs', f, w, WIRE_LEN);
      walkScopeLogs(r.message(), resource, sink);
    } else r.skipField(w);
  }
}

function walkScopeLogs(r: Reader, resource: Attrs, sink: LogsSink): void {
  let scope: OtlpScope = { attributes: {} };
  const start = r.pos;
  while (!r.done()) {
    const [f, w] = r.tag();
    if (f === 1) {
      expectWire('ScopeLogs', f, w, WIRE_LEN);
      scope = scopeOf(r.message());
    } else r.skipField(w);
  }
  r.pos = start;
  sink.scope(resource, scope);
  const rec = new Reader(r.buf, 0, 0);
  while (!r.done()) {
    const f = r.field();
    if (f === 2) {
      expectWire('ScopeLogs', f, r.wire, WIRE_LEN);
      rec.pos = r.open();
      rec.end = r.openEnd;
      sink.record(rec);
    } else r.skipField(r.wire);
  }
}

/** The `field`-numbered repeated KeyValue of a message, skipping its other fields. */
function attrsOf(r: Reader, field: number, message: string): Attrs {
  const a: Attrs = {};
  while (!r.done()) {
    const [f, w] = r.tag();
    if (f === field) {
      expectWire(message, f, w, WIRE_LEN);
      keyValue(r.message(), a, 0);
    } else r.skipField(w);
  }
  return a;
}

function scopeOf(r: Reader): OtlpScope {
  const s: OtlpScope = { attributes: {} };
  while (!r.done()) {
    const [f, w] = r.tag();
    if (f === 1 || f === 2) {
      expectWire('InstrumentationScope', f, w, WIRE_LEN);
      const v = r.string();
      if (v !== '') {
        if (f === 1) s.name = v;
        else s.version = v;
      }
    } else if (f === 3) {
      expectWire('InstrumentationScope', f, w, WIRE_LEN);
      keyValue(r.message(), s.attributes, 0);
    } else r.skipField(w);
  }
  return s;
}

/** One LogRecord, decoded. */
export function logRecord(r: Reader): OtlpLogRecord {
  const rec: OtlpLogRecord = { attributes: {} };
  while (!r.done()) {
    const [f, w] = r.tag();
    switch (f) {
      case 1:
      case 11: {
        expectWire('LogRecord', f, w, WIRE_I64);
        const ns = r.fixed64();
        if (ns !== 0n) {
          if (f === 1) rec.timeUnixNano = ns.toString();
          else rec.observedTimeUnixNano = ns.toString();
        }
        break;
      }
      case 2:
        expectWire('LogRecord', f, w, WIRE_VARINT);
        rec.severityNumber = r.varint();
        if (rec.severityNumber === 0) delete rec.severityNumber;
        break;
      case 3:
      case 12: {
        expectWire('LogRecord', f, w, WIRE_LEN);
        const s = r.string();
        if (s !== '') {
          if (f === 3) rec.severityText = s;
          else rec.eventName = s;
        }
        break;
      }
      case 5:
        expectWire('LogRecord', f, w, WIRE_LEN);
        rec.body = anyValue(r.message(), 0);
        break;
      case 6:
        expectWire('LogRecord', f, w, WIRE_LEN);
        keyValue(r.message(), rec.attributes, 0);
        break;
      case 7:
        expectWire('LogRecord', f, w, WIRE_VARINT);
        rec.droppedAttributesCount = r.varint();
        break;
      case 8:
        expectWire('LogRecord', f, w, WIRE_I32);
        rec.flags = r.fixed32();
        break;
      case 9:
      case 10: {
        expectWire('LogRecord', f, w, WIRE_LEN);
        const b = r.bytes();
        if (b.length > 0) {
          const hex = Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
          if (f === 9) rec.traceId = hex;
          else rec.spanId = hex;
        }
        break;
      }
      default:
        r.skipField(w);
    }
  }
  return rec;
}

function keyValue(r: Reader, into: Attrs, depth: number): void {
  let key = '';
  let value: unknown = null;
  while (!r.done()) {
    const [f, w] = r.tag();
    if (f === 1) {
      expectWire('KeyValue', f, w, WIRE_LEN);
      key = r.string();
    } else if (f === 2) {
      expectWire('KeyValue', f, w, WIRE_LEN);
      value = anyValue(r.message(), depth + 1);
    } else r.skipField(w);
  }
  setAttr(into, key, value);
}

/** An AnyValue as a JSON value (null when no oneof field is set). */
function anyValue(r: Reader, depth: number): unknown {
  if (depth > MAX_ANY_DEPTH) throw new WireError(`AnyValue nested deeper than ${MAX_ANY_DEPTH} levels`);
  let v: unknown = null;
  while (!r.done()) {
    const [f, w] = r.tag();
    switch (f) {
      case 1:
        expectWire('AnyValue', f, w, WIRE_LEN);
        v = r.string();
        break;
      case 2:
        expectWire('AnyValue', f, w, WIRE_VARINT);
        v = r.varint() !== 0;
        break;
      case 3: {
        expectWire('AnyValue', f, w, WIRE_VARINT);
        const s = r.int64String();
        const n = Number(s);
        v = Number.isSafeInteger(n) ? n : s;
        break;
      }
      case 4: {
        expectWire('AnyValue', f, w, WIRE_I64);
        const d = r.double();
        v = Number.isFinite(d) ? d : String(d);
        break;
      }
      case 5: {
        expectWire('AnyValue', f, w, WIRE_LEN);
        const arr: unknown[] = [];
        const a = r.message();
        while (!a.done()) {
          const [af, aw] = a.tag();
          if (af === 1) {
            expectWire('ArrayValue', af, aw, WIRE_LEN);
            arr.push(anyValue(a.message(), depth + 1));
          } else a.skipField(aw);
        }
        v = arr;
        break;
      }
      case 6: {
        expectWire('AnyValue', f, w, WIRE_LEN);
        const o: Attrs = {};
        const kv = r.message();
        while (!kv.done()) {
          const [kf, kw] = kv.tag();
          if (kf === 1) {
            expectWire('KeyValueList', kf, kw, WIRE_LEN);
            keyValue(kv.message(), o, depth + 1);
          } else kv.skipField(kw);
        }
        v = o;
        break;
      }
      case 7: {
        expectWire('AnyValue', f, w, WIRE_LEN);
        const b = r.bytes();
        v = Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64');
        break;
      }
      default:
        r.skipField(w);
    }
  }
  return v;
}
