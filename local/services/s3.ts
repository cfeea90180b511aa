// S3: MinIO built from source with `go install` (Go module proxy), one local drive.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST, cacheDir, endpoints, serviceStateDir } from './config.ts';
import { httpProbe, runStep } from './proc.ts';
import { goBin } from './tools.ts';
import type { ServiceDef } from './types.ts';
import { MINIO_MODULE, MINIO_VERSION } from './versions.ts';

const minioDir = (): string => join(cacheDir(), `minio-${MINIO_VERSION}`);
export const minioBin = (): string => join(minioDir(), 'bin', 'minio');

export const s3: ServiceDef = {
  name: 's3',
  title: `MinIO ${MINIO_VERSION} (S3 API)`,
  usesMaven: false,
  startTimeoutMs: 60_000,
  stopGraceMs: 15_000,

  isInstalled: () => existsSync(join(minioDir(), '.installed')) && existsSync(minioBin()),

  async install() {
    const tmpBin = join(minioDir(), `bin.tmp-${process.pid}`);
    rmSync(tmpBin, { recursive: true, force: true });
    mkdirSync(tmpBin, { recursive: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GOBIN: tmpBin,
      CGO_ENABLED: '0',
      GOFLAGS: '-buildvcs=false',
      // a newer local toolchain is fine; never download another one
      GOTOOLCHAIN: 'local',
    };
    await runStep(
      `Building MinIO (go install ${MINIO_MODULE}@${MINIO_VERSION}; first time downloads ~250 modules and compiles, a few minutes on 2 cores)`,
      goBin(),
      ['install', '-v', '-trimpath', '-ldflags=-s -w', `${MINIO_MODULE}@${MINIO_VERSION}`],
      { env, cwd: minioDir(), log: join(cacheDir(), 'logs', 'install-s3.log'), prefix: 's3' },
    );
    if (!existsSync(join(tmpBin, 'minio'))) throw new Error(`go install left no minio binary in ${tmpBin}`);
    rmSync(join(minioDir(), 'bin'), { recursive: true, force: true });
    renameSync(tmpBin, join(minioDir(), 'bin'));
    writeFileSync(join(minioDir(), '.installed'), `${MINIO_VERSION}\n`);
  },

  async prepare() {
    const e = endpoints().s3;
    const dir = serviceStateDir('s3');
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MINIO_ROOT_USER: e.accessKeyId,
      MINIO_ROOT_PASSWORD: e.secretAccessKey,
      MINIO_REGION: e.region,
      MINIO_UPDATE: 'off',
      MINIO_CALLHOME_ENABLE: 'off',
      HOME: dir,
    };
    return {
      command: minioBin(),
      args: ['server', dataDir, '--address', `${HOST}:${e.port}`, '--console-address', `${HOST}:${e.consolePort}`],
      env,
      cwd: dir,
    };
  },

  async probe() {
    const r = await httpProbe(`${endpoints().s3.endpoint}/minio/health/live`);
    if (!r) return { ok: false, detail: 'no answer' };
    return r.status === 200 ? { ok: true, detail: 'live' } : { ok: false, detail: `HTTP ${r.status}` };
  },
};
