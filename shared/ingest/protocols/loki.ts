/**
 * Loki push API: POST /loki/api/v1/push (also /api/prom/push, the old path Promtail can still use).
 *
 *   application/json        {"streams":[{"stream":{label: value}, "values":[["<unix ns>", "<line>", {structured metadata}?]]}]}
 *   application/x-protobuf  a snappy-compressed (block format) logproto.PushRequest:
 *     PushRequest { repeated StreamAdapter streams = 1; }
 *     StreamAdapter { string labels = 1; repeated EntryAdapter entries = 2; uint64 hash = 3; }
 *     EntryAdapter { google.protobuf.Timestamp timestamp = 1; string line = 2; repeated LabelPairAdapter structuredMetadata = 3; }
 *     LabelPairAdapter { string name = 1; string value = 2; }   Timestamp { int64 seconds = 1; int32 nanos = 2; }
 *   (`labels` is the stream selector text, `{job="api", host="web-1"}`.)
 *
 * One entry is one event: the line is the message, the entry's time the timestamp, the labels are kept
 * under fields.labels (and structured metadata under fields.structured_metadata); the `service_name`
 * (else `service`, `app`, `job`) label is the source and `host` (else `hostname`, `instance`) the host.
 * Token: Bearer, or the Basic password (Promtail/Alloy `basic_auth`); X-Scope-OrgID is ignored (the
 * tenant comes from the token only). 204 on success; errors are plain text, as Loki answers them.
 */
import snappy from 'snappyjs';
import { IngestError } from '../errors.ts';
import { toResponse, type IngestRequest, type LambdaHttpResult } from '../http.ts';
import { extractToken } from '../routes.ts';
import type { ProtocolEvent } from './events.ts';
import { nanosToIso } from './otlp-model.ts';
import type { Decoded, ProtocolRoute } from './types.ts';
import { expectWire, Reader, WIRE_LEN, WIRE_VARINT, WireError } from './wire.ts';

type Labels = Record<string, string>;
interface Entry {
  ns: string;
  line: string;
  metadata?: Labels;
}
interface Stream {
  labels: Labels;
  entries: Entry[];
}

function bad(msg: string): IngestError {
  return new IngestError(400, 'malformed_request', msg);
}

/** `{a="b", c="d\"e"}` to labels; throws on anything else. */
export function parseLabels(s: string): Labels {
  const out: Labels = {};
  let i = 0;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i]!)) i++;
  };
  ws();
  if (s[i] !== '{') throw bad(`error parsing labels ${JSON.stringify(s.slice(0, 100))}: expected {`);
  i++;
  ws();
  while (s[i] !== '}') {
    const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(s.slice(i, i + 1024));
    if (!m) throw bad(`error parsing labels ${JSON.stringify(s.slice(0, 100))}: expected a label name at ${i}`);
    const name = m[0];
    i += name.length;
    ws();
    if (s[i] !== '=' || s[i + 1] !== '"') throw bad(`error parsing labels ${JSON.stringify(s.slice(0, 100))}: expected ="..." after ${name}`);
    i += 2;
    let v = '';
    while (i < s.length && s[i] !== '"') {
      if (s[i] === '\\' && i + 1 < s.length) {
        const c = s[i + 1]!;
        v += c === 'n' ? '\n' : c === 't' ? '\t' : c;
        i += 2;
      } else v += s[i++];
    }
    if (i >= s.length) throw bad(`error parsing labels ${JSON.stringify(s.slice(0, 100))}: unterminated value`);
    i++;
    out[name] = v;
    ws();
    if (s[i] === ',') {
      i++;
      ws();
    } else if (s[i] !== '}') throw bad(`error parsing labels ${JSON.stringify(s.slice(0, 100))}: expected , or }`);
  }
  return out;
}

function fromJson(body: Buffer): Stream[] {
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw bad(`loghttp.PushRequest: the body is not valid JSON (${(e as Error).message})`);
  }
  const streams = (v as { streams?: unknown })?.streams;
  if (!Array.isArray(streams)) throw bad('loghttp.PushRequest: "streams" must be an array');
  return streams.map((st: unknown, i): Stream => {
    const o = st as { stream?: unknown; values?: unknown };
    if (typeof o !== 'object' || o === null) throw bad(`streams[${i}] must be an object`);
    const labels: Labels = {};
    if (o.stream !== undefined && o.stream !== null) {
      if (typeof o.stream !== 'object' || Array.isArray(o.stream)) throw bad(`streams[${i}].stream must be an object of labels`);
      for (const [k, val] of Object.entries(o.stream as Record<string, unknown>)) {
        if (typeof val !== 'string') throw bad(`streams[${i}].stream.${k} must be a string`);
        labels[k] = val;
      }
    }
    if (!Array.isArray(o.values)) throw bad(`streams[${i}].values must be an array`);
    const entries = o.values.map((e: unknown, j): Entry => {
      if (!Array.isArray(e) || e.length < 2 || e.length > 3 || typeof e[1] !== 'string' || !(typeof e[0] === 'string' || typeof e[0] === 'number')) {
        throw bad(`streams[${i}].values[${j}] must be ["<unix epoch in nanoseconds>", "<log line>"(, {structured metadata})]`);
      }
      const ns = String(e[0]);
      if (!/^\d{1,20}$/.test(ns)) throw bad(`streams[${i}].values[${j}][0] must be a unix epoch in nanoseconds, as a string`);
      const entry: Entry = { ns, line: e[1] };
      if (e.length === 3 && e[2] !== null) {
        if (typeof e[2] !== 'object' || Array.isArray(e[2])) throw bad(`streams[${i}].values[${j}][2] must be an object of structured metadata`);
        entry.metadata = Object.fromEntries(Object.entries(e[2] as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
      }
      return entry;
    });
    return { labels, entries };
  });
}

function fromProtobuf(body: Buffer, maxBytes: number): Stream[] {
  let raw: Uint8Array;
  try {
    raw = snappy.uncompress(body, maxBytes);
  } catch (e) {
    throw bad(`The body is not snappy-compressed protobuf (${(e as Error).message}). Loki's protobuf push is snappy block-compressed.`);
  }
  try {
    const r = new Reader(raw);
    const out: Stream[] = [];
    while (!r.done()) {
      const [f, w] = r.tag();
      if (f !== 1) {
        r.skipField(w);
        continue;
      }
      expectWire('PushRequest', f, w, WIRE_LEN);
      out.push(streamOf(r.message()));
    }
    return out;
  } catch (e) {
    if (e instanceof WireError) throw bad(`Malformed logproto.PushRequest: ${e.message}`);
    throw e;
  }
}

function streamOf(r: Reader): Stream {
  let labelText = '{}';
  const entries: Entry[] = [];
  while (!r.done()) {
    const [f, w] = r.tag();
    if (f === 1) {
      expectWire('StreamAdapter', f, w, WIRE_LEN);
      labelText = r.string();
    } else if (f === 2) {
      expectWire('StreamAdapter', f, w, WIRE_LEN);
      entries.push(entryOf(r.message()));
    } else r.skipField(w);
  }
  return { labels: parseLabels(labelText), entries };
}

function entryOf(r: Reader): Entry {
  let seconds = 0n;
  let nanos = 0;
  let line = '';
  let metadata: Labels | undefined;
  while (!r.done()) {
    const [f, w] = r.tag();
    if (f === 1) {
      expectWire('EntryAdapter', f, w, WIRE_LEN);
      const t = r.message();
      while (!t.done()) {
        const [tf, tw] = t.tag();
        if (tf === 1) {
          expectWire('Timestamp', tf, tw, WIRE_VARINT);
          seconds = BigInt(t.int64String());
        } else if (tf === 2) {
          expectWire('Timestamp', tf, tw, WIRE_VARINT);
          nanos = Number(t.int64String());
        } else t.skipField(tw);
      }
    } else if (f === 2) {
      expectWire('EntryAdapter', f, w, WIRE_LEN);
      line = r.string();
    } else if (f === 3) {
      expectWire('EntryAdapter', f, w, WIRE_LEN);
      const p = r.message();
      let name = '';
      let value = '';
      while (!p.done()) {
        const [pf, pw] = p.tag();
        if (pf === 1 || pf === 2) {
          expectWire('LabelPairAdapter', pf, pw, WIRE_LEN);
          if (pf === 1) name = p.string();
          else value = p.string();
        } else p.skipField(pw);
      }
      (metadata ??= {})[name] = value;
    } else r.skipField(w);
  }
  const ns = seconds * 1_000_000_000n + BigInt(nanos);
  return { ns: (ns < 0n ? 0n : ns).toString(), line, ...(metadata ? { metadata } : {}) };
}

const pick = (l: Labels, keys: string[]): string | undefined => {
  for (const k of keys) if (l[k]) return l[k];
  return undefined;
};

export function decodeLoki(body: Buffer, contentType: string | undefined, maxBytes: number, receivedAt: string): Decoded {
  const mt = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const streams = mt === 'application/x-protobuf' || mt === 'application/protobuf' ? fromProtobuf(body, maxBytes) : fromJson(body);
  const events: ProtocolEvent[] = [];
  for (const s of streams) {
    const source = pick(s.labels, ['service_name', 'service', 'app', 'job']);
    const host = pick(s.labels, ['host', 'hostname', 'instance']);
    for (const e of s.entries) {
      const doc: Record<string, unknown> & { message: string } = { timestamp: (e.ns !== '0' ? nanosToIso(e.ns) : undefined) ?? receivedAt, message: e.line, time_unix_nano: e.ns, labels: s.labels };
      if (e.metadata) doc.structured_metadata = e.metadata;
      events.push({ doc, source, host });
    }
  }
  return { events, rejected: 0 };
}

function text(req: IngestRequest, status: number, body: string, headers: Record<string, string> = {}): LambdaHttpResult {
  return toResponse(req.shape, status, body.endsWith('\n') ? body : `${body}\n`, { 'content-type': 'text/plain; charset=utf-8', ...headers });
}

export function lokiMatcher(path: string): ProtocolRoute | undefined {
  const p = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  if (p !== '/loki/api/v1/push' && p !== '/api/prom/push') return undefined;
  return {
    protocol: 'loki',
    token: (r) => {
      if (r.method !== 'POST') throw new IngestError(405, 'method_not_allowed', `${r.method} is not allowed on ${r.path}; use POST.`, { headers: { allow: 'POST' } });
      return extractToken(r, { kind: 'logs', path: '/v1/logs' });
    },
    decode: (body, r, receivedAt, limits) => decodeLoki(body, r.headers['content-type'], limits.maxBodyBytes, receivedAt.toISOString()),
    answer: (r) => toResponse(r.shape, 204, undefined),
    fail: (r, err) => text(r, err.status, err.message, { ...err.headers }),
  };
}
