// Kinesis: kinesalite from node_modules, started from code on 127.0.0.1 (kinesalite-server.mjs).
// Note for clients: AWS SDK v3's Kinesis client needs `requestHandler: new NodeHttpHandler()`
// (HTTP/1.1) to talk to it.
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { HOST, SERVICES_DIR, endpoints, serviceStateDir } from './config.ts';
import { httpProbe } from './proc.ts';
import type { ServiceDef } from './types.ts';
import { KINESALITE_VERSION } from './versions.ts';

function kinesaliteInstalled(): boolean {
  try {
    createRequire(join(SERVICES_DIR, 'kinesalite-server.mjs')).resolve('kinesalite');
    return true;
  } catch {
    return false;
  }
}

export const kinesis: ServiceDef = {
  name: 'kinesis',
  title: `kinesalite ${KINESALITE_VERSION} (Kinesis API, in memory)`,
  usesMaven: false,
  startTimeoutMs: 30_000,
  stopGraceMs: 5_000,

  isInstalled: kinesaliteInstalled,

  async install() {
    if (!kinesaliteInstalled()) throw new Error('kinesalite is not in node_modules: run npm install (it is a devDependency)');
  },

  async prepare() {
    const e = endpoints().kinesis;
    const dir = serviceStateDir('kinesis');
    mkdirSync(dir, { recursive: true });
    const ms = process.env['SLUICE_KINESIS_STREAM_MS'] ?? '50';
    const entry = join(SERVICES_DIR, 'kinesalite-server.mjs');
    if (!existsSync(entry)) throw new Error(`missing ${entry}`);
    // process.execPath: the Node that runs us (the repo's Node 22 under npx/tsx)
    return { command: process.execPath, args: [entry, HOST, String(e.port), ms, ms, ms], cwd: dir };
  },

  async probe() {
    const e = endpoints().kinesis;
    const r = await httpProbe(e.endpoint, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': 'Kinesis_20131202.ListStreams',
        Authorization: `AWS4-HMAC-SHA256 Credential=${e.accessKeyId}/20240101/${e.region}/kinesis/aws4_request, SignedHeaders=host, Signature=0`,
        'X-Amz-Date': '20240101T000000Z',
      },
      body: '{}',
    });
    if (!r) return { ok: false, detail: 'no answer' };
    return r.status === 200 && r.body.includes('StreamNames') ? { ok: true, detail: 'ListStreams ok' } : { ok: false, detail: `HTTP ${r.status}: ${r.body.slice(0, 100)}` };
  },
};
