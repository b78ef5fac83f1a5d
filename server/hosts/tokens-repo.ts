import type { Db } from '../db/index.js';

/** One row of `join_tokens`. */
export interface JoinTokenRecord {
  id: string;
  secretHash: string;
  name: string | null;
  createdAt: number;
  expiresAt: number;
  usesLeft: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
  pairingFingerprint: string | null;
}

interface Row {
  id: string;
  secret_hash: string;
  name: string | null;
  created_at: number;
  expires_at: number;
  uses_left: number;
  last_used_at: number | null;
  revoked_at: number | null;
  pairing_fingerprint: string | null;
}

const toRecord = (r: Row): JoinTokenRecord => ({
  id: r.id,
  secretHash: r.secret_hash,
  name: r.name,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  usesLeft: r.uses_left,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
  pairingFingerprint: r.pairing_fingerprint,
});

/** Table `join_tokens`. The checks of a redemption live in redemption.ts. */
export class JoinTokensRepo {
  readonly #insert;
  readonly #get;
  readonly #list;
  readonly #use;
  readonly #revoke;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, string, string | null, number, number, number, string | null], Row>(
      `INSERT INTO join_tokens (id, secret_hash, name, created_at, expires_at, uses_left, pairing_fingerprint)
       VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING *`,
    );
    this.#get = db.prepare<[string], Row>('SELECT * FROM join_tokens WHERE id = ?');
    this.#list = db.prepare<[], Row>('SELECT * FROM join_tokens ORDER BY created_at DESC, id');
    this.#use = db.prepare<[number, string], Row>(
      `UPDATE join_tokens SET uses_left = uses_left - 1, last_used_at = ?
       WHERE id = ? AND uses_left > 0 RETURNING *`,
    );
    this.#revoke = db.prepare<[number, string]>(
      'UPDATE join_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
    );
  }

  insert(t: Omit<JoinTokenRecord, 'lastUsedAt' | 'revokedAt'>): JoinTokenRecord {
    const row = this.#insert.get(
      t.id,
      t.secretHash,
      t.name,
      t.createdAt,
      t.expiresAt,
      t.usesLeft,
      t.pairingFingerprint,
    );
    if (!row) throw new Error('Inserting the join token returned no row');
    return toRecord(row);
  }

  get(id: string): JoinTokenRecord | undefined {
    const row = this.#get.get(id);
    return row ? toRecord(row) : undefined;
  }

  /** Newest first. */
  list(): JoinTokenRecord[] {
    return this.#list.all().map(toRecord);
  }

  /** Takes one use; undefined when none was left. */
  use(id: string, now: number): JoinTokenRecord | undefined {
    const row = this.#use.get(now, id);
    return row ? toRecord(row) : undefined;
  }

  /** True if the token existed and was not revoked yet. */
  revoke(id: string, now: number): boolean {
    return this.#revoke.run(now, id).changes > 0;
  }
}
