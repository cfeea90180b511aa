/**
 * Archive and replay against the real local Kafka and S3 server (no mocks). Each test uses its own
 * topic, consumer group and bucket, so tests never see each other's data.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveStore } from '../../shared/adapters/archive-store.ts';
import { ensureTopics, produce, resetProducer, type KafkaRecord } from '../../shared/adapters/kafka.ts';
import { TopicReader } from '../../shared/adapters/kafka-consumer.ts';
import { decodeNdjsonGz } from '../../shared/archive/ndjson.ts';
import { manifestKey, parseObjectKey, RAW_PREFIX } from '../../shared/archive/keys.ts';
import type { InvalidLine } from '../../shared/archive/grouping.ts';
import type { RawEnvelope } from '../../shared/envelope/types.ts';
import { archiveOnce } from '../../functions/archive.ts';
import { replayCommand } from '../../cli/replay.ts';
import { archiveCommand } from '../../cli/archive.ts';
import { ensureBucket } from '../../local/bootstrap.ts';
import { readTopic } from '../support/kafka.ts';

const PARTITIONS = 3;
const HOUR = 3_600_000;
const BASE = Date.parse('2024-05-01T08:00:00.000Z');

interface Setup {
  topic: string;
  group: string;
  bucket: string;
  store: ArchiveStore;
}

async function fresh(name: string): Promise<Setup> {
  const id = randomUUID().slice(0, 8);
  const topic = `test.archive.${name}.${id}`;
  const bucket = `sluice-test-archive-${name}-${id}`.toLowerCase();
  await ensureTopics([{ name: topic, partitions: PARTITIONS }]);
  await ensureBucket(bucket);
  return { topic, group: `sluice-archiver-test-${id}`, bucket, store: new ArchiveStore({ bucket }) };
}

let seq = 0;
function envelope(tenant: string, receivedAtMs: number, raw = `GET /items/${seq} 200`): RawEnvelope {
  seq++;
  return {
    v: 1,
    tenant,
    id: `${randomUUID()}`,
    receivedAt: new Date(receivedAtMs).toISOString(),
    tags: ['web'],
    raw,
    truncated: false,
    originalBytes: raw.length,
    requestId: `req-${seq}`,
  };
}

async function produceEnvelopes(topic: string, envs: RawEnvelope[], key = (e: RawEnvelope, i: number) => `${e.tenant}#${i % 3}`): Promise<void> {
  const records: KafkaRecord[] = envs.map((e, i) => ({ topic, key: key(e, i), value: Buffer.from(JSON.stringify(e)) }));
  for (let i = 0; i < records.length; i += 500) await produce(records.slice(i, i + 500), 30_000);
}

/** Every line of every archive object, with the object's key. */
async function archived(store: ArchiveStore): Promise<{ key: string; line: Buffer }[]> {
  const out: { key: string; line: Buffer }[] = [];
  for (const o of await store.list(RAW_PREFIX)) {
    for (const line of await decodeNdjsonGz((await store.get(o.key))!)) out.push({ key: o.key, line });
  }
  return out;
}

function ioCapture(): { io: { stdin: NodeJS.ReadableStream; stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer, _enc, cb) {
        f(chunk.toString());
        cb();
      },
    });
  return {
    io: { stdin: Readable.from([]), stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)) },
    out: () => out,
    err: () => err,
  };
}

const run = (s: Setup, extra: Partial<Parameters<typeof archiveOnce>[0]> = {}) =>
  archiveOnce({ topic: s.topic, group: s.group, bucket: s.bucket, readDeadlineMs: Date.now() + 30_000, log: () => undefined, ...extra });

afterAll(async () => {
  await resetProducer();
});

describe('archive', () => {
  it('an empty run writes no objects (and a run over an idle topic only checks offsets)', async () => {
    const s = await fresh('empty');
    const r = await run(s);
    expect(r).toMatchObject({ records: 0, objects: 0, rounds: 0, caughtUp: true });
    expect(await s.store.list('')).toEqual([]);
  });

  it('N events in -> N lines, each in its tenant/hour partition, bytes unchanged; invalid records kept', async () => {
    const s = await fresh('basic');
    const envs: RawEnvelope[] = [];
    for (let i = 0; i < 300; i++) envs.push(envelope(['acme', 'beta-co', 'gamma'][i % 3]!, BASE + (i % 4) * HOUR + i * 1000));
    await produceEnvelopes(s.topic, envs);
    const bad = [Buffer.from('{"not":"an envelope"'), Buffer.from(JSON.stringify({ ...envelope('acme', BASE), tenant: '../../other' }))];
    await produce(bad.map((value) => ({ topic: s.topic, key: 'x', value })), 30_000);

    const r = await run(s);
    expect(r.records).toBe(302);
    expect(r.invalid).toBe(2);
    expect(r.caughtUp).toBe(true);

    const lines = await archived(s.store);
    expect(lines).toHaveLength(302);
    const byId = new Map(envs.map((e) => [e.id, e]));
    const seen = new Set<string>();
    for (const { key, line } of lines) {
      const parts = parseObjectKey(key)!;
      expect(parts).toBeDefined();
      expect(parts.topic).toBe(s.topic);
      const doc = JSON.parse(line.toString()) as RawEnvelope & InvalidLine;
      if (parts.tenant === '_invalid') {
        expect(doc.invalid).toMatch(/not a JSON object|invalid tenant/);
        expect(bad.some((b) => b.equals(Buffer.from(doc.valueBase64!, 'base64')))).toBe(true);
        continue;
      }
      const e = byId.get(doc.id)!;
      expect(line.toString()).toBe(JSON.stringify(e)); // the envelope exactly as it was on Kafka
      expect(parts.tenant).toBe(e.tenant);
      expect(parts.hourStartMs).toBe(Math.floor(Date.parse(e.receivedAt) / HOUR) * HOUR);
      seen.add(e.id);
    }
    expect(seen.size).toBe(300);
    // 3 tenants x 4 hours, spread over up to 3 partitions, plus the invalid ones.
    expect(new Set(lines.map((l) => l.key)).size).toBe(r.objects);

    // Nothing new: the next run writes nothing.
    const before = (await s.store.list('')).length;
    const again = await run(s);
    expect(again).toMatchObject({ records: 0, objects: 0 });
    expect((await s.store.list('')).length).toBe(before);
  });

  it('a run killed between upload and commit: after the next run each event is archived exactly once', async () => {
    const s = await fresh('crash');
    const first = Array.from({ length: 200 }, (_, i) => envelope(i % 2 ? 'acme' : 'beta-co', BASE + i * 30_000));
    await produceEnvelopes(s.topic, first);

    await expect(
      run(s, {
        afterUpload: () => {
          throw new Error('simulated crash after upload, before commit');
        },
      }),
    ).rejects.toThrow(/simulated crash/);
    const afterCrash = await s.store.list(RAW_PREFIX);
    expect(afterCrash.length).toBeGreaterThan(0);
    // Nothing committed.
    const reader = new TopicReader({ topic: s.topic, groupId: s.group });
    expect((await reader.positions()).every((p) => p.committed === null)).toBe(true);

    // More records arrive before the next run: it must still re-read exactly the crashed range
    // (same keys), then archive the new records separately.
    const second = Array.from({ length: 120 }, (_, i) => envelope(i % 2 ? 'acme' : 'beta-co', BASE + i * 30_000));
    await produceEnvelopes(s.topic, second);

    const r = await run(s);
    expect(r.records).toBe(320);
    expect(r.caughtUp).toBe(true);
    const keysNow = (await s.store.list(RAW_PREFIX)).map((o) => o.key);
    for (const o of afterCrash) expect(keysNow).toContain(o.key); // overwritten, not duplicated under new keys

    const lines = await archived(s.store);
    const ids = lines.map((l) => (JSON.parse(l.line.toString()) as RawEnvelope).id);
    expect(ids).toHaveLength(320);
    expect(new Set(ids).size).toBe(320);
    expect(new Set(ids)).toEqual(new Set([...first, ...second].map((e) => e.id)));
    // Committed to the high watermarks.
    const pos = await reader.positions();
    expect(pos.every((p) => p.committed === p.latest)).toBe(true);
    // And the recorded ranges are there.
    const manifests = (await s.store.list('_manifests/')).map((o) => o.key);
    // One per partition for the crashed run's ranges (re-used by the next run), one per partition for the new records.
    expect(manifests.length).toBe(2 * pos.filter((p) => p.latest > 0n).length);
    expect(manifests.every((k) => k.startsWith(`_manifests/${s.group}/${s.topic}/`))).toBe(true);
    expect(manifests).toContain(manifestKey(s.group, s.topic, Number(manifests[0]!.split('/')[3]), 0n));
    await reader.close();
  });

  it('stops at the byte budget per round and continues in further rounds with the same result', async () => {
    const s = await fresh('rounds');
    const envs = Array.from({ length: 400 }, (_, i) => envelope('acme', BASE + i * 1000, 'x'.repeat(500)));
    await produceEnvelopes(s.topic, envs);
    const r = await run(s, { maxRoundBytes: 40_000 });
    expect(r.rounds).toBeGreaterThan(3);
    expect(r.records).toBe(400);
    const ids = (await archived(s.store)).map((l) => (JSON.parse(l.line.toString()) as RawEnvelope).id);
    expect(ids.sort()).toEqual(envs.map((e) => e.id).sort());
  });

  it('multipart-uploads large objects', async () => {
    const s = await fresh('large');
    // Incompressible payloads (random base64) on one partition, so one gzip object exceeds the 8 MiB part size.
    const envs = Array.from({ length: 1000 }, () => envelope('acme', BASE, randomBytes(12_000).toString('base64')));
    for (let i = 0; i < envs.length; i += 40) await produceEnvelopes(s.topic, envs.slice(i, i + 40), () => 'acme');
    const r = await run(s, { gzipLevel: 1 });
    expect(r.records).toBe(1000);
    const objs = await s.store.list(RAW_PREFIX);
    const big = objs.filter((o) => o.size > 8 * 1024 * 1024);
    expect(big.length).toBeGreaterThan(0);
    for (const o of big) expect((await s.store.head(o.key))!.etag).toMatch(/-\d+"?$/); // a multipart ETag ends in -<parts>
    expect((await archived(s.store)).length).toBe(1000);
  });
});

describe('archive handler', () => {
  it('runs from a scheduled event within the Lambda\'s remaining time', async () => {
    const s = await fresh('handler');
    await produceEnvelopes(s.topic, Array.from({ length: 50 }, (_, i) => envelope('acme', BASE + i * 60_000)));
    const saved = { ...process.env };
    Object.assign(process.env, { SLUICE_TOPIC_RAW: s.topic, ARCHIVE_BUCKET: s.bucket, SLUICE_ARCHIVE_GROUP: s.group, SLUICE_ARCHIVE_MARGIN_MS: '5000' });
    try {
      const { archive } = await import('../../functions/archive.ts');
      const event = (await import('../../events/schedule-archive.json', { with: { type: 'json' } })).default;
      const started = Date.now();
      const context = { getRemainingTimeInMillis: () => 60_000 - (Date.now() - started) } as unknown as Context;
      const r = await archive(event, context);
      expect(r).toMatchObject({ records: 50, caughtUp: true });
      expect((await s.store.list(RAW_PREFIX)).length).toBe(r.objects);
      expect(await archive(event, context)).toMatchObject({ records: 0, objects: 0 });
    } finally {
      process.env = saved;
    }
  });
});

describe('replay', () => {
  let s: Setup;
  let envs: RawEnvelope[];
  const from = BASE + HOUR + 30 * 60_000; // 09:30
  const to = BASE + 3 * HOUR; // 11:00

  beforeAll(async () => {
    s = await fresh('replay');
    envs = [];
    // acme: one event every 5 minutes from 08:00 to 11:55; beta-co: same times (must not be replayed).
    for (let m = 0; m < 240; m += 5) envs.push(envelope('acme', BASE + m * 60_000), envelope('beta-co', BASE + m * 60_000));
    await produceEnvelopes(s.topic, envs);
    const r = await run(s);
    expect(r.records).toBe(envs.length);
  });

  it('archive ls lists the tenant\'s objects with sizes and event counts', async () => {
    const c = ioCapture();
    expect(await archiveCommand(['ls', '--tenant', 'acme', '--bucket', s.bucket], c.io)).toBe(0);
    const rows = c.out().trim().split('\n');
    expect(rows[0]).toMatch(/^HOUR/);
    expect(rows.at(-1)).toMatch(/object\(s\), .* compressed, 48 events\./);
    expect(rows.slice(1, -1).every((r) => r.includes('tenant=acme/'))).toBe(true);
    const c2 = ioCapture();
    expect(await archiveCommand(['ls', '--tenant', 'acme', '--from', '2024-05-01T09:30Z', '--to', '2024-05-01T11:00Z', '--bucket', s.bucket, '--json'], c2.io)).toBe(0);
    const hours = new Set(c2.out().trim().split('\n').map((l) => (JSON.parse(l) as { hour: string }).hour));
    expect([...hours].sort()).toEqual(['2024-05-01T09:00:00.000Z', '2024-05-01T10:00:00.000Z']);
  });

  it('--dry-run lists the objects and produces nothing', async () => {
    const out = `test.replay.dry.${randomUUID().slice(0, 8)}`;
    await ensureTopics([{ name: out, partitions: 1 }]);
    const c = ioCapture();
    const code = await replayCommand(['--tenant', 'acme', '--from', '2024-05-01T09:30Z', '--to', '2024-05-01T11:00Z', '--dry-run', '--topic', out, '--bucket', s.bucket], c.io);
    expect(code).toBe(0);
    expect(c.out()).toMatch(/Dry run: would read \d+ object\(s\)/);
    expect(c.out()).toContain('hour=09');
    expect(c.out()).not.toContain('hour=08');
    const reader = new TopicReader({ topic: out, groupId: `g-${randomUUID()}` });
    expect((await reader.positions())[0]!.latest).toBe(0n);
    await reader.close();
  });

  it('replays exactly the tenant\'s events of [from, to), bytes unchanged, to the topic', async () => {
    const out = `test.replay.out.${randomUUID().slice(0, 8)}`;
    await ensureTopics([{ name: out, partitions: 2 }]);
    const c = ioCapture();
    const code = await replayCommand(['--tenant', 'acme', '--from', '2024-05-01T09:30Z', '--to', '2024-05-01T11:00Z', '--topic', out, '--bucket', s.bucket, '--spread', '2'], c.io);
    expect(c.err()).not.toContain('warning');
    expect(code).toBe(0);
    const expected = envs.filter((e) => e.tenant === 'acme' && Date.parse(e.receivedAt) >= from && Date.parse(e.receivedAt) < to);
    expect(expected).toHaveLength(18);
    expect(c.out()).toMatch(/Replayed 18 events .* from \d+ object\(s\)/);
    expect(c.out()).toMatch(/; 6 archived events of those hours were outside the range/);
    const got = await readTopic(out, (r) => r.length >= expected.length, 30_000);
    expect(got.map((r) => r.value.toString()).sort()).toEqual(expected.map((e) => JSON.stringify(e)).sort());
    expect(new Set(got.map((r) => r.key?.toString('utf8')))).toEqual(new Set(['acme#0', 'acme#1']));
  });

  it('refuses a bad tenant and a bad range', async () => {
    const c = ioCapture();
    await expect(replayCommand(['--tenant', '../x', '--from', '1h', '--to', 'now', '--bucket', s.bucket], c.io)).rejects.toThrow(/Invalid tenant id/);
    await expect(replayCommand(['--tenant', 'acme', '--from', 'now', '--to', '1h', '--bucket', s.bucket], c.io)).rejects.toThrow(/Empty time range/);
    expect(await replayCommand(['--tenant', 'acme'], c.io)).toBe(2);
  });
});
