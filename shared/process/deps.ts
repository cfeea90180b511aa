/**
 * The real adapters behind the stage's ports, one set per Lambda instance (warm invocations reuse
 * the Kafka producer, the OpenSearch client, the plan cache and the ensured-index cache). The
 * stage's composition root: the only file of shared/process that imports adapters (the adapters
 * import the ports, never the stage).
 */
import * as config from '../config.ts';
import { produce } from '../adapters/kafka.ts';
import { DynamoTenantStore } from '../adapters/tenant-store.ts';
import { DynamoBudgetStore } from '../adapters/budget-store.ts';
import { OpenSearchSink } from '../adapters/opensearch-bulk.ts';
import { toDocument } from '../classify/index.ts';
import { DEFAULT_MAX_BULK_BYTES } from '../index/bulk.ts';
import { logger } from '../observability.ts';
import { S3TemplateStore } from '../adapters/template-store.ts';
import { CachedPlans } from '../tenants/plan-cache.ts';
import { TenantMiners } from './templates.ts';
import type { StageDeps } from './ports.ts';

let deps: StageDeps | undefined;

export function defaultDeps(): StageDeps {
  if (!deps) {
    const t = config.topics();
    // Validates a staging deployment's isolation (own topics and index prefix) before anything runs.
    const { sampleFraction } = config.staging();
    deps = {
      plans: new CachedPlans(new DynamoTenantStore(config.dynamodb().plansTable), config.tenantCacheTtlMs(), (msg, extra) => logger.warn(msg, extra)),
      budget: new DynamoBudgetStore(),
      search: new OpenSearchSink(),
      kafka: { produce },
      toDocument,
      templates: new TenantMiners(new S3TemplateStore(), {
        maxClusters: config.templatesMaxClusters(),
        maxTenants: config.templatesMaxTenants(),
        warn: (msg, extra) => logger.warn(msg, extra),
      }),
      now: Date.now,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      topics: { deferred: t.deferred, dlq: t.dlq, summary: t.summary },
      maxBulkBytes: config.maxBulkBytes(),
      bulkConcurrency: config.bulkConcurrency(),
      maxParkMs: config.deferMaxParkMs(),
      random: Math.random,
      sampleFraction,
      indexPrefix: config.indexPrefix(),
      region: config.sluiceRegion(),
      warn: (msg, extra) => logger.warn(msg, extra),
    };
  }
  return deps;
}

/** Forget the instance's adapters (tests that change the environment). */
export function resetDefaultDeps(): void {
  deps = undefined;
}
