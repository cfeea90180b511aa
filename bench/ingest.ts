/**
 * Ingest parse path, in-process: normalizeRequest + Content-Encoding decode + split + envelope +
 * serialisation to Kafka value Buffers (everything but the network), per core.
 *
 *   npx tsx bench/ingest.ts          (standalone)   or via bench/run.ts
 */
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { peakRssBytes, runBundled, throughput, type Bench, type BenchContext, type BenchFigure } from './harness.ts';
import { normalizeRequest, parseIngest } from '../shared/ingest/index.ts';
import { CeilingLimiter, type CeilingCounter, type Cost } from '../shared/ingest/ceiling.ts';

const EVENT_BYTES = 300;
const REQUEST_BYTES = 1024 * 1024;

function pad(s: string, n: number, fill = 'x'): string {
  return s.length >= n ? s.slice(0, n) : s + fill.repeat(n - s.length);
}

/** `count` distinct 300-byte NDJSON lines. */
function ndjsonLines(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const head = `{"ts":"2025-01-02T03:04:${String(i % 60).padStart(2, '0')}.${String(i % 1000).padStart(3, '0')}Z","level":"${['info', 'warn', 'error', 'debug'][i % 4]}","svc":"checkout","trace":"${(i * 2654435761 >>> 0).toString(16)}","msg":"order ${i} processed for customer ${i % 977} `;
    const tail = '"}';
    out.push(pad(head, EVENT_BYTES - tail.length, 'y') + tail);
  }
  return out;
}

function textLines(count: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push(pad(`Jan  2 03:04:${String(i % 60).padStart(2, '0')} web-${i % 16} nginx[${1000 + (i % 50)}]: 203.0.113.${i % 255} - - "GET /api/v1/items/${i} HTTP/1.1" 200 ${i % 5000} "-" "Mozilla/5.0" rt=0.0${i % 10} `, EVENT_BYTES, 'z'));
  }
  return out;
}

function event(body: Buffer, headers: Record<string, string>): APIGatewayProxyEventV2 {
  const binary = headers['content-encoding'] !== undefined;
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/v1/logs',
    rawQueryString: '',
    headers: { 'x-log-source': 'bench', 'x-log-tags': 'bench,perf', ...headers },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'x',
      domainPrefix: 'x',
      http: { method: 'POST', path: '/v1/logs', protocol: 'HTTP/1.1', sourceIp: '203.0.113.1', userAgent: 'bench' },
      requestId: 'bench-req',
      routeKey: '$default',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    body: binary ? body.toString('base64') : body.toString('utf8'),
    isBase64Encoded: binary,
  };
}

function parseAll(ev: APIGatewayProxyEventV2): number {
  const req = normalizeRequest(ev);
  const r = parseIngest(req, { tenant: 'acme', receivedAt: new Date(), spread: 4 });
  let bytes = 0;
  for (const rec of r.records) bytes += rec.value.length; // materialise every record (envelope + value Buffer)
  return bytes + r.accepted;
}

/** Peak RSS for one 6 MB body, measured in a fresh process so other benches do not skew it. */
function rssChild(kind: string): { before: number; after: number; peak: number; events: number } {
  const MB6 = 6 * 1024 * 1024;
  let ev: APIGatewayProxyEventV2;
  if (kind === 'tiny-array') {
    ev = event(Buffer.from('[' + new Array(Math.floor((MB6 - 2) / 3)).fill('{}').join(',') + ']'), { 'content-type': 'application/json' });
  } else {
    const lines = ndjsonLines(Math.floor(MB6 / (EVENT_BYTES + 1)));
    ev = event(Buffer.from(lines.join('\n')), { 'content-type': 'application/x-ndjson' });
  }
  (globalThis as { gc?: () => void }).gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  const req = normalizeRequest(ev);
  sample();
  // The worst case the splitter must hold: the per-request event cap (100,000) raised past 2M events.
  const r = parseIngest(req, { tenant: 'acme', receivedAt: new Date(), spread: 4, limits: { maxEventsPerRequest: 1 << 22 } });
  sample();
  let n = 0;
  if (kind === 'tiny-array') {
    for (const batch of r.batches(2000)) {
      n += batch.length;
      sample();
    }
  } else {
    n = r.records.length;
    sample();
  }
  const maxRss = peakRssBytes(); // true OS peak of this process (bytes)
  peak = Math.max(peak, maxRss);
  return { before, after: process.memoryUsage().rss, peak, events: n };
}

async function measureRss(kind: string, log: (m: string) => void): Promise<ReturnType<typeof rssChild>> {
  try {
    const out = await runBundled(fileURLToPath(import.meta.url), ['--rss-child', kind]);
    const line = out.trim().split('\n').pop() ?? '';
    return JSON.parse(line) as ReturnType<typeof rssChild>;
  } catch (e) {
    log(`RSS child process failed (${(e as Error).message.split('\n')[0]}); measuring in-process (less accurate)`);
    return rssChild(kind);
  }
}

/** The counter as a Map (the DynamoDB adapter's contract): the bench measures the limiter's own CPU. */
class MemoryCounter implements CeilingCounter {
  private readonly items = new Map<string, Cost>();
  async take(tenant: string, window: number, amount: Cost, limit: Cost): Promise<{ taken: boolean; counter: Cost }> {
    const k = `${tenant}#${window}`;
    const c = this.items.get(k) ?? { events: 0, bytes: 0 };
    if (c.events + amount.events > limit.events || c.bytes + amount.bytes > limit.bytes) return { taken: false, counter: c };
    const next = { events: c.events + amount.events, bytes: c.bytes + amount.bytes };
    this.items.set(k, next);
    return { taken: true, counter: next };
  }
}

/**
 * The ceiling's share of the ingest CPU path: CPU time of its check per request (the pre-parse check
 * and the admission, leases and counter calls alike, the counter in memory) over the CPU time of
 * parsing that request. The per-event cost sum is inside parseIngest, so in the parse figures.
 */
async function ceilingShare(ev: APIGatewayProxyEventV2, perRequest: number, minMs: number): Promise<BenchFigure> {
  const limiter = new CeilingLimiter(new MemoryCounter());
  const ceiling = { windowMs: 10_000, events: 2e12, bytes: 2e15 };
  const cost = parseIngest(normalizeRequest(ev), { tenant: 'acme', receivedAt: new Date(), spread: 4 }).cost;
  const cpuOf = async (fn: () => Promise<void> | void, n: number): Promise<number> => {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) await fn();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / n; // µs per call
  };
  const parses = Math.max(20, Math.round(minMs / 20));
  const parseUs = await cpuOf(() => void parseAll(ev), parses);
  const checks = 200_000;
  const checkUs = await cpuOf(async () => {
    limiter.known('acme', ceiling, { events: 1, bytes: 256 });
    await limiter.admit('acme', ceiling, cost);
  }, checks);
  return {
    name: 'ingest ceiling check, share of the ingest CPU path',
    value: Math.round((checkUs / parseUs) * 1e4) / 100,
    unit: '%',
    target: 2,
    lowerIsBetter: true,
    detail: `${checkUs.toFixed(2)} µs per request (${checks} checks) vs ${(parseUs / 1000).toFixed(2)} ms to parse a ${perRequest}-event 1 MB request (${parses} parses)`,
  };
}

const bench: Bench = {
  name: 'ingest',
  async run(ctx: BenchContext): Promise<BenchFigure[]> {
    const minMs = ctx.quick ? 300 : 3000;
    const perRequest = Math.floor(REQUEST_BYTES / (EVENT_BYTES + 1));
    const nd = Buffer.from(ndjsonLines(perRequest).join('\n'));
    const tx = Buffer.from(textLines(perRequest).join('\n'));
    const gz = zlib.gzipSync(nd);
    const cases: Array<[string, APIGatewayProxyEventV2]> = [
      ['NDJSON', event(nd, { 'content-type': 'application/x-ndjson' })],
      ['text lines', event(tx, { 'content-type': 'text/plain' })],
      ['gzip NDJSON', event(gz, { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' })],
      ['NDJSON, sniffed (curl -d)', event(nd, { 'content-type': 'application/x-www-form-urlencoded' })],
    ];
    const figures: BenchFigure[] = [];
    for (const [name, ev] of cases) {
      ctx.log(`ingest: ${name}`);
      let calls = 0;
      const cpu0 = process.cpuUsage();
      const { perSecond, iterations } = throughput(() => {
        calls++;
        parseAll(ev);
      }, perRequest, minMs);
      const cpu = process.cpuUsage(cpu0);
      // The harness divides by max(CPU, wall); on a loaded machine wall time dominates. Report pure CPU too.
      const cpuOnly = (perRequest * calls) / ((cpu.user + cpu.system) / 1e6);
      figures.push({
        name: `ingest parse, ${name}`,
        value: Math.round(perSecond),
        unit: 'events/s/core',
        target: 300_000,
        detail: `${perRequest} x ${EVENT_BYTES} B events per ${(ev.body!.length / 1048576).toFixed(2)} MB request body, ${iterations} requests; normalize+decode+split+envelope+Buffer; by CPU time alone ${Math.round(cpuOnly)}/s`,
      });
    }
    figures.push(await ceilingShare(cases[0]![1], perRequest, minMs));
    for (const kind of ['ndjson-300', 'tiny-array']) {
      ctx.log(`ingest: RSS, 6 MB ${kind}`);
      const m = await measureRss(kind, ctx.log);
      figures.push({
        name: `ingest peak RSS, 6 MB ${kind === 'tiny-array' ? 'JSON array of 2M tiny events (batches of 2000)' : 'NDJSON of 300 B events (all records)'}`,
        value: Math.round((m.peak / 1048576) * 10) / 10,
        unit: 'MB',
        target: 256,
        lowerIsBetter: true,
        detail: `rss before ${(m.before / 1048576).toFixed(0)} MB, after ${(m.after / 1048576).toFixed(0)} MB, peak ${(m.peak / 1048576).toFixed(0)} MB (whole process, bundled as deployed), ${m.events} events; Lambda has 512 MB`,
      });
    }
    return figures;
  },
};

export default bench;

const self = fileURLToPath(import.meta.url);
if (process.argv[1] && fileURLToPath(new URL(`file://${process.argv[1]}`)) === self) {
  const i = process.argv.indexOf('--rss-child');
  if (i >= 0) {
    console.log(JSON.stringify(rssChild(process.argv[i + 1] ?? 'ndjson-300')));
  } else {
    const quick = process.argv.includes('--quick');
    const figs = await bench.run({ servicesUp: false, quick, log: (m) => console.error(m) });
    for (const f of figs) console.log(`${f.name.padEnd(80)} ${String(f.value).padStart(12)} ${f.unit}${f.target ? `  (target ${f.target})` : ''}\n    ${f.detail ?? ''}`);
  }
}
