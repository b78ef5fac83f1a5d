import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../http/index.js';
import { SshKeysRepo } from '../sshd/index.js';
import { RedemptionLimiter, redeemToken } from './redemption.js';
import { joinRequestFor, refusal, tempDb, testClock, testHubHosts } from './test-support.js';
import { decodeJoinToken } from './token-codec.js';
import { JoinTokensRepo } from './tokens-repo.js';

let t: ReturnType<typeof tempDb>;
afterEach(() => t?.close());

function setup(opts: { uses?: number; ttlSeconds?: number } = {}) {
  t = tempDb();
  const clock = testClock();
  const hosts = testHubHosts(t.db, t.dir, { now: clock.now });
  const created = hosts.createToken({ uses: opts.uses ?? 1, ttlSeconds: opts.ttlSeconds ?? 3600 });
  const p = decodeJoinToken(created.token);
  const tokens = new JoinTokensRepo(t.db);
  const redeem = (secret = p.secret) => redeemToken(t.db, tokens, p.id, secret, clock.now());
  return { hosts, clock, p, tokens, redeem, created };
}

describe('redeeming a join token', () => {
  it('a one-use token works once; the second use is token_used, saying so', () => {
    const { redeem, p } = setup();
    expect(redeem().usesLeft).toBe(0);
    const err = refusal(() => redeem());
    expect(err).toMatchObject({ status: 401, code: 'token_used' });
    expect(err.message).toMatch(new RegExp(`join token ${p.id} was already used`));
  });

  it('a token made for N uses works N times', () => {
    const { redeem } = setup({ uses: 3 });
    expect([redeem().usesLeft, redeem().usesLeft, redeem().usesLeft]).toEqual([2, 1, 0]);
    expect(refusal(() => redeem()).code).toBe('token_used');
  });

  it('an expired token is token_expired, with the time it expired', () => {
    const { redeem, clock, created } = setup({ ttlSeconds: 60 });
    clock.advance(59_999);
    clock.advance(1);
    const err = refusal(() => redeem());
    expect(err).toMatchObject({ status: 401, code: 'token_expired' });
    expect(err.message).toContain(`expired at ${created.view.expiresAt}`);
  });

  it('a revoked token is token_revoked, and its pairing key goes an hour later (to answer why)', async () => {
    const { redeem, hosts, p, tokens, clock } = setup();
    expect(await hosts.revokeToken(p.id)).toBe(true);
    expect(refusal(() => redeem())).toMatchObject({ status: 401, code: 'token_revoked' });
    const fp = tokens.get(p.id)?.pairingFingerprint as string;
    const keys = new SshKeysRepo(t.db);
    expect(keys.findActiveByFingerprint(fp, clock.now() + 3500_000)).toBeDefined();
    expect(keys.findActiveByFingerprint(fp, clock.now() + 3700_000)).toBeUndefined();
    expect(hosts.listTokens()[0]?.state).toBe('revoked');
  });

  it('an unknown id and a wrong secret are both token_unknown (a wrong secret reveals nothing)', () => {
    const { redeem, tokens, p, clock } = setup();
    expect(refusal(() => redeem('x'.repeat(43)))).toMatchObject({ status: 401, code: 'token_unknown' });
    expect(refusal(() => redeemToken(t.db, tokens, 'nosuchtoken1', p.secret, clock.now())).code).toBe(
      'token_unknown',
    );
    // The wrong secret did not take a use.
    expect(redeem().usesLeft).toBe(0);
  });

  it('revoked wins over used and expired; used wins over expired', async () => {
    const { redeem, clock, hosts, p } = setup({ ttlSeconds: 60 });
    redeem();
    clock.advance(120_000);
    expect(refusal(() => redeem()).code).toBe('token_used');
    await hosts.revokeToken(p.id);
    expect(refusal(() => redeem()).code).toBe('token_revoked');
  });
});

describe('token creation', () => {
  it('stores only a hash of the secret, registers the pairing key until an hour after the token expires, and lists a prefix', () => {
    const { p, tokens, hosts, created, clock } = setup({ ttlSeconds: 600 });
    const row = t.db.prepare('SELECT * FROM join_tokens').get() as Record<string, unknown>;
    expect(JSON.stringify(row)).not.toContain(p.secret);
    const fp = tokens.get(p.id)?.pairingFingerprint as string;
    const key = new SshKeysRepo(t.db).findActiveByFingerprint(fp, clock.now());
    expect(key).toMatchObject({
      role: 'pairing',
      owner: `token:${p.id}`,
      expiresAt: clock.now() + 600_000 + 3600_000,
    });
    expect(created.command).toBe(`launchpad --server --join ${created.token}`);
    expect(created.view).toMatchObject({ id: p.id, usesLeft: 1, state: 'active', lastUsedAt: null });
    expect(hosts.listTokens()).toEqual([created.view]);
    expect(JSON.stringify(hosts.listTokens())).not.toContain(p.secret);
    expect(t.db.prepare('SELECT kind, subject FROM events').all()).toEqual([
      { kind: 'token.created', subject: p.id },
    ]);
  });

  it('is refused in Plus with not_a_launchpad_hub', () => {
    t = tempDb();
    const plus = testHubHosts(t.db, t.dir, { launchpad: null });
    expect(() => plus.createToken({})).toThrow(
      expect.objectContaining({ status: 409, code: 'not_a_launchpad_hub' }) as unknown as Error,
    );
    expect(plus.listHosts()).toEqual([]);
    expect(plus.listTokens()).toEqual([]);
  });
});

describe('the redemption rate limit', () => {
  it('blocks an address after max failures in the window, and a token id tried from many addresses', () => {
    const limiter = new RedemptionLimiter({ max: 3, windowMs: 60_000 });
    const now = 1_000_000;
    for (let i = 0; i < 3; i++) limiter.fail('10.0.0.1', `tok${i}`, now);
    const err = refusal(() => limiter.check('10.0.0.1', 'other', now + 1000));
    expect(err).toMatchObject({ status: 429, code: 'rate_limited', retryAfterSeconds: 59 });
    expect(err).toBeInstanceOf(ApiError);
    expect(err.headers).toEqual({ 'retry-after': '59' });
    expect(() => limiter.check('10.0.0.2', 'other', now)).not.toThrow();
    for (let i = 0; i < 3; i++) limiter.fail(`10.1.0.${i}`, 'target', now);
    expect(refusal(() => limiter.check('10.9.9.9', 'target', now)).code).toBe('rate_limited');
    expect(() => limiter.check('10.0.0.1', 'other', now + 60_000)).not.toThrow();
  });

  it('counts failed joins (10 a minute by default), not successful ones', () => {
    const { hosts, p } = setup({ uses: 20 });
    const from = { address: '192.0.2.7', via: 'https' as const };
    for (let i = 0; i < 4; i++) hosts.join(joinRequestFor(p, `box${i}`), from);
    for (let i = 0; i < 10; i++) {
      expect(() => hosts.join({ ...joinRequestFor(p), secret: 'y'.repeat(43) }, from)).toThrow(
        expect.objectContaining({ code: 'token_unknown' }) as unknown as Error,
      );
    }
    expect(() => hosts.join(joinRequestFor(p), from)).toThrow(
      expect.objectContaining({ code: 'rate_limited' }) as unknown as Error,
    );
  });
});
