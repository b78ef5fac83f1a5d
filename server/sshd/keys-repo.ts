import type { Db } from '../db/index.js';
import { parsePublicKeyLine } from './public-key.js';
import { isRole, type Role, type TunnelPorts } from './roles.js';

/** One row of `ssh_keys`, as the rest of the hub sees it. */
export interface SshKeyRecord {
  id: number;
  fingerprint: string;
  /** `<type> <base64>` without a comment. */
  publicKey: string;
  role: Role;
  /** Who the key belongs to, e.g. a host id; tunnel keys of one owner evict each other. */
  owner: string | null;
  /** The two ports a tunnel key may bind; null for other roles (and a tunnel key then binds nothing). */
  allowedPorts: TunnelPorts | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  expiresAt: number | null;
}

export interface NewSshKey {
  /** An OpenSSH public key line; a trailing comment is dropped. */
  publicKey: string;
  role: Role;
  owner?: string | null;
  /** Required for the tunnel role, refused for the others. */
  allowedPorts?: TunnelPorts | null;
  expiresAt?: number | null;
  now?: number;
}

/** Adding a key whose fingerprint is already registered (revoked ones included: revocation is final). */
export class SshKeyExistsError extends Error {
  readonly fingerprint: string;
  constructor(fingerprint: string) {
    super(`The SSH key ${fingerprint} is already registered`);
    this.name = 'SshKeyExistsError';
    this.fingerprint = fingerprint;
  }
}

interface Row {
  id: number;
  fingerprint: string;
  public_key: string;
  role: string;
  owner: string | null;
  allowed_ports: string | null;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
  expires_at: number | null;
}

/**
 * The keys the embedded sshd accepts. A key is active while it is not revoked and not expired;
 * the sshd asks `findActiveByFingerprint` at every authentication, so changes apply to the next
 * connection.
 */
export class SshKeysRepo {
  readonly #insert;
  readonly #findActive;
  readonly #findAny;
  readonly #revoke;
  readonly #expireBy;
  readonly #revokeOwner;
  readonly #markUsed;
  readonly #listAll;
  readonly #listActive;

  constructor(db: Db) {
    this.#insert = db.prepare<
      [string, string, string, string | null, string | null, number, number | null],
      Row
    >(
      `INSERT INTO ssh_keys (fingerprint, public_key, role, owner, allowed_ports, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    );
    this.#findActive = db.prepare<[string, number], Row>(
      `SELECT * FROM ssh_keys WHERE fingerprint = ? AND revoked_at IS NULL
         AND (expires_at IS NULL OR expires_at > ?)`,
    );
    this.#findAny = db.prepare<[string], Row>('SELECT * FROM ssh_keys WHERE fingerprint = ?');
    this.#expireBy = db.prepare<[number, number, string]>(
      `UPDATE ssh_keys SET expires_at = MIN(COALESCE(expires_at, ?), ?)
       WHERE fingerprint = ? AND revoked_at IS NULL`,
    );
    this.#revoke = db.prepare<[number, string]>(
      'UPDATE ssh_keys SET revoked_at = ? WHERE fingerprint = ? AND revoked_at IS NULL',
    );
    this.#revokeOwner = db.prepare<[number, string], { fingerprint: string }>(
      'UPDATE ssh_keys SET revoked_at = ? WHERE owner = ? AND revoked_at IS NULL RETURNING fingerprint',
    );
    this.#markUsed = db.prepare<[number, string]>(
      'UPDATE ssh_keys SET last_used_at = ? WHERE fingerprint = ?',
    );
    this.#listAll = db.prepare<[], Row>('SELECT * FROM ssh_keys ORDER BY id');
    this.#listActive = db.prepare<[number], Row>(
      `SELECT * FROM ssh_keys WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
       ORDER BY id`,
    );
  }

  /** Registers a key. Throws on a malformed key, bad ports for the role, or a known fingerprint. */
  add(k: NewSshKey): SshKeyRecord {
    if (!isRole(k.role)) throw new Error(`Unknown SSH key role: ${String(k.role)}`);
    const { line, fingerprint } = parsePublicKeyLine(k.publicKey);
    const ports = k.allowedPorts ?? null;
    if (k.role === 'tunnel') {
      if (ports === null) throw new Error('A tunnel key needs allowedPorts {http, ssh}');
      checkPorts(ports);
    } else if (ports !== null) {
      throw new Error(`Only tunnel keys have allowed ports, not ${k.role} keys`);
    }
    if (this.#findAny.get(fingerprint)) throw new SshKeyExistsError(fingerprint);
    const row = this.#insert.get(
      fingerprint,
      line,
      k.role,
      k.owner ?? null,
      ports === null ? null : JSON.stringify({ http: ports.http, ssh: ports.ssh }),
      k.now ?? Date.now(),
      k.expiresAt ?? null,
    );
    if (!row) throw new Error('Inserting the SSH key returned no row');
    return toRecord(row);
  }

  /** The key if it is registered, not revoked and not expired at `now`. */
  findActiveByFingerprint(fingerprint: string, now: number = Date.now()): SshKeyRecord | undefined {
    const row = this.#findActive.get(fingerprint, now);
    return row ? toRecord(row) : undefined;
  }

  /** Marks the key revoked; true if it was active. Use SshdHandle.revokeKey to also cut live sessions. */
  revoke(fingerprint: string, now: number = Date.now()): boolean {
    return this.#revoke.run(now, fingerprint).changes > 0;
  }

  /**
   * Lets the key expire at `at` at the latest (an earlier expiry stays); true if it was active.
   * A pairing key outlives its token this way, so a late join hears why the token was refused.
   */
  expireBy(fingerprint: string, at: number): boolean {
    return this.#expireBy.run(at, at, fingerprint).changes > 0;
  }

  /** Revokes every key of `owner` (a removed host); returns their fingerprints. */
  revokeByOwner(owner: string, now: number = Date.now()): string[] {
    return this.#revokeOwner.all(now, owner).map((r) => r.fingerprint);
  }

  markUsed(fingerprint: string, now: number = Date.now()): void {
    this.#markUsed.run(now, fingerprint);
  }

  /** All keys (oldest first), or only the active ones. */
  list(opts: { activeOnly?: boolean; now?: number } = {}): SshKeyRecord[] {
    const rows = opts.activeOnly ? this.#listActive.all(opts.now ?? Date.now()) : this.#listAll.all();
    return rows.map(toRecord);
  }
}

function checkPorts(p: TunnelPorts): void {
  for (const [name, port] of [
    ['http', p.http],
    ['ssh', p.ssh],
  ] as const) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`allowedPorts.${name} must be a port number 1..65535, got ${String(port)}`);
    }
  }
  if (p.http === p.ssh) throw new Error('allowedPorts.http and allowedPorts.ssh must differ');
}

/** Stored JSON that is not a valid port pair reads as null: such a tunnel key can bind nothing. */
function parsePorts(raw: string | null): TunnelPorts | null {
  if (raw === null) return null;
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    // Written only by add(), so garbage means a hand-edited row; failing closed is the safe reading.
    return null;
  }
  if (typeof data !== 'object' || data === null) return null;
  const { http, ssh } = data as Record<string, unknown>;
  const ok = (n: unknown): n is number =>
    typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535;
  return ok(http) && ok(ssh) ? { http, ssh } : null;
}

function toRecord(r: Row): SshKeyRecord {
  if (!isRole(r.role)) throw new Error(`ssh_keys row ${r.id} has an unknown role`);
  return {
    id: r.id,
    fingerprint: r.fingerprint,
    publicKey: r.public_key,
    role: r.role,
    owner: r.owner,
    allowedPorts: r.role === 'tunnel' ? parsePorts(r.allowed_ports) : null,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
    expiresAt: r.expires_at,
  };
}
