/**
 * What each key role may do. The sshd enforces this whatever the client asks, the way OpenSSH
 * would with `restrict,permitlisten=…` (tunnel), `ForceCommand internal-sftp` (sftp) and
 * `restrict,command=…` (pairing) in authorized_keys.
 */
export const ROLES = ['tunnel', 'sftp', 'pairing'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The two ports allocated to one host: its HTTP/WS tunnel and its SSH tunnel. */
export interface TunnelPorts {
  http: number;
  ssh: number;
}

/** A reverse forward the policy allows: where to listen, for a request the client made. */
export interface ForwardGrant {
  /** The address the hub's listener binds. */
  listenHost: string;
  port: number;
  kind: 'http' | 'ssh';
}

export type ForwardDecision = { ok: true; grant: ForwardGrant } | { ok: false; reason: string };

/** Bind addresses a client may send for "loopback" (OpenSSH sends 'localhost' when -R has none). */
const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost']);
/** Bind addresses a client may send for "all interfaces" (OpenSSH sends '' for `-R *:…`). */
const ANY_NAMES = new Set(['', '*', '0.0.0.0']);

/**
 * Whether a tunnel key with `ports` may `tcpip-forward` `bindAddr:bindPort`. The HTTP port is
 * only ever bound on 127.0.0.1 (the hub's proxy is its only client); the SSH port is bound on
 * `sshBindAddress` (the hub's own listen address: all interfaces on a LAN hub, loopback in
 * cloud mode), and the client must ask for that address or a name of it. Port 0 is never one of
 * a key's ports, so it is refused.
 */
export function decideForward(
  ports: TunnelPorts | null,
  bindAddr: string,
  bindPort: number,
  sshBindAddress: string,
): ForwardDecision {
  if (ports === null) return { ok: false, reason: 'the key has no allowed ports' };
  if (bindPort === ports.http) {
    if (!LOOPBACK_NAMES.has(bindAddr)) {
      return { ok: false, reason: `the HTTP tunnel port binds on 127.0.0.1 only, not '${bindAddr}'` };
    }
    return { ok: true, grant: { listenHost: '127.0.0.1', port: bindPort, kind: 'http' } };
  }
  if (bindPort === ports.ssh) {
    if (!addressMatches(bindAddr, sshBindAddress)) {
      return {
        ok: false,
        reason: `the SSH tunnel port binds on '${sshBindAddress}' only, not '${bindAddr}'`,
      };
    }
    return { ok: true, grant: { listenHost: sshBindAddress, port: bindPort, kind: 'ssh' } };
  }
  return { ok: false, reason: `port ${bindPort} is not one of the key's ports` };
}

function addressMatches(requested: string, configured: string): boolean {
  if (requested === configured) return true;
  if (ANY_NAMES.has(configured)) return ANY_NAMES.has(requested);
  if (LOOPBACK_NAMES.has(configured)) return LOOPBACK_NAMES.has(requested);
  return false;
}
