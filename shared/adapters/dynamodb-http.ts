/**
 * A small DynamoDB client for the functions whose cold start tenants pay (ingest first): the
 * JSON-over-HTTPS protocol (`X-Amz-Target: DynamoDB_20120810.<Operation>`) signed with SigV4
 * (./signed-fetch.ts), instead of the AWS SDK's DynamoDB client stack (about 250 KiB of bundled code,
 * most of ingest's bundle). It speaks only the few operations the adapters call, in DynamoDB's own
 * request shapes, with plain JavaScript values marshalled to and from attribute values.
 *
 * What it gives up against the SDK, and what stands in:
 * - Retries: the SDK's adaptive retry. Here: at most two more attempts, with jittered exponential
 *   backoff (25 ms, 50 ms), for throttling (ProvisionedThroughputExceededException,
 *   ThrottlingException, RequestLimitExceeded), 5xx and network errors; never after the caller's
 *   abort signal fired.
 * - Error types: the SDK's exception classes. Here one `DynamoDbError` whose `name` is DynamoDB's
 *   error type (`ConditionalCheckFailedException`, ...), with `status` and, for a failed condition
 *   with ReturnValuesOnConditionCheckFailure, the `item` as found (unmarshalled).
 * - Credentials: the SDK's provider chain. Here config.awsCredentials(): the local services'
 *   fixed ones, else the function role's from the Lambda environment.
 */
import { resetSigners, signer, withRetries } from './signed-fetch.ts';
import * as config from '../config.ts';

type AttributeValue =
  | { S: string } | { N: string } | { BOOL: boolean } | { NULL: true } | { B: string }
  | { M: Record<string, AttributeValue> } | { L: AttributeValue[] }
  | { SS: string[] } | { NS: string[] } | { BS: string[] };
export type Item = Record<string, unknown>;

/** An error DynamoDB answered (`name` is its type, e.g. `ConditionalCheckFailedException`), or a failed request. */
export class DynamoDbError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly status: number,
    /** With ReturnValuesOnConditionCheckFailure: ALL_OLD, the item as it was (unmarshalled). */
    readonly item?: Item,
  ) {
    super(message);
  }
}

export const isConditionFailed = (err: unknown): err is DynamoDbError =>
  err instanceof DynamoDbError && err.name === 'ConditionalCheckFailedException';

const THROTTLED = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'InternalServerError', 'ServiceUnavailable']);
const endpoint = (): string => config.dynamodb().endpoint ?? `https://dynamodb.${config.region()}.amazonaws.com`;

/** Calls one DynamoDB operation with a request in DynamoDB's shape (attribute values already marshalled). */
export async function call<T = Record<string, unknown>>(operation: string, request: object, signal?: AbortSignal): Promise<T> {
  const body = JSON.stringify(request);
  return withRetries(async () => {
    const res = await (await signer('dynamodb')).fetch(endpoint(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${operation}` },
      body,
      signal,
    });
    const text = await res.text();
    const out = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!res.ok) throw toError(operation, res.status, out);
    return out as T;
  }, transient, signal);
}

/** Throttling and 5xx answers (network failures: withRetries); not a client error. */
const transient = (err: unknown): boolean => err instanceof DynamoDbError && (err.status >= 500 || THROTTLED.has(err.name));

function toError(operation: string, status: number, out: Record<string, unknown>): DynamoDbError {
  const type = String(out.__type ?? `HTTP${status}`);
  const name = type.slice(type.lastIndexOf('#') + 1);
  const message = String(out.message ?? out.Message ?? `DynamoDB ${operation} answered ${status}`);
  const item = out.Item ? unmarshallItem(out.Item as Record<string, AttributeValue>) : undefined;
  return new DynamoDbError(name, `DynamoDB ${operation}: ${name}: ${message}`, status, item);
}

// --- attribute values (as the document client does, with removeUndefinedValues) ---------------------

export function marshall(value: unknown): AttributeValue | undefined {
  if (value === undefined) return undefined;
  if (value === null) return { NULL: true };
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`DynamoDB cannot store the number ${value}`);
    return { N: String(value) };
  }
  if (typeof value === 'bigint') return { N: value.toString() };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value instanceof Uint8Array) return { B: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return { L: value.map((v) => marshall(v) ?? { NULL: true }) };
  if (value instanceof Set) throw new TypeError('Sets are not supported by shared/adapters/dynamodb-http.ts: store an array');
  if (typeof value === 'object') return { M: marshallItem(value as Item) };
  throw new TypeError(`DynamoDB cannot store a ${typeof value}`);
}

export function marshallItem(item: Item): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(item)) {
    const a = marshall(v);
    if (a) out[k] = a;
  }
  return out;
}

export function unmarshall(a: AttributeValue): unknown {
  if ('S' in a) return a.S;
  if ('N' in a) return Number(a.N);
  if ('BOOL' in a) return a.BOOL;
  if ('NULL' in a) return null;
  if ('B' in a) return new Uint8Array(Buffer.from(a.B, 'base64'));
  if ('M' in a) return unmarshallItem(a.M);
  if ('L' in a) return a.L.map(unmarshall);
  if ('SS' in a) return new Set(a.SS);
  if ('NS' in a) return new Set(a.NS.map(Number));
  if ('BS' in a) return new Set(a.BS.map((b) => new Uint8Array(Buffer.from(b, 'base64'))));
  throw new TypeError(`Unknown DynamoDB attribute value ${JSON.stringify(a)}`);
}

export function unmarshallItem(item: Record<string, AttributeValue>): Item {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) out[k] = unmarshall(v);
  return out;
}

/** Marshals every value of an ExpressionAttributeValues / Key / Item map. */
const values = (m: Item | undefined) => (m ? marshallItem(m) : undefined);

// --- the operations the adapters call, with plain values in and out ----------------------------------

export async function getItem(table: string, key: Item, opts: { consistent?: boolean; signal?: AbortSignal } = {}): Promise<Item | undefined> {
  const out = await call<{ Item?: Record<string, AttributeValue> }>('GetItem', { TableName: table, Key: values(key), ConsistentRead: opts.consistent ?? false }, opts.signal);
  return out.Item ? unmarshallItem(out.Item) : undefined;
}

export interface WriteOptions {
  condition?: string;
  names?: Record<string, string>;
  values?: Item;
  returnValues?: 'NONE' | 'ALL_OLD' | 'UPDATED_OLD' | 'ALL_NEW' | 'UPDATED_NEW';
  /** ALL_OLD: a failed condition's DynamoDbError carries the item as found. */
  returnOnConditionFailure?: 'ALL_OLD' | 'NONE';
  signal?: AbortSignal;
}

function writeRequest(table: string, o: WriteOptions) {
  return {
    TableName: table,
    ...(o.condition ? { ConditionExpression: o.condition } : {}),
    ...(o.names ? { ExpressionAttributeNames: o.names } : {}),
    ...(o.values ? { ExpressionAttributeValues: values(o.values) } : {}),
    ...(o.returnValues ? { ReturnValues: o.returnValues } : {}),
    ...(o.returnOnConditionFailure ? { ReturnValuesOnConditionCheckFailure: o.returnOnConditionFailure } : {}),
  };
}

export async function putItem(table: string, item: Item, o: WriteOptions = {}): Promise<Item | undefined> {
  const out = await call<{ Attributes?: Record<string, AttributeValue> }>('PutItem', { ...writeRequest(table, o), Item: values(item) }, o.signal);
  return out.Attributes ? unmarshallItem(out.Attributes) : undefined;
}

export async function updateItem(table: string, key: Item, update: string, o: WriteOptions = {}): Promise<Item | undefined> {
  const out = await call<{ Attributes?: Record<string, AttributeValue> }>('UpdateItem', { ...writeRequest(table, o), Key: values(key), UpdateExpression: update }, o.signal);
  return out.Attributes ? unmarshallItem(out.Attributes) : undefined;
}

/** One page of a Scan; `start` is the previous page's `next`. */
export async function scanPage(table: string, start?: Item): Promise<{ items: Item[]; next?: Item }> {
  const out = await call<{ Items?: Array<Record<string, AttributeValue>>; LastEvaluatedKey?: Record<string, AttributeValue> }>('Scan', { TableName: table, ...(start ? { ExclusiveStartKey: values(start) } : {}) });
  return { items: (out.Items ?? []).map(unmarshallItem), ...(out.LastEvaluatedKey ? { next: unmarshallItem(out.LastEvaluatedKey) } : {}) };
}

/** Forgets the signer (its credentials), e.g. after a test changed the environment. */
export const resetDynamoHttp = resetSigners;
