/**
 * Creates what the pipeline needs on the local services, idempotently: the Kafka topics, the
 * DynamoDB tables, the archive bucket, the Kinesis spill stream and the OpenSearch index templates.
 * On AWS, serverless.yml creates the same things; its `setup` custom resource creates the topics and
 * installs the index templates (shared/setup.ts, shared by both).
 */
import { CreateTableCommand, DescribeTableCommand, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { CreateStreamCommand, DescribeStreamSummaryCommand, ResourceInUseException as StreamInUse } from '@aws-sdk/client-kinesis';
import * as config from '../shared/config.ts';
import { ensureIndexTemplates, ensureKafkaTopics } from '../shared/setup.ts';
import { getDynamo } from '../shared/adapters/dynamodb.ts';
import { getS3 } from '../shared/adapters/s3.ts';
import { getKinesis } from '../shared/adapters/kinesis.ts';

export { ensureIndexTemplates, ensureKafkaTopics };

async function ensureTable(name: string): Promise<void> {
  const ddb = getDynamo();
  try {
    await ddb.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  await ddb.send(new DescribeTableCommand({ TableName: name }));
}

export async function ensureTables(): Promise<void> {
  const d = config.dynamodb();
  await ensureTable(d.tenantsTable);
  await ensureTable(d.budgetTable);
}

export async function ensureBucket(bucket = config.s3().archiveBucket): Promise<void> {
  const s3 = getS3();
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  }
}

export async function ensureSpillStream(name = config.kinesis().spillStream): Promise<void> {
  const k = getKinesis();
  try {
    await k.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
  } catch (err) {
    if (!(err instanceof StreamInUse)) throw err;
  }
  for (let i = 0; i < 100; i++) {
    const out = await k.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (out.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Kinesis stream ${name} did not become ACTIVE`);
}

export async function bootstrap(): Promise<void> {
  await Promise.all([ensureKafkaTopics(), ensureTables(), ensureBucket(), ensureSpillStream(), ensureIndexTemplates()]);
}
