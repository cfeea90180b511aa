import { describe, expect, it } from 'vitest';
import { encodeNdjsonGz } from '../../../shared/archive/ndjson.ts';
import { runReplay, type OutRecord } from '../../../shared/archive/replay.ts';
import type { ArchiveObject } from '../../../shared/archive/range.ts';

const envelope = (id: string, receivedAt: string) =>
  Buffer.from(JSON.stringify({ v: 1, tenant: 'acme', id, receivedAt, tags: [], raw: `event ${id}`, truncated: false, originalBytes: 8, requestId: 'r' }));

function object(key: string, size: number): ArchiveObject {
  return { key, size } as unknown as ArchiveObject;
}

describe('runReplay', () => {
  it('produces an event once when the archive holds two copies of it (a Kafka write that also spilled)', async () => {
    const hour = 'raw/tenant=acme/dt=2026-11-21/hour=10';
    const a = `${hour}/logs.raw-0-00000000000000000000-00000000000000000001.ndjson.gz`;
    const b = `${hour}/logs.raw-3-00000000000000000007-00000000000000000008.ndjson.gz`;
    const bodies = new Map<string, Buffer>([
      [a, await encodeNdjsonGz([envelope('e1', '2026-11-21T10:00:01.000Z'), envelope('e2', '2026-11-21T10:00:02.000Z')])],
      // The same e2 again (drained from the spill into another partition), and a new e3.
      [b, await encodeNdjsonGz([envelope('e2', '2026-11-21T10:00:02.000Z'), envelope('e3', '2026-11-21T10:00:03.000Z')])],
    ]);
    const produced: OutRecord[] = [];
    const summary = await runReplay({
      store: { list: async () => [], get: async (key) => bodies.get(key) },
      produce: async (records) => void produced.push(...records),
      topic: 'logs.raw',
      tenant: 'acme',
      range: { fromMs: Date.parse('2026-11-21T10:00:00Z'), toMs: Date.parse('2026-11-21T11:00:00Z') },
      objects: [object(a, bodies.get(a)!.length), object(b, bodies.get(b)!.length)],
    });
    const ids = produced.map((r) => (JSON.parse(r.value.toString('utf8')) as { id: string }).id);
    expect(ids).toEqual(['e1', 'e2', 'e3']);
    expect(summary).toMatchObject({ events: 3, duplicates: 1, objects: 2 });
  });
});
