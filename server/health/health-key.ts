import { generateSshKeyPair, type SshKeysRepo } from '../sshd/index.js';

/** The ssh_keys owner of the hub's own health-check key. */
export const HEALTH_KEY_OWNER = 'hub-health';

/**
 * The hub's own sftp-role key, for checking the backup repository the way hosts reach it. It
 * lives in memory only (a new one each start) and is revoked at stop. `privateKey` is a secret:
 * never log it; the class keeps it out of JSON and inspection.
 */
export class HealthKey {
  readonly fingerprint: string;
  readonly #privateKey: string;

  constructor(privateKey: string, fingerprint: string) {
    this.#privateKey = privateKey;
    this.fingerprint = fingerprint;
  }

  get privateKey(): string {
    return this.#privateKey;
  }

  toJSON(): { fingerprint: string } {
    return { fingerprint: this.fingerprint };
  }
}

/**
 * Makes a fresh ed25519 key and registers it as an sftp key owned by `hub-health`. Keys of
 * that owner left from an earlier run (a crash skips revocation at stop) are revoked first.
 */
export function registerHealthKey(keys: SshKeysRepo): HealthKey {
  keys.revokeByOwner(HEALTH_KEY_OWNER);
  const pair = generateSshKeyPair(HEALTH_KEY_OWNER);
  const rec = keys.add({ publicKey: pair.publicKey, role: 'sftp', owner: HEALTH_KEY_OWNER });
  return new HealthKey(pair.privateKey, rec.fingerprint);
}
