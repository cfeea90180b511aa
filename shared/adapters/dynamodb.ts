/** DynamoDB adapter: a document client over the regional endpoint, or DynamoDB Local. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as config from '../config.ts';
import { onClose } from './lifecycle.ts';

let client: DynamoDBDocumentClient | undefined;

export function getDynamo(): DynamoDBDocumentClient {
  if (!client) {
    const { endpoint } = config.dynamodb();
    const credentials = config.localCredentials();
    const raw = new DynamoDBClient({
      region: config.region(),
      ...(endpoint ? { endpoint } : {}),
      ...(credentials ? { credentials } : {}),
    });
    client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    const c = client;
    onClose(() => {
      if (client === c) client = undefined;
      c.destroy();
      raw.destroy();
    });
  }
  return client;
}
