import { describe, expect, it } from 'vitest';
import { HEADER_ATTEMPTS, HEADER_NOT_BEFORE, readDeferMeta } from '../../../shared/process/records.ts';
import type { RawEnvelope } from '../../../shared/envelope/types.ts';
import { decodeMskEvent, toMskEvent, type MessageInput } from '../../../shared/msk.ts';
import type { BulkItemResult, IndexTargetSpec, TargetFailure } from '../../../shared/index/ports.ts';
import { IndexingIncompleteError } from '../../../shared/process/indexing.ts';
import { runStage } from '../../../shared/process/stage.ts';
import { resolvePlan } from '../../../shared/tenants/plans.ts';
import { MemSearch, memoryDeps } from '../../support/memory.ts';

const T0 = Date.UTC(2025, 4, 1, 12, 0, 0);

function env(tenant: string, n: number, raw = `{"level":"info","msg":"hello ${n}","host":"web-1"}`): RawEnvelope {
  return { v: 1, tenant, id: `${tenant}-${n}`, receivedAt: new Date(T0).toISOString(), tags: [], raw, truncated: false, originalBytes: raw.length, requestId: 'r' };
}
const rec = (e: RawEnvelope | string, offset: number, headers?: Record<string, string>): MessageInput => ({
  topic: 'logs.raw', partition: 0, offset, key: typeof e === 'string' ? 'x' : e.tenant, value: typeof e === 'string' ? e : JSON.stringify(e), headers,
});

function deps(o: Parameters<typeof memoryDeps>[0] = {}) {
  return memoryDeps({ clock: T0, ...o });
}
const ctx = (ms = 60_000) => ({ getRemainingTimeInMillis: () => ms });

describe('msk codec', () => {
  it('round-trips records, keys, values and headers', () => {
    const ev = toMskEvent([
      { topic: 'logs.raw', partition: 1, offset: 7, key: 'k', value: 'v1', headers: { a: 'b' } },
      { topic: 'logs.raw', partition: 1, offset: 5, value: Buffer.from([0, 255]) },
      { topic: 'logs.raw', partition: 0, offset: 9, key: 'z', value: 'v0' },
    ]);
    expect(Object.keys(ev.records).sort()).toEqual(['logs.raw-0', 'logs.raw-1']);
    expect(ev.records['logs.raw-1']![0]!.headers).toEqual([{ a: [98] }]);
    const m = decodeMskEvent(ev);
    expect(m.map((x) => [x.partition, x.offset])).toEqual([[0, 9], [1, 5], [1, 7]]);
    expect(m[2]!.key!.toString()).toBe('k');
    expect(m[2]!.headers.a!.toString()).toBe('b');
    expect(m[1]!.value).toEqual(Buffer.from([0, 255]));
    expect(m[1]!.key).toBeUndefined();
  });
});

describe('msk message (decoded on demand)', () => {
  it('gives back the key, value, headers and text that were sent, for any bytes and sizes', () => {
    const values = [
      Buffer.from('{"a":"ü€😀"}'),
      Buffer.from([0x7b, 0xff, 0xfe, 0x22, 0x7d]), // invalid UTF-8
      Buffer.alloc(0),
      Buffer.from('x'),
      Buffer.from('xy'),
      Buffer.from('é'.repeat(200_000)), // larger than the reused buffer
      Buffer.from('short again'),
    ];
    const ev = toMskEvent(values.map((value, i) => ({ topic: 'logs.raw', partition: 0, offset: i, key: i % 2 ? `k${i}` : undefined, value, headers: { h: `v${i}` } })));
    const recs = ev.records['logs.raw-0']!;
    const msgs = decodeMskEvent(ev);
    for (const [i, m] of msgs.entries()) {
      expect(m.valueText()).toBe(values[i]!.toString('utf8'));
      expect(m.valueBytes).toBe(values[i]!.length);
      expect(m.value).toEqual(values[i]);
      expect(m.key).toEqual(i % 2 ? Buffer.from(`k${i}`) : undefined);
      expect(m.headers).toEqual({ h: Buffer.from(`v${i}`) });
      expect([m.topic, m.partition, m.offset, m.timestamp]).toEqual(['logs.raw', 0, i, recs[i]!.timestamp]);
    }
  });
});

describe('process stage (in-memory ports)', () => {
  it('indexes valid events and sends undecodable ones to the DLQ with their error', async () => {
    const { d, produced } = deps();
    const e1 = env('acme', 1);
    const bad = { ...env('acme', 2), v: 2 };
    const r = await runStage(
      toMskEvent([rec(e1, 0), rec('{not json', 1), rec(JSON.stringify(bad), 2), rec(JSON.stringify({ ...env('x', 3), tenant: '../other' }), 3)]),
      ctx(), d, 'process',
    );
    expect(r).toMatchObject({ records: 4, indexed: 1, dlq: 3, deferred: 0 });
    const search = d.search as MemSearch;
    expect(search.docs.get('acme-1')).toMatchObject({ index: 'sluice-logs-shared-2025.05.01', routing: 'acme', doc: { tenant: 'acme', event_id: 'acme-1', level: 'info' } });
    const dlq = produced.filter((p) => p.topic === 'logs.dlq');
    expect(dlq.map((p) => p.headers!['sluice-error']!.toString())).toEqual([
      expect.stringMatching(/invalid JSON/),
      expect.stringMatching(/unknown envelope version 2/),
      expect.stringMatching(/invalid tenant id/),
    ]);
    expect(dlq[0]!.value.toString()).toBe('{not json');
    const summaries = produced.filter((p) => p.topic === 'logs.summary').map((p) => JSON.parse(p.value.toString()));
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({ tenant: 'acme', events: 1, indexed: 1, dlq: 1 }); // the v:2 one has a valid tenant
  });

  it('the tenant comes from the envelope, never from the event text', async () => {
    const { d } = deps();
    await runStage(toMskEvent([rec(env('acme', 1, '{"tenant":"victim","event_id":"x","msg":"hi"}'), 0)]), ctx(), d, 'process');
    const doc = (d.search as MemSearch).docs.get('acme-1')!;
    expect(doc.doc.tenant).toBe('acme');
    expect(doc.routing).toBe('acme');
  });

  it('defers what is over budget with attempts and not-before headers; archive-only only counts', async () => {
    const small = resolvePlan('standard', { eventsBurst: 3, eventsPerSecond: 1 });
    const archive = resolvePlan('free', { eventsBurst: 2, eventsPerSecond: 1 });
    const { d, produced } = deps({ plans: { acme: small, freebie: archive } });
    const recs = [...Array(5)].map((_, i) => rec(env('acme', i), i));
    recs.push(...[...Array(4)].map((_, i) => rec(env('freebie', i), 10 + i)));
    const r = await runStage(toMskEvent(recs), ctx(), d, 'process');
    expect(r).toMatchObject({ indexed: 5, deferred: 2, archiveOnly: 2 });
    const deferred = produced.filter((p) => p.topic === 'logs.deferred');
    expect(deferred.map((p) => JSON.parse(p.value.toString()).id)).toEqual(['acme-3', 'acme-4']);
    const meta = readDeferMeta(deferred[0]!.headers!);
    expect(meta.attempts).toBe(1);
    expect(meta.notBefore).toBeGreaterThanOrEqual(T0 + 1000);
    const sums = produced.filter((p) => p.topic === 'logs.summary').map((p) => JSON.parse(p.value.toString()));
    expect(sums.find((s) => s.tenant === 'acme')).toMatchObject({ events: 5, indexed: 3, deferred: 2 });
    expect(sums.find((s) => s.tenant === 'freebie')).toMatchObject({ events: 4, indexed: 2, archive_only: 2 });
  });

  it('retries 429/5xx items, sends 400 items to the DLQ', async () => {
    const search = new MemSearch((id, call) =>
      id === 'acme-1' && call < 3 ? { status: 429 } : id === 'acme-2' ? { status: 400, error: { type: 'mapper_parsing_exception', reason: 'bad' } } : { status: 201 },
    );
    const { d, produced } = deps({ search });
    const r = await runStage(toMskEvent([0, 1, 2].map((i) => rec(env('acme', i), i))), ctx(), d, 'process');
    expect(r.indexed).toBe(2);
    expect(r.dlq).toBe(1);
    expect(search.docs.has('acme-1')).toBe(true);
    const dlq = produced.find((p) => p.topic === 'logs.dlq')!;
    expect(dlq.headers!['sluice-error']!.toString()).toMatch(/400: mapper_parsing_exception/);
  });

  it('throws when documents are neither indexed nor in the DLQ by the deadline', async () => {
    const search = new MemSearch(() => ({ status: 503 }));
    const { d } = deps({ search });
    await expect(runStage(toMskEvent([rec(env('acme', 1), 0)]), ctx(5_000), d, 'process')).rejects.toBeInstanceOf(IndexingIncompleteError);
  });

  it('deferred stage: waits for the earliest due record, indexes it, re-defers when still over budget', async () => {
    const plan = resolvePlan('standard', { eventsBurst: 1, eventsPerSecond: 0.001 });
    const { d, produced } = deps({ plans: { acme: plan } });
    const h = (nb: number) => ({ [HEADER_ATTEMPTS]: '1', [HEADER_NOT_BEFORE]: String(nb) });
    const ev = toMskEvent([rec(env('acme', 1), 0, h(T0 + 3000)), rec(env('acme', 2), 1, h(T0 + 3000))].map((r) => ({ ...r, topic: 'logs.deferred' })));
    const r = await runStage(ev, ctx(), d, 'deferred');
    expect(r).toMatchObject({ indexed: 1, deferred: 1, parked: 0 });
    expect(d.now()).toBeGreaterThanOrEqual(T0 + 3000); // it waited instead of spinning
    const again = produced.filter((p) => p.topic === 'logs.deferred');
    expect(readDeferMeta(again[0]!.headers!).attempts).toBe(2);
    const sum = produced.filter((p) => p.topic === 'logs.summary').map((p) => JSON.parse(p.value.toString()));
    expect(sum[0]).toMatchObject({ stage: 'deferred', events: 0, deferred_indexed: 1, redeferred: 1 });
  });

  it('deferred stage: parks records not due within the wait, unchanged but for their park count', async () => {
    const { d, produced } = deps();
    const h = { [HEADER_ATTEMPTS]: '4', [HEADER_NOT_BEFORE]: String(T0 + 86_400_000) };
    const r = await runStage(toMskEvent([{ ...rec(env('acme', 1), 0, h), topic: 'logs.deferred' }]), ctx(), d, 'deferred');
    expect(r).toMatchObject({ indexed: 0, parked: 1 });
    const parked = produced.find((p) => p.topic === 'logs.deferred')!;
    expect(readDeferMeta(parked.headers!)).toEqual({ attempts: 4, notBefore: T0 + 86_400_000, parks: 1 });
    expect(parked.value.toString()).toBe(JSON.stringify(env('acme', 1)));
  });

  it('streams documents into several bulk requests (bounded concurrency), each target ensured before its first request', async () => {
    const ensured = new Set<string>();
    class Checking extends MemSearch {
      inFlight = 0;
      maxInFlight = 0;
      override async ensureTargets(targets: readonly IndexTargetSpec[]): Promise<TargetFailure[]> {
        for (const x of targets) ensured.add(x.index);
        return super.ensureTargets(targets);
      }
      override async bulk(body: Buffer): Promise<BulkItemResult[]> {
        for (const line of body.toString('utf8').split('\n').filter((_, i) => i % 2 === 0 && _)) {
          const index: string = JSON.parse(line).index._index;
          if (index.startsWith('sluice-logs-')) expect(ensured.has(index)).toBe(true);
        }
        this.inFlight++;
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        await new Promise((r) => setTimeout(r, 2));
        this.inFlight--;
        return super.bulk(body);
      }
    }
    const search = new Checking();
    const { d, produced } = deps({ search, streamBulkBytes: 4096, bulkConcurrency: 2 });
    const envs = Array.from({ length: 2000 }, (_, i) => env(i % 2 ? 'acme' : 'beta', i, `{"level":"info","msg":"order ${i} shipped","host":"web-1"}`));
    const r = await runStage(toMskEvent(envs.map((e, i) => rec(e, i))), ctx(), d, 'process');
    expect(r.indexed).toBe(2000);
    expect(r.bulkRequests).toBeGreaterThan(10);
    expect(search.maxInFlight).toBe(2);
    const docs = [...search.docs.values()].filter((x) => x.index.startsWith('sluice-logs-')).map((x) => x.doc);
    expect(docs).toHaveLength(2000);
    // Same template, same id within a tenant; every document has one.
    const ids = new Set(docs.map((x) => x.template_id));
    expect(ids.size).toBe(1);
    const sums = produced.filter((p) => p.topic === 'logs.summary').map((p) => JSON.parse(p.value.toString()));
    expect(sums.find((s) => s.tenant === 'acme').templates).toEqual([{ key: [...ids][0], count: 1000 }]);
  });
});

describe('bulk pipeline invariant', () => {
  it('a concurrency that sends nothing (SLUICE_BULK_CONCURRENCY=three -> NaN) throws instead of acknowledging nothing indexed', async () => {
    const { d, produced } = deps({ bulkConcurrency: Number('three') });
    await expect(runStage(toMskEvent([0, 1, 2].map((i) => rec(env('acme', i), i))), ctx(), d, 'process')).rejects.toThrow(
      /ended with 0 indexed and 0 rejected of 3 documents/,
    );
    expect(produced.filter((p) => p.topic === 'logs.summary')).toHaveLength(0);
  });

  it('every item ends indexed or rejected, exactly once', async () => {
    const search = new MemSearch((id) => (id.endsWith('1') ? { status: 400, error: 'bad' } : { status: 201 }));
    const { d } = deps({ search, streamBulkBytes: 300, bulkConcurrency: 2 });
    const r = await runStage(toMskEvent([...Array(40)].map((_, i) => rec(env('acme', i), i))), ctx(), d, 'process');
    expect(r.indexed + r.dlq).toBe(40);
    expect(r.dlq).toBe(4); // acme-1, -11, -21, -31
  });
});
