/**
 * The AWS SDK's default credential chain as Lambda needs it (deploy/esbuild.cjs puts this in place of
 * @aws-sdk/credential-provider-node in the bundles). Lambda hands a function its role's credentials in
 * environment variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN); a container
 * runtime gives a credentials URI instead. The full chain also bundles profile files, SSO, web
 * identity and process providers with three nested STS/SSO clients (about 100 KB of every bundle),
 * none of which can apply in Lambda. Locally the clients get explicit credentials (config.ts).
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromContainerMetadata } from '@smithy/credential-provider-imds';

const REFRESH_MS = 5 * 60_000;

export const credentialsTreatedAsExpired = (c) => c?.expiration !== undefined && c.expiration.getTime() - Date.now() < REFRESH_MS;
export const credentialsWillNeedRefresh = (c) => c?.expiration !== undefined;

export function defaultProvider(init = {}) {
  const env = fromEnv(init);
  const container = fromContainerMetadata(init);
  const load = async () => {
    try {
      return await env();
    } catch (err) {
      if (process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI || process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) return container();
      throw err;
    }
  };
  let pending;
  return async (opts = {}) => {
    if (!pending || opts.forceRefresh) pending = load();
    let creds;
    try {
      creds = await pending;
    } catch (err) {
      pending = undefined;
      throw err;
    }
    if (credentialsTreatedAsExpired(creds)) {
      pending = load();
      creds = await pending;
    }
    return creds;
  };
}

/** @aws-sdk/credential-providers' name for the same chain (the MSK IAM signer asks for it). */
export const fromNodeProviderChain = defaultProvider;
