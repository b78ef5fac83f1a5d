import { createPrivateKey, createPublicKey, hkdfSync, type KeyObject } from 'node:crypto';
import { ED25519_PKCS8_PREFIX } from '../sshd/index.js';

/** Fixed HKDF context: the same token always yields the same key, and no other use of the secret does. */
const PAIRING_KEY_INFO = 'launchpad pairing key v1';

/**
 * The ed25519 key a host uses to join over SSH (`--via ssh`), derived from the join token's
 * secret with HKDF-SHA256 (salt: the token id). The hub derives the same key when it makes the
 * token and registers its public half with the pairing role, so the secret itself never crosses
 * the wire.
 */
export function derivePairingKey(
  tokenId: string,
  secret: string,
): { privateKey: KeyObject; publicKey: KeyObject } {
  const seed = Buffer.from(
    hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.from(tokenId, 'utf8'), PAIRING_KEY_INFO, 32),
  );
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}
