import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { classifyCommand } from '../../../cli/classify.ts';

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

const INPUT = [
  '2024-06-01 10:00:00,000 ERROR [main] a.B: request failed',
  'java.lang.IllegalStateException: outer',
  '\tat com.acme.Service.run(Service.java:42)',
  '',
  '{"level":"info","msg":"json line"}',
  '127.0.0.1 - - [01/Jun/2024:10:00:00 +0000] "GET / HTTP/1.1" 200 5',
].join('\r\n');

async function run(argv: string[], stdinText = ''): Promise<{ code: number; out: string; err: string }> {
  const out = sink();
  const err = sink();
  const code = await classifyCommand(argv, { stdin: Readable.from([stdinText]), stdout: out.stream, stderr: err.stream });
  return { code, out: out.text(), err: err.text() };
}

describe('sluice classify', () => {
  it('stdin -> NDJSON, one document per (joined) event', async () => {
    const r = await run(['--tenant', 'acme-prod'], INPUT);
    expect(r.code).toBe(0);
    const docs = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(docs).toHaveLength(3);
    expect(docs[0]).toMatchObject({ tenant: 'acme-prod', event_id: 'cli-1', level: 'error', format: 'generic', message: 'request failed\njava.lang.IllegalStateException: outer\n\tat com.acme.Service.run(Service.java:42)' });
    expect(docs[1]).toMatchObject({ event_id: 'cli-2', format: 'json', message: 'json line' });
    expect(docs[2]).toMatchObject({ event_id: 'cli-3', format: 'access_common', tags: [] });
    expect(typeof docs[2]!.received_at).toBe('string');
  });
  it('--per-line and a file argument', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sluice-classify-'));
    const file = join(dir, 'in.log');
    writeFileSync(file, INPUT);
    const r = await run([file, '--per-line']);
    expect(r.code).toBe(0);
    const docs = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(docs).toHaveLength(5);
    expect(docs[0]).toMatchObject({ tenant: 'local', message: 'request failed' });
  });
  it('--help, bad options, missing file', async () => {
    expect((await run(['--help'])).out).toContain('Usage: sluice classify');
    expect((await run(['--tenant', 'Bad Id'])).code).toBe(2);
    expect((await run(['--nope'])).code).toBe(2);
    const missing = await run(['/nonexistent/file.log']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('cannot read');
  });
});
