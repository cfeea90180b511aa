// Each local service really answers, through the same clients the pipeline uses.
import { CreateTableCommand, DeleteTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, DeleteStreamCommand, DescribeStreamCommand, GetRecordsCommand, GetShardIteratorCommand, KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Client as OpenSearchClient } from '@opensearch-project/opensearch';
import { Admin } from '@platformatic/kafka';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { isUp, start, stop, status } from '../../local/services/index.ts';

const e = inject('sluiceEndpoints');
const suffix = randomUUID().slice(0, 8);

async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = new Admin({ clientId: `services-test-${suffix}`, bootstrapBrokers: e.kafka.brokers });
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

async function kafkaRoundTrip(topic: string): Promise<void> {
  await withAdmin(async (admin) => {
    await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 });
    // topic metadata propagates asynchronously; poll briefly
    for (let i = 0; i < 50 && !(await admin.listTopics()).includes(topic); i++) await new Promise((r) => setTimeout(r, 100));
    expect(await admin.listTopics()).toContain(topic);
    await admin.deleteTopics({ topics: [topic] });
  });
}

describe('local services', () => {
  it('status() reports every service up', async () => {
    const all = await status();
    expect(all.map((s) => [s.name, s.up])).toEqual([
      ['kafka', true],
      ['opensearch', true],
      ['s3', true],
      ['dynamodb', true],
      ['kinesis', true],
    ]);
  });

  it('kafka: creates, lists and deletes a topic', async () => {
    await kafkaRoundTrip(`services-test-${suffix}`);
  });

  it('opensearch: cluster health is green or yellow, and a document round-trips', async () => {
    const client = new OpenSearchClient({ node: e.opensearch.url });
    const health = await client.cluster.health({});
    expect(['green', 'yellow']).toContain(health.body.status);
    const index = `services-test-${suffix}`;
    await client.index({ index, id: '1', body: { msg: 'hello' }, refresh: true });
    const got = await client.get({ index, id: '1' });
    expect(got.body._source).toEqual({ msg: 'hello' });
    await client.indices.delete({ index });
    await client.close();
  });

  it('s3 (MinIO): creates a bucket, puts and gets an object', async () => {
    const s3 = new S3Client({
      endpoint: e.s3.endpoint,
      region: e.s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: e.s3.accessKeyId, secretAccessKey: e.s3.secretAccessKey },
    });
    const Bucket = `services-test-${suffix}`;
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'a/b.txt', Body: 'hello s3' }));
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'a/b.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello s3');
    await s3.send(new DeleteObjectCommand({ Bucket, Key: 'a/b.txt' }));
    await s3.send(new DeleteBucketCommand({ Bucket }));
    s3.destroy();
  });

  it('dynamodb (DynamoDB Local): creates and describes a table', async () => {
    const ddb = new DynamoDBClient({
      endpoint: e.dynamodb.endpoint,
      region: e.dynamodb.region,
      credentials: { accessKeyId: e.dynamodb.accessKeyId, secretAccessKey: e.dynamodb.secretAccessKey },
    });
    const TableName = `services-test-${suffix}`;
    await ddb.send(
      new CreateTableCommand({
        TableName,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const d = await ddb.send(new DescribeTableCommand({ TableName }));
    expect(d.Table?.TableStatus).toBe('ACTIVE');
    await ddb.send(new DeleteTableCommand({ TableName }));
    ddb.destroy();
  });

  it('kinesis (kinesalite): creates a stream, puts and gets a record', async () => {
    const kinesis = new KinesisClient({
      endpoint: e.kinesis.endpoint,
      region: e.kinesis.region,
      credentials: { accessKeyId: e.kinesis.accessKeyId, secretAccessKey: e.kinesis.secretAccessKey },
      requestHandler: new NodeHttpHandler(), // kinesalite speaks HTTP/1.1 only
    });
    const StreamName = `services-test-${suffix}`;
    await kinesis.send(new CreateStreamCommand({ StreamName, ShardCount: 1 }));
    let desc = await kinesis.send(new DescribeStreamCommand({ StreamName }));
    for (let i = 0; i < 100 && desc.StreamDescription?.StreamStatus !== 'ACTIVE'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      desc = await kinesis.send(new DescribeStreamCommand({ StreamName }));
    }
    expect(desc.StreamDescription?.StreamStatus).toBe('ACTIVE');
    const put = await kinesis.send(new PutRecordCommand({ StreamName, PartitionKey: 'k', Data: new TextEncoder().encode('hello kinesis') }));
    const it = await kinesis.send(
      new GetShardIteratorCommand({ StreamName, ShardId: put.ShardId ?? '', ShardIteratorType: 'AT_SEQUENCE_NUMBER', StartingSequenceNumber: put.SequenceNumber }),
    );
    const recs = await kinesis.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
    expect(new TextDecoder().decode(recs.Records?.[0]?.Data)).toBe('hello kinesis');
    await kinesis.send(new DeleteStreamCommand({ StreamName }));
    kinesis.destroy();
  });

  it('kafka: keeps working after stop() and start() (data kept)', async () => {
    const before = (await status(['kafka']))[0];
    if (before?.owner !== 'ours') {
      // a Kafka we did not start is not ours to stop
      expect(await isUp('kafka')).toBe(true);
      return;
    }
    const topic = `services-restart-${suffix}`;
    await withAdmin((admin) => admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 }));
    expect(await stop('kafka')).toBe(true);
    expect(await isUp('kafka')).toBe(false);
    expect(await start('kafka')).toBe('started');
    expect(await isUp('kafka')).toBe(true);
    await withAdmin(async (admin) => {
      expect(await admin.listTopics()).toContain(topic); // survived the restart
      await admin.deleteTopics({ topics: [topic] });
    });
    await kafkaRoundTrip(`services-after-restart-${suffix}`);
  });
});
