import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { ensurePrivateDir, writePrivateFile } from '../fs/private.js';
import { generateSshKeyPair } from './keygen.js';
import { parsePublicKeyLine } from './public-key.js';

/** The hub's SSH host key. `privateKeyPem` is a secret: never log it or send it anywhere. */
export interface HostKey {
  /** OpenSSH-format private key (`-----BEGIN OPENSSH PRIVATE KEY-----`), what ssh2's Server takes. */
  privateKeyPem: string;
  /** `ssh-ed25519 AAAA…`, the line for a client's known_hosts (after `[host]:port `). */
  publicKey: string;
  /** `SHA256:…`, as `ssh-keygen -lf` and OpenSSH's host-key prompt show it. */
  fingerprint: string;
}

export const HOST_KEY_FILE = 'ssh_host_ed25519_key';

/**
 * Loads the hub's ed25519 host key from `<sshDir>/ssh_host_ed25519_key` (+ `.pub`), creating it
 * on first use. The dir is made 0700 and the private key 0600. A key file that exists but does
 * not parse is an error, never silently replaced: hosts pin the fingerprint (join tokens carry
 * it), so a new key would lock every host out with a host-key-changed warning.
 */
export function ensureHostKey(sshDir: string): HostKey {
  ensurePrivateDir(sshDir);
  const keyPath = join(sshDir, HOST_KEY_FILE);
  if (existsSync(keyPath)) return loadHostKey(keyPath);

  const pair = generateSshKeyPair('launchpad-hub');
  const { line, fingerprint } = parsePublicKeyLine(pair.publicKey);
  // The .pub copy is for people (ssh-keygen -lf, known_hosts); the key file is the source of truth.
  writePrivateFile(`${keyPath}.pub`, `${line}\n`);
  writePrivateFile(keyPath, pair.privateKey);
  return { privateKeyPem: pair.privateKey, publicKey: line, fingerprint };
}

function loadHostKey(keyPath: string): HostKey {
  const pem = readFileSync(keyPath, 'utf8');
  const parsed = ssh2.utils.parseKey(pem);
  if (parsed instanceof Error || !parsed.isPrivateKey()) {
    throw new Error(
      `The SSH host key ${keyPath} is not a readable private key. Restore it from a backup; ` +
        'deleting it makes a new key, and every host will then refuse the hub until re-joined.',
    );
  }
  const publicLine = `${parsed.type} ${parsed.getPublicSSH().toString('base64')}`;
  const { line, fingerprint } = parsePublicKeyLine(publicLine);
  return { privateKeyPem: pem, publicKey: line, fingerprint };
}
