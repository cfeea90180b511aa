/**
 * Kafka adapter: one idempotent producer per Lambda instance, an admin helper, and client options
 * shared by consumers.
 *
 * Client choice: @platformatic/kafka. It is pure JavaScript (nothing to compile for Lambda), actively
 * maintained, the fastest of the JS clients, and supports SASL/OAUTHBEARER, which MSK IAM needs.
 * kafkajs has been unmaintained since 2023; @confluentinc/kafka-javascript needs librdkafka built
 * natively, which this project's build machines cannot do.
 */
import { Producer, defaultPartitioner, type ProducerOptions } from '@platformatic/kafka';
import * as config from '../config.ts';
import type { KafkaRecord } from '../delivery/ports.ts';
import { onClose } from './lifecycle.ts';

export type { KafkaRecord };

type BufferProducer = Producer<Buffer, Buffer, Buffer, Buffer>;

/** Connection options common to producers, consumers and the admin client. */
export function clientOptions(clientId: string) {
  const cfg = config.kafka();
  const base = {
    clientId,
    bootstrapBrokers: cfg.brokers,
    connectTimeout: cfg.connectTimeoutMs,
    requestTimeout: Math.max(cfg.produceTimeoutMs, 5000),
    retries: 2,
    retryDelay: 200,
  };
  if (cfg.auth === 'iam') {
    return {
      ...base,
      tls: {},
      sasl: {
        mechanism: 'OAUTHBEARER' as const,
        // Signed with the function's role; the signer caches nothing, so tokens are made per connection.
        token: async () => {
          const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
          return (await generateAuthToken({ region: config.region() })).token;
        },
      },
    };
  }
  return base;
}

let producer: BufferProducer | undefined;

/**
 * The client's default partitioner (murmur2 of the key bytes, as Java's), memoised per key Buffer:
 * the same partition for the same key as without it. A request's records share a handful of keys
 * (`tenant` or `tenant#n`), `produce` passes one Buffer per distinct key, and the client's murmur2
 * (BigInt arithmetic) was about a tenth of ingest's CPU when run once per record.
 */
const keyHashes = new WeakMap<Buffer, number>();
function memoisedPartitioner(message: Parameters<typeof defaultPartitioner>[0], key: Buffer | undefined): number {
  if (!key) return defaultPartitioner(message, key);
  let h = keyHashes.get(key);
  if (h === undefined) {
    h = defaultPartitioner(message, key);
    keyHashes.set(key, h);
  }
  return h;
}

/** The instance's producer: acks from all in-sync replicas, idempotent, compressed. Reused across invocations. */
export function getProducer(): BufferProducer {
  if (!producer) {
    const cfg = config.kafka();
    const options: ProducerOptions<Buffer, Buffer, Buffer, Buffer> = {
      ...clientOptions(`sluice-${config.stage()}`),
      acks: -1,
      idempotent: true,
      compression: cfg.compression,
      autocreateTopics: false,
      partitioner: memoisedPartitioner,
    };
    producer = new Producer(options);
    onClose(resetProducer);
  }
  return producer;
}

/** Drops the producer (after a failure) so that the next call connects afresh. */
export async function resetProducer(): Promise<void> {
  const p = producer;
  producer = undefined;
  if (p) await p.close(true).catch(() => undefined);
}

export class KafkaUnavailableError extends Error {
  override readonly name = 'KafkaUnavailableError';
}

/**
 * Produces all records and resolves only once Kafka acknowledged every one (acks=all).
 * Rejects with KafkaUnavailableError when that does not happen within `KAFKA_PRODUCE_TIMEOUT_MS`;
 * some records may then have been written: callers re-send with the same event ids, which every
 * consumer treats as the same event.
 */
export async function produce(records: readonly KafkaRecord[], timeoutMs = config.kafka().produceTimeoutMs): Promise<void> {
  if (records.length === 0) return;
  // One Buffer per distinct key (the partitioner memoises by Buffer).
  const keys = new Map<string, Buffer>();
  const keyOf = (k: string): Buffer => {
    let b = keys.get(k);
    if (b === undefined) keys.set(k, (b = Buffer.from(k)));
    return b;
  };
  const messages = records.map((r) => ({
    topic: r.topic,
    key: keyOf(r.key),
    value: r.value,
    // The producer's header serializer takes Buffer names.
    ...(r.headers ? { headers: new Map(Object.entries(r.headers).map(([k, v]) => [Buffer.from(k), v] as [Buffer, Buffer])) } : {}),
  }));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new KafkaUnavailableError(`Kafka did not acknowledge ${records.length} records within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([getProducer().send({ messages }), deadline]);
  } catch (err) {
    await resetProducer();
    if (err instanceof KafkaUnavailableError) throw err;
    throw new KafkaUnavailableError(`Kafka refused the records: ${(err as Error).message}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

// Topic administration lives in kafka-admin.ts (only `setup` and tests need the admin client).
export { ensureTopics, type TopicSpec } from './kafka-admin.ts';
