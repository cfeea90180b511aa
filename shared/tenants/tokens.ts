/**
 * Ingest tokens. A token is shown to the tenant once, when it is issued; Sluice stores only its
 * SHA-256 hash. Tokens are 32 random bytes (256 bits), so a fast unsalted hash is safe: there is
 * nothing to brute-force, and a fast hash keeps the look-up on the ingest path cheap.
 */
import { createHash, randomBytes } from 'node:crypto';

const PREFIX = 'slc_';

export function generateToken(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
