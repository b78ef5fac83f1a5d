/**
 * What a join token and a join response tell a host about the hub, so the host can verify it
 * before sending anything: where it is, its TLS pin and its SSH host key.
 */
export interface HubIdentity {
  /** Name or address hosts reach the hub at (config.publicHost). */
  publicHost: string;
  httpsPort: number;
  sshdPort: number;
  /** SHA-256 colon-hex of the TLS pin: the local CA, or the leaf of a custom certificate. */
  tlsPin: string;
  /** `SHA256:…` of the SSH host key. */
  sshFingerprint: string;
  /** `ssh-ed25519 AAAA…`, the host key line for the host's known_hosts. */
  sshHostKey: string;
}

/** The TLS pin hosts check: the local CA (survives leaf re-issues), or the leaf of a custom certificate. */
export function tlsPinOf(tls: { caFingerprint: string | null; leafFingerprint: string }): string {
  return tls.caFingerprint ?? tls.leafFingerprint;
}
