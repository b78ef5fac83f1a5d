/**
 * The embedded SSH server's public surface; other folders import from here only.
 *
 * Wiring it into the hub:
 *
 *   const hostKey = ensureHostKey(join(dataDir, 'ssh'));          // once, at start
 *   const sshd = await startSshd({
 *     db, hostKey, logger,
 *     host: listenHost,                                          // '0.0.0.0' (LAN) / '127.0.0.1' (cloud)
 *     port: basePort + 1,
 *     sftpRoot: join(dataDir, 'backup-repo'),
 *     pairingHandler,                                            // from the hosts capability
 *   });
 *   sshd.status()       // { listening, host, port, lastError?, restarts, connections } for /api/status
 *   sshd.on('status', …) // push changes (SSE)
 *   sshd.connections()  // ConnectionInfo[] for the introspection API route
 *   await sshd.revokeKey(fingerprint)  // db + live connections
 *   await sshd.close()  // at hub stop
 *
 * startSshd never throws for a port problem: it reports it in status() and retries with
 * backoff. Keys are managed with SshKeysRepo (table ssh_keys, migration 3); an added or
 * revoked key applies to the next connection. Roles: 'tunnel' (reverse forwards of its two
 * allowed ports only), 'sftp' (the sftp subsystem, jailed at sftpRoot), 'pairing' (any exec
 * runs pairingHandler: one JSON document in on stdin, one out on stdout, exit 0 or 1).
 */
export type { ConnectionInfo } from './connections.js';
export type { ForwardInfo } from './forwards.js';
export { ensureHostKey, HOST_KEY_FILE, type HostKey } from './host-key.js';
export {
  ED25519_PKCS8_PREFIX,
  generateSshKeyPair,
  openSshPrivateKey,
  openSshPublicKey,
  type SshKeyPair,
} from './keygen.js';
export { type NewSshKey, SshKeyExistsError, type SshKeyRecord, SshKeysRepo } from './keys-repo.js';
export { DEFAULT_LIMITS, type SshdLimits } from './limits.js';
export { type PairingContext, PairingError, type PairingHandler } from './pairing.js';
export { fingerprintOfPublicKey } from './public-key.js';
export { ROLES, type Role, type TunnelPorts } from './roles.js';
export {
  type SshdEvents,
  type SshdHandle,
  type SshdStatus,
  type StartSshdOptions,
  startSshd,
} from './server.js';
