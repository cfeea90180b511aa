/**
 * Kafka topic administration (the deploy-time `setup` step and the local bootstrap): apart from the
 * producer in kafka.ts so that functions that only produce do not bundle the admin client.
 */
import { Admin } from '@platformatic/kafka';
import { clientOptions } from './kafka.ts';

export interface TopicSpec {
  name: string;
  partitions: number;
  replicas?: number;
  configs?: Record<string, string>;
}

/** Creates the topics that do not exist yet, and sets the given configs on the ones that do. */
export async function ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
  const admin = new Admin(clientOptions('sluice-admin'));
  try {
    const existing = new Set(await admin.listTopics());
    for (const spec of specs) {
      if (existing.has(spec.name)) {
        if (spec.configs) {
          await admin.incrementalAlterConfigs({
            resources: [
              {
                resourceType: 2, // TOPIC
                resourceName: spec.name,
                configs: Object.entries(spec.configs).map(([name, value]) => ({ name, value, configOperation: 0 as const /* SET */ })),
              },
            ],
          });
        }
        continue;
      }
      await admin.createTopics({
        topics: [spec.name],
        partitions: spec.partitions,
        replicas: spec.replicas ?? 1,
        ...(spec.configs
          ? { configs: Object.entries(spec.configs).map(([name, value]) => ({ name, value })) }
          : {}),
      });
    }
  } finally {
    await admin.close();
  }
}
