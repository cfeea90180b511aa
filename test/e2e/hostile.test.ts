/**
 * Hostile input through the local ingest URL. Each request gets the answer documented in README's
 * "Sending logs" table, the gateway keeps answering, and everything that was accepted is stored
 * (archive and index reconcile); the million-event array is refused whole, past the per-request cap.
 */
import './env.ts';
import { createGzip, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPipeline, type Pipeline } from '../../local/pipeline.ts';
import { ArchiveStore } from '../../shared/adapters/archive-store.ts';
import { decodeNdjsonGz } from '../../shared/archive/ndjson.ts';
import { tenantAlias } from '../../shared/index/naming.ts';
import * as config from '../../shared/config.ts';
import { reconcile } from './reconcile.ts';
import { addTenant, archived, countOf, indexedDocs, markerOf, post, runTag, tenantArchivePrefix } from './support.ts';

let p: Pipeline;
const tag = runTag();
const log = (m: string) => process.stderr.write(`${m}\n`);
const MAX_BODY = config.ingestLimits().maxBodyBytes;
const MAX_EVENT = config.ingestLimits().maxEventBytes;
const MAX_EVENTS = config.ingestCeiling().maxEventsPerRequest;

beforeAll(async () => {
  p = await startPipeline({ httpPort: 0, archiveEveryMs: 0, processWindowMs: 250, retryMaxMs: 2_000, demoTenant: false, log });
});
afterAll(async () => {
  await p?.stop({ finalArchive: false });
});

/** A gzip body that inflates to `bytes` zeros (made in pieces: the inflated size is never in memory). */
async function gzipBomb(bytes: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => { gz.on('end', resolve); gz.on('error', reject); });
  const chunk = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < bytes / chunk.length; i++) if (!gz.write(chunk)) await new Promise((r) => gz.once('drain', r));
  gz.end();
  await done;
  return Buffer.concat(out);
}

/** Lines and distinct ids under an archive prefix, without keeping the lines. */
async function countArchived(prefix: string): Promise<{ lines: number; ids: number }> {
  const store = new ArchiveStore({ bucket: config.s3().archiveBucket });
  const ids = new Set<string>();
  let lines = 0;
  for (const o of await store.list(prefix)) {
    for (const l of await decodeNdjsonGz((await store.get(o.key))!)) {
      if (l.length === 0) continue;
      lines++;
      const at = l.indexOf('"id":"');
      ids.add(l.subarray(at + 6, at + 42).toString('latin1'));
    }
  }
  return { lines, ids: ids.size };
}

describe('hostile input', () => {
  it('each hostile request gets its documented answer, nothing crashes, and all that was accepted is stored', async () => {
    const tenant = `${tag}-hostile`;
    const token = await addTenant(tenant, 'standard');
    const auth = { authorization: `Bearer ${token}` };
    const url = `${p.url}/v1/logs`;
    let n = 0;
    const mk = () => `mk-${tag}-${tenant}-${n++}`;
    const stored: string[] = [];
    const refused: string[] = [];
    const accept = async (body: Buffer | string, headers: Record<string, string>, events: number, markers: string[], truncated = 0) => {
      const a = await post(url, body, { ...auth, ...headers });
      expect(a.status, a.text.slice(0, 300)).toBe(202);
      expect(a.json).toMatchObject({ accepted: events, truncated });
      stored.push(...markers);
      return a;
    };
    const refuse = async (status: number, body: Buffer | string | undefined, headers: Record<string, string>, marker?: string) => {
      const a = await post(url, body, headers);
      expect(a.status, a.text.slice(0, 300)).toBe(status);
      if (marker) refused.push(marker);
      return a;
    };

    // Invalid UTF-8 (replaced with U+FFFD, flagged) and NUL bytes (kept: they are data).
    const bad = [mk(), mk()];
    await accept(Buffer.concat([Buffer.from(`{"msg":"bad bytes `), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(`","mk":"${bad[0]}"}\ntext ${bad[1]} `), Buffer.from([0x80, 0x41])]), { 'content-type': 'application/x-ndjson' }, 2, bad);
    const nul = mk();
    await accept(`before\u0000after ${nul} \u0000`, { 'content-type': 'text/plain' }, 1, [nul]);

    // Bodies over the limit: 10 MB in one line (ingest's 413 names the limit) and 11 MiB (the gateway's own 413).
    const big = mk();
    const r413 = await refuse(413, `${big} ${'x'.repeat(10_000_000)}`, { ...auth, 'content-type': 'text/plain' }, big);
    expect(r413.text).toContain(String(MAX_BODY));
    await refuse(413, Buffer.alloc(11 * 1024 * 1024, 0x61), { ...auth, 'content-type': 'text/plain' });

    // A 5 MB single line: accepted, cut to the event limit and flagged.
    const five = mk();
    await accept(`${five} ${'y'.repeat(5_000_000)}`, { 'content-type': 'text/plain' }, 1, [five], 1);

    // 1,000-deep JSON, as one object and as an NDJSON line.
    const deep = [mk(), mk()];
    await accept(`{"mk":"${deep[0]}","a":${'{"a":'.repeat(999)}1${'}'.repeat(999)}}`, { 'content-type': 'application/json' }, 1, [deep[0]!]);
    await accept(`{"mk":"${deep[1]}","b":${'['.repeat(1000)}${']'.repeat(1000)}}\n`, { 'content-type': 'application/x-ndjson' }, 1, [deep[1]!]);

    // A gzip bomb (200 MiB of zeros in ~200 KB): 413 on the decoded size, quickly.
    const bomb = await gzipBomb(200 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(MAX_BODY);
    const t0 = Date.now();
    const rb = await refuse(413, bomb, { ...auth, 'content-type': 'text/plain', 'content-encoding': 'gzip' });
    expect(rb.text).toContain(String(MAX_BODY));
    expect(Date.now() - t0).toBeLessThan(10_000);

    // Truncated gzip: 400. Empty body: 400. No token, unknown token: 401.
    const cut = mk();
    const whole = gzipSync(Buffer.from(`{"mk":"${cut}"}\n`.repeat(200)));
    await refuse(400, whole.subarray(0, Math.floor(whole.length / 2)), { ...auth, 'content-encoding': 'gzip' }, cut);
    await refuse(400, '', { ...auth });
    const noTok = mk();
    await refuse(401, `no token ${noTok}`, {}, noTok);
    const badTok = mk();
    await refuse(401, `bad token ${badTok}`, { authorization: 'Bearer slc_not-a-real-token' }, badTok);

    // Wrong Content-Type: sniffed; a body claiming JSON that is text lines is kept as text lines.
    const wrong = [mk(), mk(), mk(), mk()];
    await accept(`{"msg":"a","mk":"${wrong[0]}"}\n{"msg":"b","mk":"${wrong[1]}"}`, { 'content-type': 'image/png' }, 2, wrong.slice(0, 2));
    await accept(`plain ${wrong[2]}\nplain ${wrong[3]}`, { 'content-type': 'application/json' }, 2, wrong.slice(2));

    // A JSON array of a million tiny events, within 6 MB: past the per-request event cap, refused
    // whole (413 too_many_events), not taken as a million events (issue 16).
    const million = `${tag}-million`;
    const mToken = await addTenant(million, 'free');
    const arr = `[${'{},'.repeat(999_999)}{}]`;
    expect(arr.length).toBeLessThan(MAX_BODY);
    const m = await post(url, arr, { authorization: `Bearer ${mToken}`, 'content-type': 'application/json' });
    expect(m.status, m.text.slice(0, 300)).toBe(413);
    expect(m.json).toMatchObject({ error: 'too_many_events' });
    expect(m.text).toContain(String(MAX_EVENTS));

    // The gateway still answers normally.
    const after = mk();
    await accept(`{"msg":"still alive","mk":"${after}"}`, { 'content-type': 'application/x-ndjson' }, 1, [after]);

    // Everything accepted is stored: archived once, indexed (or DLQ) once; nothing refused is anywhere.
    await reconcile(() => p.archiveNow(), [{ tenant, markers: stored }], { timeoutMs: 240_000, log });
    const lines = await archived(tenantArchivePrefix(tenant));
    const byMarker = new Map(lines.map((l) => [markerOf(l.env.raw)!, l.env]));
    for (const r of refused) expect(byMarker.has(r), `${r} was refused, yet stored`).toBe(false);
    expect(lines.some((l) => l.env.raw.includes('slc_not-a-real-token'))).toBe(false);
    for (const b of bad) {
      expect(byMarker.get(b)!.invalidUtf8).toBe(true);
      expect(byMarker.get(b)!.raw).toContain('\uFFFD');
    }
    expect(byMarker.get(nul)!.raw).toContain('\u0000');
    const f = byMarker.get(five)!;
    expect(f.truncated).toBe(true);
    expect(f.originalBytes).toBe(Buffer.byteLength(`${five} `) + 5_000_000);
    expect(Buffer.byteLength(f.raw)).toBeLessThanOrEqual(MAX_EVENT);
    expect(Buffer.byteLength(f.raw)).toBeGreaterThan(MAX_EVENT - 4);
    expect(byMarker.get(deep[0]!)!.raw.length).toBeGreaterThan(5_000);
    // The truncated and the invalid-UTF-8 events are indexed with their flags.
    const docs = new Map((await indexedDocs(tenantAlias(tenant), ['event_id', 'flags'])).map((d) => [d.id, d.source]));
    expect(docs.get(f.id)?.['flags']).toContain('truncated');
    for (const b of bad) expect(docs.get(byMarker.get(b)!.id)?.['flags']).toContain('invalid_utf8');

    // Nothing of the refused million was kept.
    await p.archiveNow();
    expect(await countArchived(tenantArchivePrefix(million))).toEqual({ lines: 0, ids: 0 });
    expect(await countOf(tenantAlias(million))).toBe(0);
  });
});
