import { generateKeyPairSync } from 'node:crypto';
import { openSshPrivateKey, openSshPublicKey } from '../hosts/index.js';

/** An ed25519 key pair in the OpenSSH formats (the private one is what ssh2's client reads). */
export interface SshKeyPair {
  /** `-----BEGIN OPENSSH PRIVATE KEY-----…`: stays on this host. */
  privateKey: string;
  /** `ssh-ed25519 AAAA… comment`: sent to the hub. */
  publicKey: string;
}

/** A fresh ed25519 key pair, made here so the private half never leaves this host. */
export function generateSshKeyPair(comment: string): SshKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: openSshPrivateKey(privateKey, comment),
    publicKey: openSshPublicKey(publicKey, comment),
  };
}

/** The host's two keys: the tunnel key (reverse forwards) and the sftp key (backups). */
export function generateHostKeys(hostName: string): { tunnel: SshKeyPair; sftp: SshKeyPair } {
  // Comments are informational: they show up in the hub's key list. Spaces would split the line.
  const who = hostName.replace(/\s+/g, '-');
  return {
    tunnel: generateSshKeyPair(`launchpad-tunnel@${who}`),
    sftp: generateSshKeyPair(`launchpad-sftp@${who}`),
  };
}
