/**
 * Fault isolation in the stage (issue 15), on in-memory doubles: the deadline, the per-event
 * budget, per-tenant failures, the bounded index window, large values, re-created indices.
 */
import { describe, expect, it } from 'vitest';
import { toDocument } from '../../../shared/classify/index.ts';
import type { LogDocument } from '../../../shared/classify/types.ts';
import type { RawEnvelope } from '../../../shared/envelope/types.ts';
import { toMskEvent, type MessageInput } from '../../../shared/msk.ts';
import { cutLargeValues, MAX_PATH_CHARS, MAX_VALUE_CHARS } from '../../../shared/process/documents.ts';
import { HEADER_ERROR, HEADER_ERROR_KIND, HEADER_REASON, readDeferMeta } from '../../../shared/process/records.ts';
import { SlowShapes } from '../../../shared/process/slow.ts';
import { runStage } from '../../../shared/process/stage.ts';
import { TenantMiners } from '../../../shared/process/templates.ts';
import { resolvePlan } from '../../../shared/tenants/plans.ts';
import { MemSearch, memoryDeps } from '../../support/memory.ts';

const T0 = Date.UTC(2025, 4, 1, 12, 0, 0);
const DAY = 86_400_000;

function env(tenant: string, n: number, raw = `{"level":"info","msg":"hello ${n}","host":"web-1"}`, receivedAt = new Date(T0).toISOString()): RawEnvelope {
  return { v: 1, tenant, id: `${tenant}-${n}`, receivedAt, tags: [], raw, truncated: false, originalBytes: raw.length, requestId: 'r' };
}
const rec = (e: RawEnvelope, offset: number): MessageInput => ({ topic: 'logs.raw', partition: 0, offset, key: e.tenant, value: JSON.stringify(e) });
const ctx = (ms = 60_000) => ({ getRemainingTimeInMillis: () => ms });
const deps = (o: Parameters<typeof memoryDeps>[0] = {}) => memoryDeps({ clock: T0, slowShapes: new SlowShapes(), ...o });
const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // a parser that does not return
  }
};

describe('the stage keeps its deadline', () => {
  it('past the classification deadline the rest is deferred (original bytes, due now) and the batch completes', async () => {
    let clock = T0;
    const { d, produced } = deps({ now: () => clock, sleep: async (ms) => void (clock += ms) });
    // Each event takes 300 ms of the (fake) clock: 60 s of time -> classification stops near 25.5 s.
    d.toDocument = (e) => ((clock += 300), toDocument(e));
    const envs = Array.from({ length: 200 }, (_, i) => env('acme', i));
    const r = await runStage(toMskEvent(envs.map(rec)), ctx(60_000), d, 'process');
    expect(r.indexed + r.deferred).toBe(200);
    expect(r.indexed).toBeGreaterThan(0);
    expect(r.indexed).toBeLessThanOrEqual(128);
    const deferred = produced.filter((p) => p.topic === 'logs.deferred');
    expect(deferred).toHaveLength(r.deferred);
    expect(deferred.every((p) => p.headers![HEADER_REASON]!.toString() === 'deadline')).toBe(true);
    expect(deferred[0]!.value.toString()).toBe(JSON.stringify(envs[r.indexed]));
    expect(readDeferMeta(deferred[0]!.headers!).notBefore).toBeLessThanOrEqual(clock);
    // The summary still counts every event once.
    const sums = produced.filter((p) => p.topic === 'logs.summary').map((p) => JSON.parse(p.value.toString()));
    expect(sums.reduce((s, x) => s + x.events, 0)).toBe(200);
    expect(sums.reduce((s, x) => s + x.indexed + x.deferred, 0)).toBe(200);
  });

  it('an event whose classification overruns the per-event budget is indexed as text; later events of its shape are not parsed', async () => {
    let slowCalls = 0;
    const slowToDocument = (e: RawEnvelope): LogDocument => {
      if (e.raw.startsWith('[GC ')) {
        slowCalls++;
        busy(120);
      }
      return toDocument(e);
    };
    const { d } = deps({ toDocument: slowToDocument, slowShapes: new SlowShapes(100) });
    const raws = ['[GC 111111 pause', 'ok one', '[GC 222222 pause', 'ok two', '[GC 333333 pause'];
    const r = await runStage(toMskEvent(raws.map((raw, i) => rec(env('acme', i, raw), i))), ctx(), d, 'process');
    expect(r.indexed).toBe(5);
    expect(slowCalls).toBe(1);
    const docs = (d.search as MemSearch).docs;
    for (const i of [0, 2, 4]) {
      expect(docs.get(`acme-${i}`)!.doc).toMatchObject({ message: raws[i], format: 'text', flags: expect.arrayContaining(['classify_slow']) });
    }
    expect(docs.get('acme-1')!.doc.flags).not.toContain('classify_slow');
    // Another tenant's events of the same shape are still parsed.
    const other = await runStage(toMskEvent([rec(env('beta', 0, '[GC 444444 pause'), 0)]), ctx(), d, 'process');
    expect(other.indexed).toBe(1);
    expect(slowCalls).toBe(2);
  });
});

describe('failures are per tenant, never per batch', () => {
  const mixed = () => [env('bad', 0), env('good', 0), env('bad', 1), env('good', 1)].map(rec);

  it('a plan store error defers only that tenant', async () => {
    const { d, produced } = deps();
    d.plans = { planFor: async (t) => (t === 'bad' ? Promise.reject(new Error('registry down')) : resolvePlan('standard')) };
    const r = await runStage(toMskEvent(mixed()), ctx(), d, 'process');
    expect(r.byTenant.good).toMatchObject({ indexed: 2, deferred: 0 });
    expect(r.byTenant.bad).toMatchObject({ indexed: 0, deferred: 2 });
    const deferred = produced.filter((p) => p.topic === 'logs.deferred');
    expect(deferred.map((p) => JSON.parse(p.value.toString()).id)).toEqual(['bad-0', 'bad-1']);
    expect(deferred[0]!.headers![HEADER_REASON]!.toString()).toBe('tenant');
  });

  it('a budget ledger error defers only that tenant', async () => {
    const { d } = deps();
    const real = d.budget;
    d.budget = { take: (t, ...rest) => (t === 'bad' ? Promise.reject(new Error('throttled')) : real.take(t, ...rest)) };
    const r = await runStage(toMskEvent(mixed()), ctx(), d, 'process');
    expect(r.byTenant.good!.indexed).toBe(2);
    expect(r.byTenant.bad!.deferred).toBe(2);
  });

  it('an index that cannot be created sends only its tenant\'s events to the DLQ, with the reason', async () => {
    const search = new MemSearch({ autoCreate: false, failIndex: (i) => (i.includes('t_bad_') ? 'validation_exception: this action would add [1] shards, the cluster has 1000/1000' : undefined) });
    const { d, produced } = deps({ search, plans: { bad: resolvePlan('pro'), good: resolvePlan('pro') } });
    const r = await runStage(toMskEvent(mixed()), ctx(), d, 'process');
    expect(r.byTenant.good!.indexed).toBe(2);
    expect(r.byTenant.bad!.dlq).toBe(2);
    const dlq = produced.filter((p) => p.topic === 'logs.dlq');
    expect(dlq.map((p) => p.headers![HEADER_ERROR_KIND]!.toString())).toEqual(['index', 'index']);
    expect(dlq[0]!.headers![HEADER_ERROR]!.toString()).toMatch(/could not be created: validation_exception/);
    expect(search.visibleTo('good')).toHaveLength(2);
  });

  it('a template store error costs nothing: every event is indexed', async () => {
    const broken = { get: () => Promise.reject(new Error('s3 down')), put: () => Promise.reject(new Error('s3 down')) };
    const { d } = deps({ templates: new TenantMiners(broken) });
    const r = await runStage(toMskEvent(mixed()), ctx(), d, 'process');
    expect(r.indexed).toBe(4);
  });

  it('a mapping rejection sends only that document to the DLQ', async () => {
    const search = new MemSearch((id) => (id.startsWith('bad-') ? { status: 400, error: { type: 'mapper_parsing_exception', reason: 'x' } } : { status: 201 }));
    const { d } = deps({ search });
    const r = await runStage(toMskEvent(mixed()), ctx(), d, 'process');
    expect(r.byTenant.good!.indexed).toBe(2);
    expect(r.byTenant.bad!.dlq).toBe(2);
  });
});

describe('indices are never made bare', () => {
  it('an index deleted between two batches (ensure cache warm) is made again with its alias, and the late event is visible', async () => {
    const search = new MemSearch({ autoCreate: false });
    const { d } = deps({ search, plans: { acme: resolvePlan('pro') } });
    await runStage(toMskEvent([rec(env('acme', 0), 0)]), ctx(), d, 'process');
    const index = search.docs.get('acme-0')!.index;
    search.deleteIndex(index);
    const r = await runStage(toMskEvent([rec(env('acme', 1), 1)]), ctx(), d, 'process');
    expect(r.indexed).toBe(1);
    expect(search.indices.get(index)).toEqual(new Set(['acme']));
    expect(search.visibleTo('acme').map((x) => x.event_id)).toEqual(['acme-1']);
  });
});

describe('bounded indices per tenant', () => {
  it('one event a day for ten years makes a handful of indices; every event is kept with its own time', async () => {
    const plan = resolvePlan('pro', { eventsBurst: 1e9, bytesBurst: 1e12, retentionDays: 30 });
    const search = new MemSearch({ autoCreate: false });
    const { d } = deps({ search, plans: { acme: plan } });
    const envs = Array.from({ length: 3650 }, (_, i) => {
      const t = new Date(T0 - i * DAY).toISOString();
      return env('acme', i, `${t} INFO day ${i}`);
    });
    const r = await runStage(toMskEvent(envs.map(rec)), ctx(), d, 'process');
    expect(r.indexed).toBe(3650);
    const indices = new Set([...search.docs.values()].map((x) => x.index).filter((i) => i.startsWith('sluice-logs-')));
    expect(indices.size).toBeLessThanOrEqual(9);
    // The summaries count them under the same bounded times: a month or two of summary indices, not 121.
    const summaryIndices = new Set([...search.docs.values()].map((x) => x.index).filter((i) => i.startsWith('sluice-summaries-')));
    expect(summaryIndices.size).toBeLessThanOrEqual(2);
    expect(indices).toContain('sluice-logs-t_acme_2025.05.01');
    const old = search.docs.get('acme-3000')!.doc;
    expect(old['@timestamp']).toBe(new Date(T0 - 3000 * DAY).toISOString());
    expect(old.flags).toContain('index_resliced');
    expect(search.docs.get('acme-0')!.doc.flags).not.toContain('index_resliced');
    expect(search.visibleTo('acme')).toHaveLength(3650);
  });

  it('an event a day ahead goes to the receive slice', async () => {
    const search = new MemSearch();
    const { d } = deps({ search, plans: { acme: resolvePlan('pro') } });
    await runStage(toMskEvent([rec(env('acme', 0, `${new Date(T0 + DAY).toISOString()} INFO tomorrow`), 0)]), ctx(), d, 'process');
    expect(search.docs.get('acme-0')).toMatchObject({ index: 'sluice-logs-t_acme_2025.05.01', doc: { '@timestamp': new Date(T0 + DAY).toISOString() } });
  });
});

describe('large values are indexed (cut in the indexed copy)', () => {
  it('cuts a 100 KB value and a 33 KB key, flags it, and leaves small documents alone', () => {
    const doc = toDocument(env('acme', 0, JSON.stringify({ msg: 'big', blob: 'v'.repeat(100_000), ['k'.repeat(33_000)]: 1, nested: { deep: 'x'.repeat(9000) } })));
    expect(cutLargeValues(doc, JSON.stringify(doc))).toBe(true);
    expect(doc.flags).toContain('value_cut');
    const fields = doc.fields as Record<string, unknown>;
    expect((fields.blob as string).length).toBe(MAX_VALUE_CHARS);
    const longKey = Object.keys(fields).find((k) => k.startsWith('kkk'))!;
    expect('fields.'.length + longKey.length).toBeLessThanOrEqual(MAX_PATH_CHARS);
    expect((fields.nested as Record<string, string>)["deep"]!.length).toBe(MAX_VALUE_CHARS);
    const small = toDocument(env('acme', 1));
    const before = JSON.stringify(small);
    expect(cutLargeValues(small, before)).toBe(false);
    expect(JSON.stringify(small)).toBe(before);
  });
});
