/**
 * Archive throughput from the local Kafka to the local S3 server: produce N MB of realistic envelopes
 * to a fresh bench topic, then time one archiver run (read, group, gzip, upload, commit) over it.
 */
import { randomUUID } from 'node:crypto';
import { ensureTopics, produce, resetProducer, type KafkaRecord } from '../shared/adapters/kafka.ts';
import type { RawEnvelope } from '../shared/envelope/types.ts';
import { archiveOnce } from '../functions/archive.ts';
import { ensureBucket } from '../local/bootstrap.ts';
import type { Bench, BenchFigure } from './harness.ts';
import { rng } from '../test/support/random.ts';

const MB = 1024 * 1024;

/** Deterministic pseudo-random generator (mulberry32). */

const PATHS = ['/api/v1/orders', '/api/v1/items', '/login', '/health', '/api/v2/search', '/static/app.js'];
const LEVELS = ['INFO', 'INFO', 'INFO', 'WARN', 'ERROR', 'DEBUG'];

function rawLine(r: () => number, i: number): string {
  const kind = r();
  const ip = `10.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}`;
  if (kind < 0.45) {
    return `${ip} - - [01/May/2024:10:${String(i % 60).padStart(2, '0')}:12 +0000] "GET ${PATHS[Math.floor(r() * PATHS.length)]}?id=${Math.floor(r() * 1e6)} HTTP/1.1" ${r() < 0.9 ? 200 : 500} ${Math.floor(r() * 20000)} "-" "Mozilla/5.0 (X11; Linux x86_64)"`;
  }
  if (kind < 0.8) {
    return JSON.stringify({ ts: new Date(1714557600000 + i).toISOString(), level: LEVELS[Math.floor(r() * LEVELS.length)], msg: 'order processed', orderId: randomUUID(), userId: Math.floor(r() * 1e5), durationMs: Math.floor(r() * 900), region: 'eu-west-1' });
  }
  if (kind < 0.95) {
    return `2024-05-01 10:00:${String(i % 60).padStart(2, '0')} ${LEVELS[Math.floor(r() * LEVELS.length)]} [worker-${Math.floor(r() * 16)}] c.e.billing.InvoiceService - invoice ${Math.floor(r() * 1e7)} sent to customer ${Math.floor(r() * 1e5)} in ${Math.floor(r() * 500)} ms`;
  }
  return `java.lang.IllegalStateException: connection pool exhausted (${Math.floor(r() * 64)}/64)\n\tat com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:197)\n\tat c.e.billing.Repo.find(Repo.java:${Math.floor(r() * 400)})\n\tat c.e.billing.InvoiceService.send(InvoiceService.java:88)`;
}

function records(topic: string, targetBytes: number): { records: KafkaRecord[]; bytes: number } {
  const r = rng(42);
  const tenants = Array.from({ length: 40 }, (_, i) => `tenant-${i}`);
  const out: KafkaRecord[] = [];
  let bytes = 0;
  const t0 = Date.parse('2024-05-01T09:00:00Z');
  for (let i = 0; bytes < targetBytes; i++) {
    // Skewed: a few tenants send most of the volume.
    const tenant = tenants[Math.floor(tenants.length * r() ** 3)]!;
    const raw = rawLine(r, i);
    const env: RawEnvelope = {
      v: 1,
      tenant,
      id: randomUUID(),
      receivedAt: new Date(t0 + Math.floor((i / 50) * 1000) % (2 * 3_600_000)).toISOString(),
      source: 'bench',
      host: `web-${Math.floor(r() * 8)}`,
      tags: ['bench', r() < 0.5 ? 'prod' : 'staging'],
      raw,
      truncated: false,
      originalBytes: Buffer.byteLength(raw),
      requestId: randomUUID(),
    };
    const value = Buffer.from(JSON.stringify(env));
    bytes += value.length;
    out.push({ topic, key: `${tenant}#${i % 4}`, value });
  }
  return { records: out, bytes };
}

const bench: Bench = {
  name: 'archive',
  needsServices: true,
  async run(ctx) {
    const mb = ctx.quick ? 8 : Number(process.env.SLUICE_BENCH_ARCHIVE_MB ?? 64);
    const id = randomUUID().slice(0, 8);
    const topic = `bench.archive.${id}`;
    const bucket = `sluice-bench-archive-${id}`;
    await ensureTopics([{ name: topic, partitions: 6 }]);
    await ensureBucket(bucket);
    const { records: recs, bytes } = records(topic, mb * MB);
    ctx.log(`archive: producing ${recs.length} envelopes (${(bytes / MB).toFixed(1)} MB) to ${topic}`);
    for (let i = 0; i < recs.length; i += 2000) await produce(recs.slice(i, i + 2000), 60_000);
    await resetProducer();

    const rssBefore = process.memoryUsage().rss;
    const t0 = performance.now();
    const r = await archiveOnce({ topic, bucket, group: `sluice-archiver-bench-${id}`, readDeadlineMs: Date.now() + 600_000, log: () => undefined });
    const secs = (performance.now() - t0) / 1000;
    const rssAfter = process.memoryUsage().rss;
    if (r.records !== recs.length) throw new Error(`archived ${r.records} of ${recs.length} records`);
    const detail = `${(r.rawBytes / MB).toFixed(1)} MB raw, ${r.records} events, ${r.objects} objects, ${r.rounds} round(s), 6 partitions, 40 tenants x 2 h; read ${(r.readMs / 1000).toFixed(1)} s, gzip+upload+commit ${(r.writeMs / 1000).toFixed(1)} s`;
    const figures: BenchFigure[] = [
      { name: 'archive, Kafka -> S3, raw', value: r.rawBytes / MB / secs, unit: 'MB/s', detail },
      { name: 'archive, Kafka -> S3, compressed written', value: r.gzBytes / MB / secs, unit: 'MB/s', detail: `${(r.gzBytes / MB).toFixed(1)} MB gzip` },
      { name: 'archive, events', value: r.records / secs, unit: 'events/s' },
      { name: 'archive, gzip ratio', value: r.rawBytes / r.gzBytes, unit: 'ratio', detail: 'gzip level 6' },
      { name: 'archive, RSS growth during run', value: Math.max(0, rssAfter - rssBefore) / MB, unit: 'MB', lowerIsBetter: true, detail: 'round budget 128 MB raw' },
    ];
    // An empty run: the cost of a schedule tick with nothing to do.
    const e0 = performance.now();
    const empty = await archiveOnce({ topic, bucket, group: `sluice-archiver-bench-${id}`, readDeadlineMs: Date.now() + 60_000, log: () => undefined });
    if (empty.records !== 0) throw new Error('empty run archived records');
    figures.push({ name: 'archive, empty run (nothing to do)', value: performance.now() - e0, unit: 'ms', lowerIsBetter: true, detail: 'connect + metadata + committed/earliest/latest offsets; no S3 request' });
    return figures;
  },
};

export default bench;
