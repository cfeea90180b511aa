/**
 * The official OpenSearch client, signed with SigV4 on AWS (Amazon OpenSearch Service), plain HTTP
 * against the local node: for the CLI and the tests. The Lambdas use the small client of
 * ./opensearch-http.ts instead (their cold start; see there).
 */
import { Client } from '@opensearch-project/opensearch';
import * as config from '../config.ts';
import { onClose } from './lifecycle.ts';

let client: Client | undefined;

export async function getOpenSearch(): Promise<Client> {
  if (client) return client;
  const cfg = config.opensearch();
  if (cfg.auth === 'sigv4') {
    const [{ AwsSigv4Signer }, { defaultProvider }] = await Promise.all([
      import('@opensearch-project/opensearch/aws-v3'),
      import('@aws-sdk/credential-provider-node'),
    ]);
    client = new Client({
      ...AwsSigv4Signer({ region: config.region(), service: 'es', getCredentials: defaultProvider() }),
      node: cfg.url,
    });
  } else {
    client = new Client({ node: cfg.url });
  }
  const c = client;
  onClose(async () => {
    if (client === c) client = undefined;
    await c.close();
  });
  return client;
}

/** For tests that point the adapter at another node. */
export function resetOpenSearch(): void {
  client = undefined;
}
