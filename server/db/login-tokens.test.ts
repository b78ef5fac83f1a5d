import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LoginTokensRepo } from './login-tokens.js';
import { migrate } from './migrate.js';
import { type Db, openDatabase } from './open.js';

let dir: string;
let path: string;
let db: Db;
let tokens: LoginTokensRepo;
const T0 = 1_700_000_000_000;
const MINUTE = 60_000;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lp-db-login-'));
  path = join(dir, 'launchpad.db');
  db = openDatabase(path);
  migrate(db);
  tokens = new LoginTokensRepo(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('LoginTokensRepo', () => {
  it('consumes a token once', () => {
    const { id } = tokens.create({ tokenHash: 't1', expiresAt: T0 + MINUTE, now: T0 });
    expect(id).toBeGreaterThan(0);
    expect(tokens.consume('t1', T0 + 1)).toBe(true);
    expect(tokens.consume('t1', T0 + 2)).toBe(false);
    expect(db.prepare('SELECT used_at FROM login_tokens WHERE id = ?').pluck().get(id)).toBe(T0 + 1);
  });

  it('refuses an expired or unknown token', () => {
    tokens.create({ tokenHash: 't1', expiresAt: T0 + MINUTE, now: T0 });
    expect(tokens.consume('t1', T0 + MINUTE)).toBe(false);
    expect(tokens.consume('unknown', T0)).toBe(false);
    // A refused attempt does not burn the token.
    expect(tokens.consume('t1', T0)).toBe(true);
  });

  it('lets only one of two connections consume the same token', () => {
    tokens.create({ tokenHash: 't1', expiresAt: Date.now() + MINUTE });
    const other = openDatabase(path);
    try {
      const results = [tokens.consume('t1'), new LoginTokensRepo(other).consume('t1')];
      expect(results.sort()).toEqual([false, true]);
    } finally {
      other.close();
    }
  });

  it('purges expired tokens only', () => {
    tokens.create({ tokenHash: 'old', expiresAt: T0, now: T0 - MINUTE });
    tokens.create({ tokenHash: 'new', expiresAt: T0 + MINUTE, now: T0 });
    expect(tokens.purgeExpired(T0)).toBe(1);
    expect(tokens.consume('new', T0)).toBe(true);
  });
});
