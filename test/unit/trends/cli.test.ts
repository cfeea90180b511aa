import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { trendsCommand } from '../../../cli/trends.ts';
import { SummaryBuilder, type SummaryDoc } from '../../../shared/summary/summary.ts';

const M0 = '2026-12-01T10:00:00.000Z';
const M1 = '2026-12-01T10:01:00.000Z';

function contributions(): SummaryDoc[] {
  const b = new SummaryBuilder('process');
  for (let o = 0; o < 1000; o++) {
    b.seen('logs.raw', 0, o);
    b.statsAt(b.slot('logs.raw', 0, 'acme', o < 900 ? M0 : M1), 'json', { latency_ms: o < 900 ? o + 1 : 2000 }, []);
  }
  const docs = b.contributions().map((c) => c.doc);
  return [...docs, ...docs]; // the same contributions twice (a re-processed batch): counted once
}

/** An in-memory search client: one page of hits, then an empty scroll; records the query. */
function client(docs: SummaryDoc[]) {
  const queries: unknown[] = [];
  return {
    queries,
    search: async (req: unknown) => {
      queries.push(req);
      return { body: { _scroll_id: 's1', hits: { hits: docs.map((d) => ({ _source: d })) } } };
    },
    scroll: async () => ({ body: { _scroll_id: 's1', hits: { hits: [] } } }),
    clearScroll: async () => ({ body: {} }),
  };
}

async function run(argv: string[], docs = contributions()) {
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough() };
  let out = '';
  let err = '';
  io.stdout.on('data', (c) => (out += String(c)));
  io.stderr.on('data', (c) => (err += String(c)));
  const c = client(docs);
  const code = await trendsCommand(argv, io, c as never);
  return { code, out, err, queries: c.queries };
}

describe('sluice trends', () => {
  it('--json prints one point per minute, contributions counted once', async () => {
    const r = await run(['--tenant', 'acme', '--field', 'latency_ms', '--from', '2026-12-01T09:00Z', '--to', '2026-12-01T11:00Z', '--json']);
    expect(r.code).toBe(0);
    const points = JSON.parse(r.out) as Array<Record<string, number | string>>;
    expect(points.map((p) => Object.keys(p).sort())).toEqual([['count', 'max', 'min', 'minute', 'p50', 'p90', 'p95', 'p99'], ['count', 'max', 'min', 'minute', 'p50', 'p90', 'p95', 'p99']]);
    expect(points[0]).toMatchObject({ minute: M0, count: 900, min: 1, max: 900 });
    expect(points[1]).toMatchObject({ minute: M1, count: 100, min: 2000, max: 2000, p95: 2000 });
    const q = JSON.stringify(r.queries[0]);
    expect(q).toContain('"tenant":"acme"');
    expect(q).toContain('"gte":"2026-12-01T09:00:00.000Z","lt":"2026-12-01T11:00:00.000Z"');
  });

  it('prints a table with a p95 chart', async () => {
    const r = await run(['--tenant', 'acme', '--field', 'latency_ms', '--from', '2026-12-01T09:00Z', '--to', '2026-12-01T11:00Z']);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^MINUTE \(UTC\)\s+COUNT\s+P50\s+P95\s+P99\s+MAX\s+P95 of latency_ms/);
    expect(lines[1]).toMatch(/^2026-12-01 10:00\s+900\s/);
    expect(lines[2]).toMatch(/^2026-12-01 10:01\s+100\s+2000\s+2000\s+2000\s+2000\s+█{30}$/);
  });

  it('without --field lists the fields; bad arguments exit 2 with the usage', async () => {
    const r = await run(['--tenant', 'acme', '--from', '2026-12-01T09:00Z', '--to', '2026-12-01T11:00Z']);
    expect(r.out.trim()).toBe('latency_ms\t1000');
    expect((await run(['--field', 'x'])).code).toBe(2);
    const bad = await run(['--tenant', 'acme', '--from', 'yesterday']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/Cannot read time "yesterday"/);
  });
});
