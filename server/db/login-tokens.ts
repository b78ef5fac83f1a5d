import type { Db } from './open.js';

/**
 * One-time login links: the token is usable once, before it expires. Only its hash is stored.
 */
export class LoginTokensRepo {
  readonly #insert;
  readonly #consume;
  readonly #purgeExpired;

  constructor(db: Db) {
    this.#insert = db.prepare<[string, number, number]>(
      'INSERT INTO login_tokens (token_hash, created_at, expires_at) VALUES (?, ?, ?)',
    );
    // One conditional UPDATE is the whole check: two requests racing with the same link cannot
    // both see "unused", because sqlite applies the statements one after the other.
    this.#consume = db.prepare<[number, string, number]>(
      `UPDATE login_tokens SET used_at = ?
       WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`,
    );
    this.#purgeExpired = db.prepare<[number]>('DELETE FROM login_tokens WHERE expires_at <= ?');
  }

  create(t: { tokenHash: string; expiresAt: number; now?: number }): { id: number } {
    const { lastInsertRowid } = this.#insert.run(t.tokenHash, t.now ?? Date.now(), t.expiresAt);
    return { id: Number(lastInsertRowid) };
  }

  /** True only for the first use of an unexpired token; marks it used in the same statement. */
  consume(tokenHash: string, now: number = Date.now()): boolean {
    return this.#consume.run(now, tokenHash, now).changes === 1;
  }

  purgeExpired(now: number = Date.now()): number {
    return this.#purgeExpired.run(now).changes;
  }
}
