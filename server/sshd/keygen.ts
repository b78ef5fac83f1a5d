import { createPublicKey, generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';

/**
 * ed25519 keys in OpenSSH's formats, made with node:crypto. Not ssh2's generateKeyPairSync: it
 * encodes the public key like an integer and drops a leading zero byte, so about one key in 256
 * comes out 31 bytes long and parses nowhere (a hub whose fresh host key was one of them would not
 * start).
 *
 * The raw key bytes are read from DER, never from `export({ format: 'jwk' })`: Node 20 holds the
 * key's mutex while it builds the JWK's strings, and a garbage collection in that moment can run
 * the destructor of the key-generation job that made the key, which takes the same mutex. The
 * process then hangs for good, within a few thousand keys made in a row (seen in CI).
 */
export interface SshKeyPair {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----…` (unencrypted). */
  privateKey: string;
  /** `ssh-ed25519 AAAA… [comment]` */
  publicKey: string;
}

/** PKCS#8 DER prefix of an ed25519 private key; the 32-byte seed follows it. */
export const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** SubjectPublicKeyInfo DER prefix of an ed25519 public key; the 32-byte key follows it. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** A fresh ed25519 key pair. */
export function generateSshKeyPair(comment: string): SshKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: openSshPrivateKey(privateKey, comment),
    publicKey: openSshPublicKey(publicKey, comment),
  };
}

/** The 32 bytes after `prefix` in a DER encoding that must start with it. */
function afterPrefix(der: Buffer, prefix: Buffer, what: string): Buffer {
  if (der.length !== prefix.length + 32 || !der.subarray(0, prefix.length).equals(prefix)) {
    throw new Error(`not an ed25519 ${what} key`);
  }
  return der.subarray(prefix.length);
}

function rawPublicKey(publicKey: KeyObject): Buffer {
  return afterPrefix(publicKey.export({ type: 'spki', format: 'der' }), ED25519_SPKI_PREFIX, 'public');
}

/** `ssh-ed25519 AAAA…`: the OpenSSH public key line of an ed25519 KeyObject. */
export function openSshPublicKey(publicKey: KeyObject, comment?: string): string {
  const pub = rawPublicKey(publicKey);
  const type = Buffer.from('ssh-ed25519');
  const blob = Buffer.concat([u32(type.length), type, u32(pub.length), pub]);
  return `ssh-ed25519 ${blob.toString('base64')}${comment ? ` ${comment}` : ''}`;
}

/**
 * The OpenSSH private key file (`-----BEGIN OPENSSH PRIVATE KEY-----`, unencrypted) of an ed25519
 * key: the one format both ssh2's client and OpenSSH's `ssh -i` read (ssh2 cannot read PKCS#8).
 */
export function openSshPrivateKey(privateKey: KeyObject, comment = ''): string {
  const seed = afterPrefix(
    privateKey.export({ type: 'pkcs8', format: 'der' }),
    ED25519_PKCS8_PREFIX,
    'private',
  );
  const pub = rawPublicKey(createPublicKey(privateKey));
  const str = (b: Buffer | string) => {
    const buf = Buffer.isBuffer(b) ? b : Buffer.from(b);
    return Buffer.concat([u32(buf.length), buf]);
  };
  const publicBlob = Buffer.concat([str('ssh-ed25519'), str(pub)]);
  const check = u32(randomBytes(4).readUInt32BE());
  let priv = Buffer.concat([
    check,
    check,
    str('ssh-ed25519'),
    str(pub),
    str(Buffer.concat([seed, pub])),
    str(comment),
  ]);
  const pad = (8 - (priv.length % 8)) % 8;
  priv = Buffer.concat([priv, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    str('none'),
    str('none'),
    str(''),
    u32(1),
    str(publicBlob),
    str(priv),
  ]).toString('base64');
  const lines = body.match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}
