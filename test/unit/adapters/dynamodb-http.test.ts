/**
 * The small DynamoDB client (shared/adapters/dynamodb-http.ts): attribute values as the document
 * client marshals them, the wire request (target, SigV4 for service dynamodb), DynamoDB's error types
 * mapped by name, and which answers are retried. The server is a loopback double answering in
 * DynamoDB's JSON protocol; the real DynamoDB Local is in test/integration/ingest.test.ts.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as config from '../../../shared/config.ts';
import { call, getItem, isConditionFailed, marshallItem, resetDynamoHttp, unmarshallItem, updateItem, type DynamoDbError } from '../../../shared/adapters/dynamodb-http.ts';

type Answer = { status: number; body: unknown };
let answers: Answer[] = [];
const seen: Array<{ headers: IncomingMessage['headers']; body: Record<string, unknown> }> = [];
let server: Server;

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: JSON.parse(data) as Record<string, unknown> });
      const a = answers.shift() ?? { status: 200, body: {} };
      res.writeHead(a.status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  config.overrideSettings({ SLUICE_STAGE: 'local', DYNAMODB_ENDPOINT: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
  resetDynamoHttp();
});
afterEach(() => {
  answers = [];
  seen.length = 0;
});
afterAll(async () => {
  config.overrideSettings({ SLUICE_STAGE: undefined, DYNAMODB_ENDPOINT: undefined, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined });
  resetDynamoHttp();
  await new Promise((r) => server.close(r));
});

const failure = (type: string, extra: object = {}): Answer => ({ status: 400, body: { __type: `com.amazonaws.dynamodb.v20120810#${type}`, message: 'no', ...extra } });

describe('attribute values', () => {
  it('marshals as the document client does (undefined removed) and back', () => {
    const item = { pk: 'TENANT#a', n: 12.5, ok: true, none: null, gone: undefined, list: ['x', 3], m: { deep: { s: 'y' } } };
    const wire = marshallItem(item);
    expect(wire).toEqual({
      pk: { S: 'TENANT#a' }, n: { N: '12.5' }, ok: { BOOL: true }, none: { NULL: true },
      list: { L: [{ S: 'x' }, { N: '3' }] }, m: { M: { deep: { M: { s: { S: 'y' } } } } },
    });
    const { gone: _, ...kept } = item;
    expect(unmarshallItem(wire)).toEqual(kept);
  });

  it('refuses numbers DynamoDB cannot store', () => {
    expect(() => marshallItem({ n: Number.NaN })).toThrow(/cannot store the number NaN/);
  });
});

describe('requests and answers', () => {
  it('sends the operation as X-Amz-Target, signed for dynamodb, and unmarshals the item', async () => {
    answers = [{ status: 200, body: { Item: { pk: { S: 'TOKEN#h' }, tenant: { S: 'acme' } } } }];
    expect(await getItem('t', { pk: 'TOKEN#h' })).toEqual({ pk: 'TOKEN#h', tenant: 'acme' });
    const [req] = seen;
    expect(req!.headers['x-amz-target']).toBe('DynamoDB_20120810.GetItem');
    expect(req!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=sluice\/\d{8}\/[\w-]+\/dynamodb\/aws4_request, SignedHeaders=.*x-amz-target/);
    expect(req!.body).toEqual({ TableName: 't', Key: { pk: { S: 'TOKEN#h' } }, ConsistentRead: false });
  });

  it('maps a failed condition to ConditionalCheckFailedException with the item as found, and does not retry it', async () => {
    answers = [failure('ConditionalCheckFailedException', { Item: { ev: { N: '7' } } })];
    const err = (await updateItem('t', { pk: 'k' }, 'ADD ev :e', { values: { ':e': 1 }, returnOnConditionFailure: 'ALL_OLD' }).catch((e) => e)) as DynamoDbError;
    expect(isConditionFailed(err)).toBe(true);
    expect(err.item).toEqual({ ev: 7 });
    expect(err.status).toBe(400);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.body).toMatchObject({ UpdateExpression: 'ADD ev :e', ExpressionAttributeValues: { ':e': { N: '1' } }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' });
  });

  it('retries throttling and 5xx, at most three attempts in all', async () => {
    answers = [failure('ProvisionedThroughputExceededException'), { status: 500, body: {} }, { status: 200, body: { ok: 1 } }];
    expect(await call('DescribeTable', {})).toEqual({ ok: 1 });
    expect(seen).toHaveLength(3);
    answers = [failure('ThrottlingException'), failure('ThrottlingException'), failure('ThrottlingException'), { status: 200, body: {} }];
    await expect(call('DescribeTable', {})).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(seen).toHaveLength(6);
  });

  it('does not retry a client error', async () => {
    answers = [failure('ValidationException'), { status: 200, body: {} }];
    await expect(call('GetItem', {})).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/GetItem: ValidationException/) });
    expect(seen).toHaveLength(1);
  });
});

describe('credentials off the local stage', () => {
  it("uses the Lambda role's from the environment, and says which variable is missing", () => {
    config.overrideSettings({ SLUICE_STAGE: 'prod', AWS_ACCESS_KEY_ID: 'AKID', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'tok' });
    expect(config.awsCredentials()).toEqual({ accessKeyId: 'AKID', secretAccessKey: 'secret', sessionToken: 'tok' });
    config.overrideSettings({ AWS_ACCESS_KEY_ID: '' });
    expect(() => config.awsCredentials()).toThrow(/AWS_ACCESS_KEY_ID/);
    config.overrideSettings({ SLUICE_STAGE: 'local', AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined });
  });
});
