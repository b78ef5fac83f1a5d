import ssh2, { type AuthContext } from 'ssh2';
import type { Logger } from '../log/index.js';
import type { SshKeyRecord, SshKeysRepo } from './keys-repo.js';
import { fingerprintOfBlob } from './public-key.js';
import type { FailureThrottle } from './throttle.js';

export interface AuthDeps {
  keys: SshKeysRepo;
  throttle: FailureThrottle;
  logger: Logger;
  remoteAddress: string;
  /** A reason to refuse a verified key (e.g. too many connections for it), or null to admit it. */
  admit(key: SshKeyRecord): string | null;
  /** Called once, right before the client is told it is authenticated. */
  onAccepted(key: SshKeyRecord): void;
  /** Called for each failed attempt (after it is counted for the address). */
  onFailure(): void;
}

/** The only method ever offered: password and keyboard-interactive are never listed. */
const ONLY_PUBLICKEY: ['publickey'] = ['publickey'];

/**
 * Decides one userauth request. The key is looked up in sqlite by fingerprint on every request
 * (so an added or revoked key applies to the next connection without a restart), its signature
 * verified against the stored public key, and failures are logged with fingerprint and address
 * and counted towards the address's throttle. The SSH user name is ignored: the key alone
 * decides who the client is and what it may do.
 */
export function authenticate(ctx: AuthContext, deps: AuthDeps): void {
  const { logger, remoteAddress } = deps;
  if (ctx.method === 'none') {
    // Every client starts with 'none' to learn the methods; not a failed attempt.
    ctx.reject(ONLY_PUBLICKEY);
    return;
  }
  if (ctx.method !== 'publickey') {
    logger.warn({ remoteAddress, method: ctx.method }, 'sshd: refused a non-publickey auth attempt');
    fail(deps);
    ctx.reject(ONLY_PUBLICKEY);
    return;
  }

  const fingerprint = fingerprintOfBlob(ctx.key.data);
  const key = deps.keys.findActiveByFingerprint(fingerprint);
  if (!key) {
    logger.warn({ remoteAddress, fingerprint }, 'sshd: refused an unknown, revoked or expired key');
    fail(deps);
    ctx.reject(ONLY_PUBLICKEY);
    return;
  }
  const stored = ssh2.utils.parseKey(key.publicKey);
  if (stored instanceof Error || !stored.getPublicSSH().equals(ctx.key.data)) {
    logger.error({ remoteAddress, fingerprint }, 'sshd: stored key does not match its fingerprint');
    ctx.reject(ONLY_PUBLICKEY);
    return;
  }
  if (!ctx.signature || !ctx.blob) {
    // The client only asks whether this key would do (OpenSSH does before signing): say yes.
    ctx.accept();
    return;
  }
  if (stored.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) {
    logger.warn({ remoteAddress, fingerprint }, 'sshd: refused a key with a bad signature');
    fail(deps);
    ctx.reject(ONLY_PUBLICKEY);
    return;
  }
  const refusal = deps.admit(key);
  if (refusal !== null) {
    logger.warn({ remoteAddress, fingerprint, role: key.role, reason: refusal }, 'sshd: refused a valid key');
    ctx.reject(ONLY_PUBLICKEY);
    return;
  }
  deps.onAccepted(key);
  ctx.accept();
}

function fail(deps: AuthDeps): void {
  if (deps.throttle.recordFailure(deps.remoteAddress)) {
    deps.logger.warn(
      { remoteAddress: deps.remoteAddress },
      'sshd: too many failed logins from this address; dropping its connections for a while',
    );
  }
  deps.onFailure();
}
