/**
 * Tenant ids appear in index names, aliases, routing keys, S3 keys and Kafka keys, so they are
 * restricted to what is safe in all of them: 2–40 characters of lower-case letters, digits and
 * single hyphens, starting with a letter and not ending with a hyphen. Validated at every boundary.
 */
const TENANT_ID = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9])){1,39}$/;

export function isTenantId(value: unknown): value is string {
  return typeof value === 'string' && TENANT_ID.test(value);
}

export class InvalidTenantIdError extends Error {
  override readonly name = 'InvalidTenantIdError';
}

/** Returns the id unchanged, or throws with a message that says what a valid id looks like. */
export function assertTenantId(value: unknown): string {
  if (isTenantId(value)) return value;
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 60)) : typeof value;
  throw new InvalidTenantIdError(
    `Invalid tenant id ${shown}: use 2-40 lower-case letters, digits and single hyphens, starting with a letter (e.g. "acme-prod").`,
  );
}
