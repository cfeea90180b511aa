import type { ServiceName } from './config.ts';
import type { LaunchSpec } from './proc.ts';

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

/** What each local service provides to the orchestration in index.ts. */
export interface ServiceDef {
  name: ServiceName;
  /** e.g. "Apache Kafka 4.3.1 (KRaft)" */
  title: string;
  /** Everything needed to start is in the cache. */
  isInstalled(): boolean;
  /** Fetch/build into the cache (prints progress). Uses Maven when `usesMaven`. */
  install(): Promise<void>;
  usesMaven: boolean;
  /** Create state dirs/config (keeping existing data) and say how to start the process. */
  prepare(): Promise<LaunchSpec>;
  /** Does the service answer on its port? */
  probe(): Promise<ProbeResult>;
  startTimeoutMs: number;
  stopGraceMs: number;
}
