// OpenTelemetry Collector: a custom distribution (otlp + filelog receivers, otlphttp + debug exporters,
// batch processor) built with the Collector builder (go.opentelemetry.io/collector/cmd/builder) from
// the Go module proxy, cached under ${SLUICE_CACHE:-~/.cache/sluice}/otelcol-<version>. First build:
// ~3.5 minutes on 2 cores (the filelog receiver pulls in the contrib stanza packages).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './config.ts';
import { runStep } from './proc.ts';
import { goBin } from './tools.ts';
import { OTELCOL_VERSION } from './versions.ts';

const dir = (): string => join(cacheDir(), `otelcol-${OTELCOL_VERSION}`);
export const otelcolBin = (): string => join(dir(), 'build', 'sluice-otelcol');
const MANIFEST = join(import.meta.dirname, 'otelcol', 'builder-config.yaml');

export function otelcolInstalled(): boolean {
  return existsSync(join(dir(), '.installed')) && existsSync(otelcolBin());
}

/** The Collector binary, built first if the cache has none. */
export async function ensureOtelcol(): Promise<string> {
  if (otelcolInstalled()) return otelcolBin();
  const d = dir();
  mkdirSync(d, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, GOBIN: join(d, 'bin'), CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false', GOTOOLCHAIN: 'local' };
  const log = join(cacheDir(), 'logs', 'install-otelcol.log');
  await runStep(`Installing the Collector builder ${OTELCOL_VERSION} (go install)`, goBin(), ['install', `go.opentelemetry.io/collector/cmd/builder@v${OTELCOL_VERSION}`], { env, cwd: d, log, prefix: 'otelcol' });
  const manifest = join(d, 'manifest.yaml');
  writeFileSync(manifest, readFileSync(MANIFEST, 'utf8').replace('${OUTPUT_PATH}', join(d, 'build')));
  rmSync(join(d, 'build'), { recursive: true, force: true });
  await runStep('Building the OpenTelemetry Collector (a few minutes on 2 cores)', join(d, 'bin', 'builder'), ['--config', manifest], { env, cwd: d, log, prefix: 'otelcol' });
  if (!existsSync(otelcolBin())) throw new Error(`the Collector builder left no binary at ${otelcolBin()}; see ${log}`);
  writeFileSync(join(d, '.installed'), `${OTELCOL_VERSION}\n`);
  return otelcolBin();
}
