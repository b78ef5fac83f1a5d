import { type Db, writeTransaction } from '../db/index.js';
import { FailureLimiter } from '../http/index.js';
import { secretMatches } from './credentials.js';
import { HostsError } from './errors.js';
import type { JoinTokenRecord, JoinTokensRepo } from './tokens-repo.js';

const NEW_TOKEN_HINT = 'Make a new one on the hub (`launchpad token create`, or Hosts in the web UI).';

/**
 * Checks a token id and secret and takes one use, all in one write transaction (a savepoint of
 * the caller's, when there is one), so two joins racing with a one-use token cannot both pass.
 * Throws HostsError 401 saying why: token_unknown (no such id, or the wrong secret: the two are
 * not told apart), then — the secret being right — token_revoked, token_used, token_expired.
 * Returns the token after the use.
 */
export function redeemToken(
  db: Db,
  tokens: JoinTokensRepo,
  tokenId: string,
  secret: string,
  now: number,
): JoinTokenRecord {
  return writeTransaction(db, () => {
    const t = tokens.get(tokenId);
    if (!t || !secretMatches(secret, t.secretHash)) {
      throw new HostsError(
        401,
        'token_unknown',
        'This hub does not know the join token (mistyped, or made by another hub).',
      );
    }
    if (t.revokedAt !== null) {
      throw new HostsError(
        401,
        'token_revoked',
        `The join token ${t.id} was revoked at ${iso(t.revokedAt)}. ${NEW_TOKEN_HINT}`,
      );
    }
    if (t.usesLeft <= 0) {
      throw new HostsError(
        401,
        'token_used',
        `The join token ${t.id} was already used${t.lastUsedAt === null ? '' : ` (last at ${iso(t.lastUsedAt)})`}. ${NEW_TOKEN_HINT}`,
      );
    }
    if (t.expiresAt <= now) {
      throw new HostsError(
        401,
        'token_expired',
        `The join token ${t.id} expired at ${iso(t.expiresAt)}. ${NEW_TOKEN_HINT}`,
      );
    }
    const used = tokens.use(t.id, now);
    // Cannot happen inside the write transaction after the check above; fail closed if it does.
    if (!used)
      throw new HostsError(401, 'token_used', `The join token ${t.id} was already used. ${NEW_TOKEN_HINT}`);
    return used;
  });
}

const iso = (ms: number) => new Date(ms).toISOString();

export interface RedemptionLimits {
  /** Failed redemptions allowed per window, per client address and per token id. */
  max: number;
  windowMs: number;
}

export const DEFAULT_REDEMPTION_LIMITS: RedemptionLimits = { max: 10, windowMs: 60_000 };

/**
 * Slows down guessing: failed redemptions are counted per client address and per token id (so
 * neither many addresses against one token nor one address against many tokens gets far).
 * Successful ones are not counted.
 */
export class RedemptionLimiter {
  readonly #byAddress: FailureLimiter;
  readonly #byToken: FailureLimiter;

  constructor(limits: RedemptionLimits = DEFAULT_REDEMPTION_LIMITS) {
    this.#byAddress = new FailureLimiter(limits.max, limits.windowMs);
    this.#byToken = new FailureLimiter(limits.max, limits.windowMs);
  }

  /** Throws HostsError 429 (with the seconds to wait) while the address or the token id is blocked. */
  check(address: string, tokenId: string | undefined, now = Date.now()): void {
    const wait = Math.max(
      this.#byAddress.retryAfter(address, now),
      tokenId === undefined ? 0 : this.#byToken.retryAfter(tokenId, now),
    );
    if (wait > 0) {
      throw new HostsError(
        429,
        'rate_limited',
        `Too many failed join attempts; try again in ${wait} s`,
        undefined,
        wait,
      );
    }
  }

  fail(address: string, tokenId: string | undefined, now = Date.now()): void {
    this.#byAddress.fail(address, now);
    if (tokenId !== undefined) this.#byToken.fail(tokenId, now);
  }
}
