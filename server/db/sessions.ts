import type { Db } from './open.js';

export interface NewSession {
  tokenHash: string;
  expiresAt: number;
  ip?: string;
  userAgent?: string;
  now?: number;
}

export interface ValidSession {
  id: number;
  createdAt: number;
  expiresAt: number;
  lastSeenAt: number;
}

/**
 * Web sessions of the admin UI. Only a hash of the cookie token is stored, so a leaked database
 * does not sign anyone in. A session is valid while `expires_at > now`.
 */
export class SessionsRepo {
  readonly #insert;
  readonly #findValid;
  readonly #touch;
  readonly #delete;
  readonly #deleteAll;
  readonly #purgeExpired;
  readonly #countValid;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, number, number, number, string | null, string | null]>(
      `INSERT INTO sessions (token_hash, created_at, expires_at, last_seen_at, ip, user_agent)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.#findValid = db.prepare<[string, number], ValidSession>(
      `SELECT id, created_at AS createdAt, expires_at AS expiresAt, last_seen_at AS lastSeenAt
       FROM sessions WHERE token_hash = ? AND expires_at > ?`,
    );
    this.#touch = db.prepare<[number, number]>('UPDATE sessions SET last_seen_at = ? WHERE id = ?');
    this.#delete = db.prepare<[number]>('DELETE FROM sessions WHERE id = ?');
    this.#deleteAll = db.prepare<[]>('DELETE FROM sessions');
    this.#purgeExpired = db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?');
    this.#countValid = db
      .prepare<[number], number>('SELECT count(*) FROM sessions WHERE expires_at > ?')
      .pluck();
  }

  create(s: NewSession): { id: number } {
    const now = s.now ?? Date.now();
    const { lastInsertRowid } = this.#insert.run(
      s.tokenHash,
      now,
      s.expiresAt,
      now,
      s.ip ?? null,
      s.userAgent ?? null,
    );
    return { id: Number(lastInsertRowid) };
  }

  findValid(tokenHash: string, now: number = Date.now()): ValidSession | undefined {
    return this.#findValid.get(tokenHash, now);
  }

  /** Records activity; does not extend expiry (that is the auth layer's policy, not storage's). */
  touch(id: number, now: number = Date.now()): void {
    this.#touch.run(now, id);
  }

  delete(id: number): void {
    this.#delete.run(id);
  }

  /** "Sign out everywhere". Returns how many sessions were removed. */
  deleteAll(): number {
    return this.#deleteAll.run().changes;
  }

  purgeExpired(now: number = Date.now()): number {
    return this.#purgeExpired.run(now).changes;
  }

  countValid(now: number = Date.now()): number {
    return this.#countValid.get(now) ?? 0;
  }
}
