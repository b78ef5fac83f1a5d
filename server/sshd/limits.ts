/** Tunables of the embedded sshd; every field has a default (DEFAULT_LIMITS). */
export interface SshdLimits {
  /** A connection must authenticate within this time after TCP accept, or it is dropped. */
  authTimeoutMs: number;
  /** TCP connections not yet authenticated, at most; more are dropped at accept (like MaxStartups). */
  maxUnauthenticated: number;
  /** Live connections per sftp or pairing key (a tunnel key has one: a new one replaces the old). */
  maxConnectionsPerKey: number;
  /** Failed auth attempts on one connection before it is closed (OpenSSH's MaxAuthTries). */
  maxAuthTries: number;
  /** Failed auth attempts from one address within `failureWindowMs` that trigger a block… */
  maxAuthFailures: number;
  failureWindowMs: number;
  /** …during which new connections from that address are dropped at accept. */
  failureBlockMs: number;
  /**
   * Addresses never blocked. Needed if something in front of the sshd (a local proxy) makes every
   * client appear from one address, where blocking it would lock every host out.
   */
  throttleExempt: string[];
  /** SSH-level keepalive: a ping after this much silence… */
  keepaliveIntervalMs: number;
  /** …and the connection is dropped after this many unanswered pings. */
  keepaliveCountMax: number;
  /** An authenticated connection with no session and no forward is closed after this long. */
  idleTimeoutMs: number;
  /** Open session channels per connection. */
  maxSessionsPerConnection: number;
  /** Hub-side TCP connections through one SSH connection's forwards, at once. */
  maxForwardedSockets: number;
  /** Largest pairing request (JSON on stdin). */
  pairingMaxInputBytes: number;
  /** Time for reading a pairing request and answering it. */
  pairingTimeoutMs: number;
  /** Listener retry after a failure (e.g. EADDRINUSE): first delay, doubling up to the max. */
  retryInitialMs: number;
  retryMaxMs: number;
  /** How often live connections are checked against the db (keys revoked elsewhere, expired). */
  keyRecheckMs: number;
  /** After disconnecting a client, how long to wait for its socket to close before destroying it. */
  closeGraceMs: number;
}

export const DEFAULT_LIMITS: Readonly<SshdLimits> = Object.freeze({
  authTimeoutMs: 10_000,
  maxUnauthenticated: 64,
  maxConnectionsPerKey: 8,
  maxAuthTries: 6,
  maxAuthFailures: 10,
  failureWindowMs: 60_000,
  failureBlockMs: 5 * 60_000,
  throttleExempt: [],
  keepaliveIntervalMs: 15_000,
  keepaliveCountMax: 3,
  idleTimeoutMs: 10 * 60_000,
  maxSessionsPerConnection: 10,
  maxForwardedSockets: 1024,
  pairingMaxInputBytes: 64 * 1024,
  pairingTimeoutMs: 30_000,
  retryInitialMs: 500,
  retryMaxMs: 30_000,
  keyRecheckMs: 30_000,
  closeGraceMs: 2_000,
});
