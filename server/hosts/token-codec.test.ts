import { describe, expect, it } from 'vitest';
import type { JoinTokenPayload } from '../api/index.js';
import { decodeJoinToken, encodeJoinToken, JoinTokenFormatError, tokenPrefix } from './token-codec.js';

const payload: JoinTokenPayload = {
  v: 1,
  host: 'hub.lan',
  httpsPort: 9200,
  sshdPort: 9201,
  tls: Array.from({ length: 32 }, (_, i) => (i * 7).toString(16).padStart(2, '0').toUpperCase()).join(':'),
  ssh: 'SHA256:YtfG6pa4hppzcMzTE9xGbmB3AC3ktU6hE5sWUyu8c6c',
  id: 'AbCdEfGh_-12',
  secret: 'd_SFZwNiQQkEDPYGqBDsUn_lAasqLBwN3iFCSEd3zXg',
};

function formatError(token: string): string {
  try {
    decodeJoinToken(token);
  } catch (err) {
    expect(err).toBeInstanceOf(JoinTokenFormatError);
    return (err as Error).message;
  }
  throw new Error('expected a JoinTokenFormatError');
}

describe('join token codec', () => {
  it('round-trips a payload, also with surrounding whitespace from a copy', () => {
    const token = encodeJoinToken(payload);
    expect(token).toMatch(/^lp1_[A-Za-z0-9_-]+$/);
    expect(decodeJoinToken(token)).toEqual(payload);
    expect(decodeJoinToken(`  ${token}\n`)).toEqual(payload);
  });

  it('lists a prefix that the token starts with, which depends on the id and not on the secret', () => {
    const token = encodeJoinToken(payload);
    const prefix = tokenPrefix(payload.id);
    expect(prefix.endsWith('…')).toBe(true);
    expect(token.startsWith(prefix.slice(0, -1))).toBe(true);
    const other = encodeJoinToken({ ...payload, secret: 'x'.repeat(43), host: 'elsewhere' });
    expect(other.startsWith(prefix.slice(0, -1))).toBe(true);
    expect(tokenPrefix('ZZZZZZZZZZZZ')).not.toBe(prefix);
  });

  it('refuses a wrong prefix, saying what a join token looks like', () => {
    expect(formatError('abc')).toMatch(/not a Launchpad join token: a join token starts with lp1_/);
    expect(formatError('')).toMatch(/starts with lp1_/);
    expect(formatError(`LP1_${encodeJoinToken(payload).slice(4)}`)).toMatch(/starts with lp1_/);
    expect(formatError(`lp2_${encodeJoinToken(payload).slice(4)}`)).toMatch(
      /format lp2_.*same Launchpad version/,
    );
  });

  it('refuses malformed bodies without quoting the token (it carries the secret)', () => {
    const token = encodeJoinToken(payload);
    const cases = [
      'lp1_',
      `${token.slice(0, 40)} ${token.slice(40)}`,
      `${token}=`,
      `lp1_${Buffer.from('{"v":1').toString('base64url')}`,
      `lp1_${Buffer.from('[1,2]').toString('base64url')}`,
      `lp1_${Buffer.from(JSON.stringify({ ...payload, tls: 'nope' })).toString('base64url')}`,
      `lp1_${Buffer.from(JSON.stringify({ ...payload, extra: 1 })).toString('base64url')}`,
      token.slice(0, -20),
    ];
    for (const bad of cases) {
      const message = formatError(bad);
      expect(message).toMatch(/damaged/);
      expect(message).not.toContain(payload.secret);
      if (bad.length > 10) expect(message).not.toContain(bad.slice(4, 30));
    }
    expect(
      formatError(`lp1_${Buffer.from(JSON.stringify({ ...payload, tls: 'nope' })).toString('base64url')}`),
    ).toMatch(/tls is not valid/);
  });

  it('refuses to encode a payload that does not fit the contract', () => {
    expect(() => encodeJoinToken({ ...payload, httpsPort: 0 })).toThrow();
  });
});
