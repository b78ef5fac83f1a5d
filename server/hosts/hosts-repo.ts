import type { Db } from '../db/index.js';

/** One row of `hosts`. `serviceSecret` is a secret: never log it or put it in a view. */
export interface HostRecord {
  id: string;
  name: string;
  platform: string;
  agentVersion: string;
  credentialHash: string;
  serviceSecret: string;
  createdAt: number;
  lastSeenAt: number | null;
  lastError: string | null;
  agentError: string | null;
  agentErrorAt: number | null;
  removedAt: number | null;
  tokenId: string | null;
}

interface Row {
  id: string;
  name: string;
  platform: string;
  agent_version: string;
  credential_hash: string;
  service_secret: string;
  created_at: number;
  last_seen_at: number | null;
  last_error: string | null;
  agent_error: string | null;
  agent_error_at: number | null;
  removed_at: number | null;
  token_id: string | null;
}

const toRecord = (r: Row): HostRecord => ({
  id: r.id,
  name: r.name,
  platform: r.platform,
  agentVersion: r.agent_version,
  credentialHash: r.credential_hash,
  serviceSecret: r.service_secret,
  createdAt: r.created_at,
  lastSeenAt: r.last_seen_at,
  lastError: r.last_error,
  agentError: r.agent_error,
  agentErrorAt: r.agent_error_at,
  removedAt: r.removed_at,
  tokenId: r.token_id,
});

/** Table `hosts`. Removed hosts keep their row (removed_at) so their credential still identifies them. */
export class HostsRepo {
  readonly #insert;
  readonly #get;
  readonly #listActive;
  readonly #markRemoved;
  readonly #seen;
  readonly #lastError;
  readonly #agentError;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, string, string, string, string, string, number, string | null], Row>(
      `INSERT INTO hosts (id, name, platform, agent_version, credential_hash, service_secret, created_at, token_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    );
    this.#get = db.prepare<[string], Row>('SELECT * FROM hosts WHERE id = ?');
    this.#listActive = db.prepare<[], Row>(
      'SELECT * FROM hosts WHERE removed_at IS NULL ORDER BY created_at, id',
    );
    this.#markRemoved = db.prepare<[number, string]>(
      'UPDATE hosts SET removed_at = ? WHERE id = ? AND removed_at IS NULL',
    );
    this.#seen = db.prepare<[number, string]>('UPDATE hosts SET last_seen_at = ? WHERE id = ?');
    this.#lastError = db.prepare<[string | null, string]>('UPDATE hosts SET last_error = ? WHERE id = ?');
    this.#agentError = db.prepare<[string | null, number | null, string]>(
      'UPDATE hosts SET agent_error = ?, agent_error_at = ? WHERE id = ?',
    );
  }

  insert(h: {
    id: string;
    name: string;
    platform: string;
    agentVersion: string;
    credentialHash: string;
    serviceSecret: string;
    createdAt: number;
    tokenId: string | null;
  }): HostRecord {
    const row = this.#insert.get(
      h.id,
      h.name,
      h.platform,
      h.agentVersion,
      h.credentialHash,
      h.serviceSecret,
      h.createdAt,
      h.tokenId,
    );
    if (!row) throw new Error('Inserting the host returned no row');
    return toRecord(row);
  }

  /** Any host, removed ones included. */
  get(id: string): HostRecord | undefined {
    const row = this.#get.get(id);
    return row ? toRecord(row) : undefined;
  }

  /** Hosts not removed, oldest first. */
  listActive(): HostRecord[] {
    return this.#listActive.all().map(toRecord);
  }

  /** True if the host existed and was not removed yet. */
  markRemoved(id: string, now: number): boolean {
    return this.#markRemoved.run(now, id).changes > 0;
  }

  markSeen(id: string, now: number): void {
    this.#seen.run(now, id);
  }

  /** What the host's agent reported (null clears it: the agent is fine again). */
  setAgentError(id: string, error: string | null, at: number): void {
    this.#agentError.run(error, error === null ? null : at, id);
  }

  setLastError(id: string, error: string | null): void {
    this.#lastError.run(error, id);
  }
}
