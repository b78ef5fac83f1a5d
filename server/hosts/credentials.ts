import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Random letters and digits only: ids are typed as command arguments, and a base64url id that
 * starts with `-` reads as an option (`launchpad token revoke -v25…` failed that way).
 */
function alphanumericId(length: number): string {
  // 248 is the largest multiple of 62 below 256: rejecting bytes above it keeps the choice uniform.
  let out = '';
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b < 248 && out.length < length) out += ID_ALPHABET[b % 62];
    }
  }
  return out;
}

/** A join token id: 12 letters and digits (about 71 random bits), public and listed. */
export function newTokenId(): string {
  return alphanumericId(12);
}

/** A host id: `h_` + 10 letters and digits; short enough to type in `launchpad host remove`. */
export function newHostId(): string {
  return `h_${alphanumericId(10)}`;
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
