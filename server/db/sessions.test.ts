import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from './migrate.js';
import { type Db, openDatabase } from './open.js';
import { SessionsRepo } from './sessions.js';

let dir: string;
let db: Db;
let sessions: SessionsRepo;
const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lp-db-sessions-'));
  db = openDatabase(join(dir, 'launchpad.db'));
  migrate(db);
  sessions = new SessionsRepo(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SessionsRepo', () => {
  it('creates a session and finds it while valid', () => {
    const { id } = sessions.create({
      tokenHash: 'h1',
      expiresAt: T0 + HOUR,
      ip: '192.168.1.5',
      userAgent: 'test',
      now: T0,
    });
    expect(sessions.findValid('h1', T0 + 1)).toEqual({
      id,
      createdAt: T0,
      expiresAt: T0 + HOUR,
      lastSeenAt: T0,
    });
    const row = db.prepare('SELECT ip, user_agent FROM sessions WHERE id = ?').get(id);
    expect(row).toEqual({ ip: '192.168.1.5', user_agent: 'test' });
    expect(sessions.findValid('other', T0)).toBeUndefined();
  });

  it('stores a missing ip and user agent as NULL', () => {
    const { id } = sessions.create({ tokenHash: 'h', expiresAt: T0 + HOUR, now: T0 });
    expect(db.prepare('SELECT ip, user_agent FROM sessions WHERE id = ?').get(id)).toEqual({
      ip: null,
      user_agent: null,
    });
  });

  it('does not find an expired session (expiry instant included)', () => {
    sessions.create({ tokenHash: 'h1', expiresAt: T0 + HOUR, now: T0 });
    expect(sessions.findValid('h1', T0 + HOUR - 1)).toBeDefined();
    expect(sessions.findValid('h1', T0 + HOUR)).toBeUndefined();
  });

  it('defaults now to the clock', () => {
    const now = Date.now();
    sessions.create({ tokenHash: 'live', expiresAt: now + HOUR });
    sessions.create({ tokenHash: 'dead', expiresAt: now - 1 });
    expect(sessions.findValid('live')).toBeDefined();
    expect(sessions.findValid('dead')).toBeUndefined();
    expect(sessions.countValid()).toBe(1);
  });

  it('refuses a second session with the same token hash', () => {
    sessions.create({ tokenHash: 'h1', expiresAt: T0 + HOUR, now: T0 });
    expect(() => sessions.create({ tokenHash: 'h1', expiresAt: T0 + HOUR, now: T0 })).toThrow(/UNIQUE/);
  });

  it('touch updates last seen but not expiry', () => {
    const { id } = sessions.create({ tokenHash: 'h1', expiresAt: T0 + HOUR, now: T0 });
    sessions.touch(id, T0 + 5000);
    expect(sessions.findValid('h1', T0 + 6000)).toMatchObject({
      lastSeenAt: T0 + 5000,
      expiresAt: T0 + HOUR,
    });
  });

  it('deletes one, or all ("sign out everywhere")', () => {
    const a = sessions.create({ tokenHash: 'a', expiresAt: T0 + HOUR, now: T0 });
    sessions.create({ tokenHash: 'b', expiresAt: T0 + HOUR, now: T0 });
    sessions.create({ tokenHash: 'c', expiresAt: T0 - 1, now: T0 - HOUR });
    sessions.delete(a.id);
    expect(sessions.findValid('a', T0)).toBeUndefined();
    expect(sessions.findValid('b', T0)).toBeDefined();
    expect(sessions.deleteAll()).toBe(2);
    expect(sessions.deleteAll()).toBe(0);
  });

  it('purges expired sessions and counts valid ones', () => {
    sessions.create({ tokenHash: 'old1', expiresAt: T0 - 10, now: T0 - HOUR });
    sessions.create({ tokenHash: 'old2', expiresAt: T0, now: T0 - HOUR });
    sessions.create({ tokenHash: 'new', expiresAt: T0 + HOUR, now: T0 });
    expect(sessions.countValid(T0)).toBe(1);
    expect(sessions.purgeExpired(T0)).toBe(2);
    expect(sessions.purgeExpired(T0)).toBe(0);
    expect(sessions.countValid(T0)).toBe(1);
    expect(sessions.findValid('new', T0)).toBeDefined();
  });
});
