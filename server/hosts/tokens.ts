import {
  type CreateTokenRequest,
  type CreateTokenResponse,
  createTokenRequestSchema,
  type TokenView,
} from '../api/index.js';
import { type Db, type EventsRepo, writeTransaction } from '../db/index.js';
import type { Logger } from '../log/index.js';
import { newSecret } from '../secrets/index.js';
import type { SshKeysRepo } from '../sshd/index.js';
import { openSshPublicKey } from '../sshd/index.js';
import { hashSecret, newTokenId } from './credentials.js';
import type { HubIdentity } from './hub-identity.js';
import { derivePairingKey } from './pairing-key.js';
import { encodeJoinToken, tokenPrefix } from './token-codec.js';
import type { JoinTokenRecord, JoinTokensRepo } from './tokens-repo.js';

/** Tokens that ended (used up, expired, revoked) this long ago are no longer listed. */
const LIST_ENDED_FOR_MS = 7 * 24 * 3600_000;

/**
 * A token's pairing key stays registered this long after the token ended (used up, expired,
 * revoked), so a host joining over SSH late still reaches the pairing command and hears which of
 * the three it was, as over HTTPS. The key can do nothing but ask, and every answer is a refusal.
 */
export const PAIRING_REFUSAL_GRACE_MS = 3600_000;

/** The owner recorded on a token's pairing key in ssh_keys; the pairing handler checks it. */
export const pairingOwner = (tokenId: string) => `token:${tokenId}`;

export interface TokenServiceDeps {
  db: Db;
  tokens: JoinTokensRepo;
  keys: SshKeysRepo;
  events: EventsRepo;
  hub: HubIdentity;
  /** Closes an SSH key's live connections (sshd.disconnectKey). */
  disconnectSshKey(fingerprint: string): Promise<unknown>;
  /** Tokens changed (for the live UI). */
  changed(): void;
  logger: Logger;
  now(): number;
}

/** Making, listing and revoking join tokens. Redemption is redemption.ts; joining is join.ts. */
export class TokenService {
  constructor(private readonly d: TokenServiceDeps) {}

  /**
   * Makes a token and registers its derived pairing key (role pairing, owner `token:<id>`,
   * expiring a grace period after the token), so a host can also join over SSH. The token is
   * returned once.
   */
  create(request: CreateTokenRequest): CreateTokenResponse {
    const req = createTokenRequestSchema.parse(request);
    const now = this.d.now();
    const id = newTokenId();
    const secret = newSecret(32);
    const expiresAt = now + req.ttlSeconds * 1000;
    const pairingKey = openSshPublicKey(derivePairingKey(id, secret).publicKey);
    const record = writeTransaction(this.d.db, () => {
      const key = this.d.keys.add({
        publicKey: pairingKey,
        role: 'pairing',
        owner: pairingOwner(id),
        expiresAt: expiresAt + PAIRING_REFUSAL_GRACE_MS,
        now,
      });
      const t = this.d.tokens.insert({
        id,
        secretHash: hashSecret(secret),
        name: req.name === undefined || req.name === '' ? null : req.name,
        createdAt: now,
        expiresAt,
        usesLeft: req.uses,
        pairingFingerprint: key.fingerprint,
      });
      this.d.events.record('token.created', id, { uses: req.uses, expiresAt, name: t.name }, now);
      return t;
    });
    const h = this.d.hub;
    const token = encodeJoinToken({
      v: 1,
      host: h.publicHost,
      httpsPort: h.httpsPort,
      sshdPort: h.sshdPort,
      tls: h.tlsPin,
      ssh: h.sshFingerprint,
      id,
      secret,
    });
    this.d.logger.info({ tokenId: id, uses: req.uses, expiresAt }, 'join token created');
    this.d.changed();
    return { token, command: `launchpad --server --join ${token}`, view: tokenView(record, now) };
  }

  /** Active tokens and those that ended within the last week, newest first. */
  list(): TokenView[] {
    const now = this.d.now();
    return this.d.tokens
      .list()
      .map((t) => ({ t, view: tokenView(t, now) }))
      .filter(({ t, view }) => view.state === 'active' || endedAt(t) > now - LIST_ENDED_FOR_MS)
      .map(({ view }) => view);
  }

  /**
   * Revokes a token: its pairing key now only hears "revoked" and goes after the grace period, and
   * a pairing session in progress is closed. False for an unknown id.
   */
  async revoke(id: string): Promise<boolean> {
    const now = this.d.now();
    const t = this.d.tokens.get(id);
    if (!t) return false;
    const newly = writeTransaction(this.d.db, () => {
      const revoked = this.d.tokens.revoke(id, now);
      if (revoked) this.d.events.record('token.revoked', id, {}, now);
      if (t.pairingFingerprint) this.d.keys.expireBy(t.pairingFingerprint, now + PAIRING_REFUSAL_GRACE_MS);
      return revoked;
    });
    if (t.pairingFingerprint) await this.d.disconnectSshKey(t.pairingFingerprint);
    if (newly) {
      this.d.logger.info({ tokenId: id }, 'join token revoked');
      this.d.changed();
    }
    return true;
  }
}

export function tokenState(t: JoinTokenRecord, now: number): TokenView['state'] {
  if (t.revokedAt !== null) return 'revoked';
  if (t.usesLeft <= 0) return 'used';
  if (t.expiresAt <= now) return 'expired';
  return 'active';
}

function endedAt(t: JoinTokenRecord): number {
  if (t.revokedAt !== null) return t.revokedAt;
  if (t.usesLeft <= 0) return t.lastUsedAt ?? t.createdAt;
  return t.expiresAt;
}

export function tokenView(t: JoinTokenRecord, now: number): TokenView {
  return {
    id: t.id,
    prefix: tokenPrefix(t.id),
    name: t.name,
    createdAt: new Date(t.createdAt).toISOString(),
    expiresAt: new Date(t.expiresAt).toISOString(),
    usesLeft: t.usesLeft,
    lastUsedAt: t.lastUsedAt === null ? null : new Date(t.lastUsedAt).toISOString(),
    state: tokenState(t, now),
  };
}
