import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A join token id: 12 base64url characters (72 random bits), public and listed. */
export function newTokenId(): string {
  return randomBytes(9).toString('base64url');
}

/** A host id: `h_` + 10 base64url characters; short enough to type in `launchpad host remove`. */
export function newHostId(): string {
  return `h_${randomBytes(8).toString('base64url').slice(0, 10)}`;
}

/** How token secrets and host credentials are stored: hex sha256 (they are 256-bit random, so no salt or stretching is needed). */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of a presented secret with a stored hashSecret(). */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSecret(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
