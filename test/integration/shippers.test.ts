/**
 * Tenants' log shippers against the local ingest URL (local/gateway.ts running functions/ingest.ts),
 * with the very configuration the README points to: what they send arrives on the raw topic under
 * the tenant of the token.
 *
 *  - curl: the README's examples (NDJSON with a Bearer token, a gzip body, the path-token form).
 *  - syslog-ng: docs/shipping/syslog-ng.conf, templated with the port and token; a file source and
 *    syslog over UDP and TCP. Missing tools are installed from Debian's packages (test/support/debian.ts).
 *
 * Fluent Bit and Vector have no package in this machine's registries; their snippets in docs/shipping
 * are untested here (see the README).
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, shipperRig, stopChild } from '../support/shipper-rig.ts';
import { ensureDebianTool } from '../support/debian.ts';

const execFileAsync = promisify(execFile);
const REPO = join(import.meta.dirname, '..', '..');
const rig = shipperRig('shippers');
const { run, tenantId, tmp } = rig;
const envelopesWith = rig.envelopesWith;
let token = '';
let url = '';

ensureDebianTool('curl', ['curl']);
ensureDebianTool('syslog-ng', ['syslog-ng-core', 'syslog-ng-mod-http']);



/** Runs curl (asynchronously: the gateway answering it runs in this process) and returns status and body. */
async function curlPost(args: string[]): Promise<{ status: number; body: string }> {
  const { stdout } = await execFileAsync('curl', ['-sS', '--max-time', '30', '-w', '\n%{http_code}', ...args], { encoding: 'utf8', cwd: tmp });
  const i = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(i + 1)), body: stdout.slice(0, i) };
}

beforeAll(async () => {
  await rig.start();
  ({ token, url } = rig);
});

afterAll(() => rig.stop());

describe('curl (the README examples)', () => {
  it('NDJSON with a Bearer token, a gzip file, and the path-token form arrive under the tenant', async () => {
    const m = (s: string) => `curl-${s}-${run}`;
    const nd = await curlPost([
      '-X', 'POST', `${url}/v1/logs`,
      '-H', `Authorization: Bearer ${token}`, '-H', 'Content-Type: application/x-ndjson',
      '--data-binary', `{"level":"error","msg":"payment failed ${m('nd')}","order":42}\n{"level":"info","msg":"retrying ${m('nd')}"}`,
    ]);
    expect(nd.status).toBe(202);
    expect(JSON.parse(nd.body)).toMatchObject({ accepted: 2 });

    writeFileSync(join(tmp, 'app.log.gz'), gzipSync(`first line ${m('gz')}\nsecond line ${m('gz')}\n`));
    const gz = await curlPost([
      '-X', 'POST', `${url}/v1/logs`,
      '-H', `Authorization: Bearer ${token}`, '-H', 'Content-Type: text/plain', '-H', 'Content-Encoding: gzip',
      '--data-binary', '@app.log.gz',
    ]);
    expect(gz.status).toBe(202);
    expect(JSON.parse(gz.body)).toMatchObject({ accepted: 2 });

    const path = await curlPost(['-X', 'POST', `${url}/v1/inputs/${token}?source=cron&tags=nightly`, '--data-binary', `backup done ${m('path')}`]);
    expect(path.status).toBe(202);

    const bad = await curlPost(['-X', 'POST', `${url}/v1/logs`, '-H', 'Authorization: Bearer slc_not-a-token', '--data-binary', 'x']);
    expect(bad.status).toBe(401);

    const found = await envelopesWith([m('nd'), m('gz'), m('path')]);
    expect(found.get(m('nd'))).toHaveLength(2);
    expect(found.get(m('gz'))!.map((e) => e.raw).sort()).toEqual([`first line ${m('gz')}`, `second line ${m('gz')}`]);
    expect(found.get(m('path'))![0]).toMatchObject({ tenant: tenantId, source: 'cron', tags: ['nightly'], raw: `backup done ${m('path')}` });
    for (const envs of found.values()) for (const e of envs) expect(e.tenant).toBe(tenantId);
  });
});

describe('syslog-ng (docs/shipping/syslog-ng.conf)', () => {
  let child: ChildProcess | undefined;
  let output = '';

  afterAll(() => stopChild(child));

  it('ships a followed file and syslog over UDP and TCP to the tenant', async () => {
    const dir = join(tmp, 'syslog-ng');
    rmSync(dir, { recursive: true, force: true });
    spawnSync('mkdir', ['-p', dir]);
    const appLog = join(dir, 'app.log');
    writeFileSync(appLog, '');
    const syslogPort = await freePort();
    const conf = readFileSync(join(REPO, 'docs', 'shipping', 'syslog-ng.conf'), 'utf8')
      .replaceAll('@SLUICE_URL@', url)
      .replaceAll('@SLUICE_TOKEN@', token)
      .replaceAll('@APP_LOG@', appLog)
      .replaceAll('@SYSLOG_PORT@', String(syslogPort));
    expect(conf).not.toMatch(/@[A-Z_]+@/);
    const confFile = join(dir, 'syslog-ng.conf');
    writeFileSync(confFile, conf);

    // Foreground, internal messages on stderr, every state file in the temp dir (no root paths).
    child = spawn(
      'syslog-ng',
      ['-F', '-e', '--no-caps', '-f', confFile, '-R', join(dir, 'persist'), '-p', join(dir, 'pid'), '-c', join(dir, 'ctl')],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.once('error', (err) => (output += `\n${String(err)}`)); // e.g. ENOENT: not installed
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const started = Date.now();
    while (!output.includes('syslog-ng starting up')) {
      if (child.exitCode !== null) throw new Error(`syslog-ng exited ${child.exitCode}:\n${output}`);
      if (Date.now() - started > 15_000) throw new Error(`syslog-ng did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    const m = (s: string) => `sng-${s}-${run}`;
    const fileLines = [JSON.stringify({ level: 'warn', msg: `disk almost full ${m('json')}`, pct: 91 }), `plain text line ${m('text')}`];
    appendFileSync(appLog, fileLines.map((l) => l + '\n').join(''));

    // RFC 3164 syslog, as logger(1) or rsyslog forwarding sends it.
    const d = new Date();
    const stamp = `${d.toLocaleString('en-US', { month: 'short' })} ${String(d.getDate()).padStart(2, ' ')} ${d.toTimeString().slice(0, 8)}`;
    const udpMsg = `<11>${stamp} web-7 shipper-test[4242]: udp message ${m('udp')}`;
    const udp = createSocket('udp4');
    await new Promise<void>((resolve, reject) => udp.send(udpMsg, syslogPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    udp.close();
    const tcp = connect(syslogPort, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.once('connect', () => tcp.end(`<14>${stamp} web-8 shipper-test[4243]: tcp message ${m('tcp')}\n`, resolve));
    });

    const found = await envelopesWith([m('json'), m('text'), m('udp'), m('tcp')], 1, 45_000);
    const fileEnvs = [...found.get(m('json'))!, ...found.get(m('text'))!];
    expect(fileEnvs.map((e) => e.raw).sort()).toEqual([...fileLines].sort());
    for (const e of fileEnvs) expect(e).toMatchObject({ tenant: tenantId, source: 'syslog-ng' });

    const udpEnv = found.get(m('udp'))![0]!;
    expect(udpEnv).toMatchObject({ tenant: tenantId, source: 'syslog' });
    expect(JSON.parse(udpEnv.raw)).toMatchObject({ host: 'web-7', program: 'shipper-test', pid: '4242', severity: 'err', facility: 'user', message: `udp message ${m('udp')}` });
    const tcpEnv = found.get(m('tcp'))![0]!;
    expect(tcpEnv).toMatchObject({ tenant: tenantId, source: 'syslog' });
    expect(JSON.parse(tcpEnv.raw)).toMatchObject({ host: 'web-8', program: 'shipper-test', severity: 'info', message: `tcp message ${m('tcp')}` });

    // Nothing was refused along the way.
    expect(output).not.toMatch(/Server returned with a 4XX|Server returned with a 5XX|error/i);
  });
});
