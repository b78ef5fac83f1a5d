import { createHmac, timingSafeEqual } from 'node:crypto';
import type { LoginTokensRepo, SessionsRepo } from '../db/index.js';
import { newSecret } from '../secrets/index.js';

export const SESSION_COOKIE = 'lp_session';
export const SESSION_TTL_MS = 30 * 24 * 3600 * 1000;
/** A printed login link stays usable for a day (once): long enough to copy it to a browser later. */
export const LOGIN_TOKEN_TTL_MS = 24 * 3600 * 1000;

export type Principal =
  | { kind: 'session'; sessionId: number; expiresAt: number }
  | { kind: 'admin' }
  /** A joined host with its credential (`Authorization: Host <id>:<credential>`); only for HOST_API routes. */
  | { kind: 'host'; hostId: string };

/**
 * Login tokens, sessions and the admin secret. Tokens and session ids are stored only as
 * HMACs keyed by the session key, so the database alone grants nothing.
 */
export class Auth {
  /** Bumped by every sign-out, so caches of session lookups (sessionUserOf) can drop what they hold. */
  #signOuts = 0;
  readonly #signOutListeners = new Set<() => void>();

  constructor(
    private readonly sessions: SessionsRepo,
    private readonly loginTokens: LoginTokensRepo,
    private readonly sessionKey: string,
    private readonly adminSecret: string,
  ) {}

  private hash(token: string): string {
    return createHmac('sha256', this.sessionKey).update(token).digest('hex');
  }

  createLoginToken(now = Date.now()): { token: string; expiresAt: number } {
    const token = newSecret();
    const expiresAt = now + LOGIN_TOKEN_TTL_MS;
    this.loginTokens.create({ tokenHash: this.hash(token), expiresAt, now });
    return { token, expiresAt };
  }

  /** Trades a login token (once) for a new session; null if the token is unknown, used or expired. */
  redeemLoginToken(
    token: string,
    meta: { ip?: string; userAgent?: string },
    now = Date.now(),
  ): { sessionToken: string; expiresAt: number } | null {
    if (!this.loginTokens.consume(this.hash(token), now)) return null;
    const sessionToken = newSecret();
    const expiresAt = now + SESSION_TTL_MS;
    this.sessions.create({ tokenHash: this.hash(sessionToken), expiresAt, now, ...meta });
    return { sessionToken, expiresAt };
  }

  sessionFor(sessionToken: string, now = Date.now()): Principal | null {
    const s = this.sessions.findValid(this.hash(sessionToken), now);
    if (!s) return null;
    this.sessions.touch(s.id, now);
    return { kind: 'session', sessionId: s.id, expiresAt: s.expiresAt };
  }

  isAdminSecret(candidate: string): boolean {
    const a = Buffer.from(candidate);
    const b = Buffer.from(this.adminSecret);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  signOut(sessionId: number): void {
    this.sessions.delete(sessionId);
    this.#signedOut();
  }

  signOutEverywhere(): number {
    const revoked = this.sessions.deleteAll();
    this.#signedOut();
    return revoked;
  }

  /**
   * Calls `listener` after every sign-out through this process, once the session is gone: for
   * what outlives a request, such as a proxied WebSocket. Returns the unsubscribe function.
   */
  onSignOut(listener: () => void): () => void {
    this.#signOutListeners.add(listener);
    return () => this.#signOutListeners.delete(listener);
  }

  #signedOut(): void {
    this.#signOuts++;
    for (const listener of this.#signOutListeners) listener();
  }

  /** How many sign-outs this process has seen; a change means cached session lookups may be stale. */
  get signOuts(): number {
    return this.#signOuts;
  }

  activeSessions(now = Date.now()): number {
    return this.sessions.countValid(now);
  }
}
