/**
 * ingest against the real local Kafka, kinesalite and DynamoDB Local: what a 202 promises is on the
 * topic; with Kafka unreachable it is in the spill stream and `drain` puts it back with the same ids;
 * with the spill failing too the answer is a 503 that says what was stored. The hard ceiling and the
 * token cache against DynamoDB Local. No shared service is stopped: "unreachable" is this process
 * pointing at a closed port or a stream that does not exist.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent } from 'aws-lambda';
import { ensureKafkaTopics, ensureSpillStream, ensureTables } from '../../local/bootstrap.ts';
import { albEvent, apiGatewayV2Event } from '../../local/http-events.ts';
import { DynamoTenantStore } from '../../shared/adapters/tenant-store.ts';
import { getKinesis } from '../../shared/adapters/kinesis.ts';
import { ensureTopics, resetProducer } from '../../shared/adapters/kafka.ts';
import { randomBytes } from 'node:crypto';
import { deliver, DeliveryFailedError } from '../../shared/delivery.ts';
import { deliverInBatches } from '../../shared/ingest/deliver.ts';
import { normalizeRequest, parseIngest, type IngestError } from '../../shared/ingest/index.ts';
import * as config from '../../shared/config.ts';
import type { RawEnvelope } from '../../shared/envelope/types.ts';
import { ingest } from '../../functions/ingest.ts';
import { drain } from '../../functions/drain.ts';
import { readTopic } from '../support/kafka.ts';
import { CeilingLimiter } from '../../shared/ingest/ceiling.ts';
import { DynamoCeilingCounter } from '../../shared/adapters/ingest-ceiling.ts';
import { CachedTenantResolver, type Tenant, type TenantLookup } from '../../shared/tenants/registry.ts';

const ctx = { awsRequestId: 'test-request' };
const run = Date.now().toString(36);
const tenantId = `ingest-${run}`;
let token = '';

function bodyOf(res: { body?: string }): Record<string, unknown> {
  return JSON.parse(res.body ?? '{}') as Record<string, unknown>;
}

async function envelopesWith(marker: string, count: number, timeoutMs = 30_000): Promise<RawEnvelope[]> {
  const found = new Map<string, RawEnvelope>();
  await readTopic(
    config.topics().raw,
    (records) => {
      for (const r of records.splice(0)) {
        const env = JSON.parse(r.value.toString('utf8')) as RawEnvelope;
        if (env.raw.includes(marker)) found.set(`${env.id}@${r.partition}:${r.offset}`, env);
      }
      return found.size >= count;
    },
    timeoutMs,
  );
  return [...found.values()];
}

async function spilledRecords(): Promise<KinesisStreamEvent> {
  const k = getKinesis();
  const stream = config.kinesis().spillStream;
  const { StreamDescription } = await k.send(new DescribeStreamCommand({ StreamName: stream }));
  const Records: KinesisStreamEvent['Records'] = [];
  for (const shard of StreamDescription?.Shards ?? []) {
    const it0 = await k.send(new GetShardIteratorCommand({ StreamName: stream, ShardId: shard.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
    const out = await k.send(new GetRecordsCommand({ ShardIterator: it0.ShardIterator!, Limit: 10_000 }));
    for (const r of out.Records ?? []) {
      Records.push({
        eventSource: 'aws:kinesis',
        eventVersion: '1.0',
        eventID: `${shard.ShardId}:${r.SequenceNumber}`,
        eventName: 'aws:kinesis:record',
        invokeIdentityArn: 'arn:aws:iam::123456789012:role/drain',
        awsRegion: config.region(),
        eventSourceARN: `arn:aws:kinesis:${config.region()}:123456789012:stream/${stream}`,
        kinesis: {
          kinesisSchemaVersion: '1.0',
          partitionKey: r.PartitionKey!,
          sequenceNumber: r.SequenceNumber!,
          approximateArrivalTimestamp: (r.ApproximateArrivalTimestamp ?? new Date()).getTime() / 1000,
          data: Buffer.from(r.Data!).toString('base64'),
        },
      });
    }
  }
  return { Records };
}

beforeAll(async () => {
  process.env.KAFKA_PRODUCE_TIMEOUT_MS = '3000';
  // A topic and stream of this run's own: reading them from the start stays quick however much the
  // shared logs.raw holds (after `npm start`, the bench or the e2e suite).
  process.env.SLUICE_TOPIC_RAW = `test.ingest.${run}`;
  process.env.SPILL_STREAM = `sluice-spill-test-${run}`;
  await Promise.all([ensureKafkaTopics(), ensureTables(), ensureSpillStream()]);
  ({ token } = await new DynamoTenantStore().addTenant(tenantId, 'standard'));
});

afterAll(async () => {
  await resetProducer();
});

describe('ingest -> Kafka', () => {
  it('answers 202 only with every event on logs.raw, in the documented envelope', async () => {
    const marker = `m-${run}-ndjson`;
    const body = [
      JSON.stringify({ level: 'info', msg: `${marker} one`, tenant: 'someone-else' }),
      `not json at all ${marker} two`,
      JSON.stringify({ msg: `${marker} three` }),
    ].join('\n');
    const res = await ingest(
      apiGatewayV2Event({
        url: '/v1/logs?tags=web,prod',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson', 'x-log-source': 'nginx', 'x-log-host': 'web-1' },
        body,
      }),
      ctx,
    );
    expect(res.statusCode).toBe(202);
    expect(bodyOf(res)).toMatchObject({ accepted: 3, truncated: 0 });

    const envs = await envelopesWith(marker, 3);
    expect(envs).toHaveLength(3);
    for (const env of envs) {
      expect(env).toMatchObject({ v: 1, tenant: tenantId, source: 'nginx', host: 'web-1', truncated: false });
      expect(env.tags).toEqual(expect.arrayContaining(['web', 'prod']));
      expect(env.id).toMatch(/\S{16,}/);
      expect(Date.parse(env.receivedAt)).toBeGreaterThan(Date.now() - 120_000);
    }
    // A body field named tenant changes nothing: the tenant comes from the token only.
    expect(envs.map((e) => e.raw).sort()).toEqual(body.split('\n').sort());
  });

  it('takes gzip bodies through the ALB shape and the path token', async () => {
    const marker = `m-${run}-alb`;
    const res = await ingest(
      albEvent({
        url: `/v1/inputs/${token}`,
        headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' },
        body: gzipSync(`line one ${marker}\r\nline two ${marker}\r\n`),
      }),
      ctx,
    );
    expect(res.statusCode).toBe(202);
    expect(bodyOf(res)).toMatchObject({ accepted: 2 });
    const envs = await envelopesWith(marker, 2);
    expect(envs.map((e) => e.raw).sort()).toEqual([`line one ${marker}`, `line two ${marker}`]);
  });

  it('refuses an unknown token with 401 and writes nothing', async () => {
    const marker = `m-${run}-badtoken`;
    const res = await ingest(
      apiGatewayV2Event({ url: '/v1/logs', headers: { 'x-api-key': 'slc_this-token-does-not-exist-anywhere' }, body: `hello ${marker}` }),
      ctx,
    );
    expect(res.statusCode).toBe(401);
    expect(bodyOf(res)).toMatchObject({ error: 'invalid_token' });
    // A later accepted request is on the topic; the refused one never is.
    const after = `m-${run}-after-badtoken`;
    await ingest(apiGatewayV2Event({ url: '/v1/logs', headers: { 'x-api-key': token }, body: `ok ${after}` }), ctx);
    await envelopesWith(after, 1);
    expect(await envelopesWith(marker, 1, 3000)).toHaveLength(0);
  });

  it('writes each element of a JSON array as the exact text sent (2^53 + 1, 1.10, 1e400, duplicate keys)', async () => {
    const marker = `m-${run}-exact`;
    const elements = [
      `{"mk":"${marker}","id":9007199254740993}`,
      `{"mk":"${marker}","price":1.10}`,
      `{"mk":"${marker}","huge":1e400}`,
      `{"mk":"${marker}","a":1,"a":2}`,
      `{ "mk" : "${marker}" ,  "spaced" : [ 1 , 2 ] }`,
    ];
    const res = await ingest(
      apiGatewayV2Event({ url: '/v1/logs', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: `[${elements.join(',\n')}]` }),
      ctx,
    );
    expect(res.statusCode).toBe(202);
    const envs = await envelopesWith(marker, 5);
    expect(envs.map((e) => e.raw).sort()).toEqual([...elements].sort());
  });

  it('gives a retried POST with the same Idempotency-Key the same event ids', async () => {
    const marker = `m-${run}-idem`;
    const send = () =>
      ingest(
        apiGatewayV2Event({
          url: '/v1/logs',
          headers: { authorization: `Bearer ${token}`, 'idempotency-key': `key-${run}` },
          body: `first ${marker}\nsecond ${marker}`,
        }),
        ctx,
      );
    expect((await send()).statusCode).toBe(202);
    expect((await send()).statusCode).toBe(202);
    const envs = await envelopesWith(marker, 4);
    expect(envs).toHaveLength(4);
    expect(new Set(envs.map((e) => e.id)).size).toBe(2);
  });
});

describe('the hard ceiling per tenant (DynamoDB counter)', () => {
  // One-day windows, so that no request of a test straddles two windows; the plans below are
  // overridden so that their ceilings stay small.
  beforeAll(() => {
    process.env.SLUICE_CEILING_WINDOW_SECONDS = '86400';
  });
  afterAll(() => {
    delete process.env.SLUICE_CEILING_WINDOW_SECONDS;
  });
  const post = (tok: string, body: string, headers: Record<string, string> = {}) =>
    ingest(apiGatewayV2Event({ url: '/v1/logs', headers: { authorization: `Bearer ${tok}`, 'content-type': 'text/plain', ...headers }, body }), ctx);

  it('a flooding tenant gets 429 past its ceiling, nothing of those requests written, while another tenant gets 202 on every request', async () => {
    // A burst of 100 events (and next to no sustained rate): a ceiling of 10 x 100 = 1,000 events per window.
    const flooder = `flood-${run}`;
    const { token: floodToken } = await new DynamoTenantStore().addTenant(flooder, 'free', { eventsPerSecond: 0.001, eventsBurst: 100 });
    const statuses: number[] = [];
    const refusedMarkers: string[] = [];
    for (let i = 0; i < 16; i++) {
      const mk = `m-${run}-flood-${i}`;
      const res = await post(floodToken, Array.from({ length: 200 }, (_, j) => `${mk} line ${j}`).join('\n'));
      statuses.push(res.statusCode!);
      if (res.statusCode === 429) {
        refusedMarkers.push(mk);
        expect(Number(res.headers?.['retry-after'])).toBeGreaterThan(0);
        expect(Number(res.headers?.['retry-after'])).toBeLessThanOrEqual(86_400);
        expect(bodyOf(res)).toMatchObject({ error: 'rate_limited', reason: 'events_ceiling' });
      } else {
        expect(res.statusCode).toBe(202);
      }
      // The other tenant, in between: never refused.
      const other = await post(token, `m-${run}-bystander-${i} fine`);
      expect(other.statusCode).toBe(202);
    }
    // 16 x 200 = 3,200 events: the window takes exactly its 1,000 (one instance loses no lease here).
    expect(statuses).toEqual([...Array(5).fill(202), ...Array(11).fill(429)]);

    const env = await envelopesWith(`m-${run}-bystander-15`, 1);
    expect(env).toHaveLength(1);
    // Nothing of a refused request is on the topic.
    const all = await envelopesWith(`m-${run}-flood-`, 1_000_000, 5_000);
    const seen = new Set(all.map((e) => e.raw.split(' ')[0]));
    for (const mk of refusedMarkers) expect(seen.has(mk), `${mk} was refused, yet written`).toBe(false);
    expect(all.every((e) => e.tenant === flooder)).toBe(true);
  });

  it('the shippers\' protocols count against the same ceiling: OTLP past it gets 429 with Retry-After, nothing written', async () => {
    const otlpTenant = `otlp-${run}`;
    const { token: otlpToken } = await new DynamoTenantStore().addTenant(otlpTenant, 'free', { eventsPerSecond: 0.001, eventsBurst: 100 });
    const otlp = (mk: string) =>
      JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: Array.from({ length: 300 }, (_, j) => ({ body: { stringValue: `${mk} ${j}` } })) }] }] });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await ingest(
        apiGatewayV2Event({ url: '/v1/logs', headers: { authorization: `Bearer ${otlpToken}`, 'content-type': 'application/json' }, body: otlp(`m-${run}-otlp-${i}`) }),
        ctx,
      );
      statuses.push(res.statusCode!);
      if (res.statusCode === 429) expect(Number(res.headers?.['retry-after'])).toBeGreaterThan(0);
    }
    // 1,000 events per window: three requests of 300, then refused.
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const written = await envelopesWith(`m-${run}-otlp-`, 1_000_000, 5_000);
    expect(written.filter((e) => e.tenant === otlpTenant)).toHaveLength(900);
  });

  it('a request of millions of one-byte events is not taken as millions of events (413, nothing written)', async () => {
    const tiny = `tiny-${run}`;
    const { token: tinyToken } = await new DynamoTenantStore().addTenant(tiny, 'enterprise');
    const mk = `m-${run}-tiny`;
    const res = await post(tinyToken, `${mk}\n` + '1\n'.repeat(3_000_000));
    expect(res.statusCode).toBe(413);
    expect(bodyOf(res)).toMatchObject({ error: 'too_many_events' });
    // Under the cap, tiny events are charged 256 bytes each: 100,000 one-byte events cost 25.6 MB of a
    // 40 MiB window (a free plan's 4 MiB burst x 10; its event ceiling raised out of the way), so the
    // second such request (a 200 KB body) is refused on bytes.
    const small = `small-${run}`;
    const { token: smallToken } = await new DynamoTenantStore().addTenant(small, 'free', { eventsPerSecond: 100_000, eventsBurst: 100_000, bytesPerSecond: 1 });
    const first = await post(smallToken, `${mk}-a\n` + '1\n'.repeat(99_999));
    const second = await post(smallToken, `${mk}-b\n` + '1\n'.repeat(99_999));
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(429);
    expect(bodyOf(second)).toMatchObject({ error: 'rate_limited', reason: 'bytes_ceiling' });
    const written = await envelopesWith(mk, 2, 8_000);
    expect(written.map((e) => e.raw)).toEqual([`${mk}-a`]);
  }, 120_000);

  it('a counter that cannot be used (its table is missing) does not stop ingest: the instance judges its own traffic', async () => {
    const errors: unknown[] = [];
    const l = new CeilingLimiter(new DynamoCeilingCounter(`sluice-no-such-table-${run}`), { onCounterError: (e) => errors.push(e) });
    const ceiling = { windowMs: 86_400_000, events: 100, bytes: 1e9 };
    expect(await l.admit(`alone-${run}`, ceiling, { events: 60, bytes: 600 })).toEqual({ admitted: true, via: 'local' });
    expect(await l.admit(`alone-${run}`, ceiling, { events: 60, bytes: 600 })).toMatchObject({ admitted: false, reason: 'events_ceiling' });
    expect(errors.length).toBeGreaterThan(0);
    expect(String((errors[0] as Error).name)).toMatch(/ResourceNotFound/);
  });

  it('two instances share one counter: together they admit at most the ceiling', async () => {
    const tenant = `shared-${run}`;
    const ceiling = { windowMs: 86_400_000, events: 500, bytes: 1e9 };
    const a = new CeilingLimiter(new DynamoCeilingCounter());
    const b = new CeilingLimiter(new DynamoCeilingCounter());
    let admitted = 0;
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? a : b).admit(tenant, ceiling, { events: 20, bytes: 20 * 256 })),
    );
    for (const r of results) if (r.admitted) admitted += 20;
    expect(admitted).toBeLessThanOrEqual(500);
    expect(admitted).toBeGreaterThanOrEqual(250);
    expect(results.some((r) => !r.admitted && r.reason === 'events_ceiling')).toBe(true);
  });
});

describe('the token cache in front of the real DynamoDB registry', () => {
  it('a flood of unknown tokens does not cost a known tenant a store look-up', async () => {
    // The real adapter, wrapped to count the look-ups that reach DynamoDB Local.
    const store = new DynamoTenantStore();
    const seen: string[] = [];
    const counting: TenantLookup = {
      byTokenHash: (hash: string): Promise<Tenant | undefined> => {
        seen.push(hash);
        return store.byTokenHash(hash);
      },
    };
    const cache = new CachedTenantResolver(counting, 60_000, { maxEntries: 20, maxNegativeEntries: 50 });
    expect((await cache.resolve(token))?.id).toBe(tenantId);
    expect(seen).toHaveLength(1);
    // 600 random tokens (12 times the negative cache): each unknown, each one look-up.
    for (let i = 0; i < 600; i++) expect(await cache.resolve(`slc_flood_${run}_${i}`)).toBeUndefined();
    expect(seen).toHaveLength(601);
    // The known tenant is still answered from the cache.
    for (let i = 0; i < 20; i++) expect((await cache.resolve(token))?.id).toBe(tenantId);
    expect(seen).toHaveLength(601);
    // A repeated unknown token (one of the last 50) is answered from the negative cache.
    expect(await cache.resolve(`slc_flood_${run}_599`)).toBeUndefined();
    expect(seen).toHaveLength(601);
  }, 120_000);
});

describe('ingest with Kafka unreachable (the shared services keep running: this process points at a closed port)', () => {
  const brokers = process.env.KAFKA_BROKERS;
  const kafkaAway = async (): Promise<void> => {
    await resetProducer();
    process.env.KAFKA_BROKERS = '127.0.0.1:1';
  };
  const kafkaBack = async (): Promise<void> => {
    if (brokers === undefined) delete process.env.KAFKA_BROKERS;
    else process.env.KAFKA_BROKERS = brokers;
    await resetProducer();
  };
  afterAll(kafkaBack);

  it('spills to Kinesis and answers 202; drain republishes with the same ids; with the spill failing too it answers 503', async () => {
    const marker = `m-${run}-spill`;
    await kafkaAway();

    const res = await ingest(
      apiGatewayV2Event({ url: '/v1/logs', headers: { authorization: `Bearer ${token}` }, body: `a ${marker}\nb ${marker}\nc ${marker}` }),
      ctx,
    );
    expect(res.statusCode).toBe(202);
    expect(bodyOf(res)).toMatchObject({ accepted: 3 });

    const spilled = await spilledRecords();
    expect(spilled.Records).toHaveLength(3);

    // The spill failing too (a stream that does not exist): 503 with Retry-After, saying nothing is stored.
    const stream = process.env.SPILL_STREAM;
    process.env.SPILL_STREAM = `sluice-spill-missing-${run}`;
    const refused = await ingest(
      apiGatewayV2Event({ url: '/v1/logs', headers: { authorization: `Bearer ${token}` }, body: `lost? ${marker}-503` }),
      ctx,
    ).finally(() => {
      process.env.SPILL_STREAM = stream;
    });
    expect(refused.statusCode).toBe(503);
    expect(refused.headers?.['retry-after']).toMatch(/^\d+$/);
    expect(bodyOf(refused)).toMatchObject({ error: 'unavailable', reason: 'not_stored', stored: 0, events: 1 });
    expect((await spilledRecords()).Records).toHaveLength(3);

    await kafkaBack();
    const out = await drain(spilled);
    expect(out.republished).toBe(3);

    const envs = await envelopesWith(marker, 3, 60_000);
    const spilledIds = await Promise.all(
      spilled.Records.map(async (r) => {
        const data = Buffer.from(r.kinesis.data, 'base64');
        return (JSON.parse(data.subarray(data.indexOf(0x0a) + 1).toString('utf8')) as RawEnvelope).id;
      }),
    );
    expect(envs.map((e) => e.id).sort()).toEqual(spilledIds.sort());
    expect(envs.some((e) => e.raw.includes(`${marker}-503`))).toBe(false);
  }, 240_000);
});

describe('the 503 contract, against the real Kafka', () => {
  it('a later batch reaching neither Kafka nor the spill: 503 says the first events were stored; the retry with the same Idempotency-Key writes the same ids', async () => {
    // A topic that refuses record batches over 4 KB: the first batch (two small events) is taken, the
    // second (one 60 KB incompressible event) is refused by the broker, and the spill stream does not exist.
    const topic = `test.ingest.small.${run}`;
    await ensureTopics([{ name: topic, partitions: 1, configs: { 'max.message.bytes': '4096' } }]);
    const marker = `m-${run}-partial`;
    const big = `${marker} big ${randomBytes(45_000).toString('base64')}`;
    const request = () =>
      parseIngest(
        normalizeRequest(
          apiGatewayV2Event({
            url: '/v1/logs',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain', 'idempotency-key': `partial-${run}` },
            body: `${marker} one\n${marker} two\n${big}`,
          }),
        ),
        { tenant: tenantId, receivedAt: new Date() },
      );
    const stream = process.env.SPILL_STREAM;
    process.env.SPILL_STREAM = `sluice-spill-missing-${run}`;
    let failure: IngestError | undefined;
    try {
      await deliverInBatches(request(), topic, deliver, { maxRecords: 2, isDeliveryFailure: (e) => e instanceof DeliveryFailedError });
    } catch (e) {
      failure = e as IngestError;
    } finally {
      process.env.SPILL_STREAM = stream;
    }
    expect(failure?.status).toBe(503);
    expect(failure?.toBody()).toMatchObject({ error: 'unavailable', reason: 'partly_stored', stored: 2, events: 3 });
    const firstIds = (await readTopic(topic, (r) => r.length >= 2, 20_000)).map((r) => (JSON.parse(r.value.toString()) as RawEnvelope).id);
    expect(firstIds).toHaveLength(2);

    // The broker takes large batches again; the client retries as told, with the same key.
    await ensureTopics([{ name: topic, partitions: 1, configs: { 'max.message.bytes': '1048588' } }]);
    await deliverInBatches(request(), topic, deliver, { maxRecords: 2, isDeliveryFailure: (e) => e instanceof DeliveryFailedError });
    const all = (await readTopic(topic, (r) => r.length >= 5, 20_000)).map((r) => JSON.parse(r.value.toString()) as RawEnvelope);
    expect(all).toHaveLength(5);
    // Five records, three ids: the two stored before the 503 came again with their ids (indexed once by _id).
    expect(all.slice(2, 4).map((e) => e.id)).toEqual(firstIds);
    expect(new Set(all.map((e) => e.id)).size).toBe(3);
    expect(all[4]!.raw).toBe(big);
  }, 120_000);
});
