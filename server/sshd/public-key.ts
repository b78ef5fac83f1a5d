import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';

/** An OpenSSH public key line, parsed and checked. */
export interface PublicKeyInfo {
  /** The key type named inside the blob, e.g. 'ssh-ed25519'. */
  type: string;
  /** The wire-format key blob (what a client sends in a publickey auth request). */
  blob: Buffer;
  /** OpenSSH's `SHA256:<unpadded base64>` fingerprint of the blob. */
  fingerprint: string;
  /** `<type> <base64>`, without the comment: the canonical form stored in the db. */
  line: string;
}

/** The longest key line accepted: an RSA-16384 key is ~2.8 kB; anything far above is not a key. */
const MAX_LINE_LENGTH = 16_384;

/** OpenSSH's fingerprint of a key blob: `SHA256:` + unpadded base64 of its SHA-256. */
export function fingerprintOfBlob(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/**
 * Parses `ssh-ed25519 AAAA… [comment]` (one line, as in authorized_keys without options) and
 * checks that the blob really is a public key of the named type. Throws a plain message on any
 * problem, without echoing the input (it may be a pasted private key).
 */
export function parsePublicKeyLine(line: string): PublicKeyInfo {
  if (typeof line !== 'string' || line.length > MAX_LINE_LENGTH) {
    throw new Error('Not an OpenSSH public key line');
  }
  const parts = line.trim().split(/\s+/);
  const [type, b64] = parts;
  if (!type || !b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) {
    throw new Error('Not an OpenSSH public key line ("<type> <base64> [comment]")');
  }
  const parsed = ssh2.utils.parseKey(`${type} ${b64}`);
  if (parsed instanceof Error || Array.isArray(parsed) || parsed.isPrivateKey()) {
    throw new Error('Not an OpenSSH public key line: the key data does not parse');
  }
  // parseKey trusts the blob's own type; a line claiming another type is malformed.
  if (parsed.type !== type)
    throw new Error(`Key type mismatch: the line says ${type}, the key is ${parsed.type}`);
  const blob = parsed.getPublicSSH();
  return { type, blob, fingerprint: fingerprintOfBlob(blob), line: `${type} ${blob.toString('base64')}` };
}

/** The `SHA256:…` fingerprint of an OpenSSH public key line (throws if it is not one). */
export function fingerprintOfPublicKey(openSshLine: string): string {
  return parsePublicKeyLine(openSshLine).fingerprint;
}
