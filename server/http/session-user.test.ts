import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LoginTokensRepo, migrate, openDatabase, SessionsRepo } from '../db/index.js';
import { Auth } from './auth.js';
import { SESSION_CACHE_MS, sessionUserOf } from './session-user.js';

const dbs: { close(): void }[] = [];
afterEach(() => {
  for (const d of dbs.splice(0)) d.close();
});

function tempDb() {
  const dir = mkdtempSync(join(tmpdir(), 'lp-session-user-'));
  const db = openDatabase(join(dir, 'launchpad.db'));
  migrate(db);
  return {
    db,
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function setup() {
  const t = tempDb();
  dbs.push(t);
  const sessions = new SessionsRepo(t.db);
  const auth = new Auth(sessions, new LoginTokensRepo(t.db), 'key', 'admin-secret');
  const signIn = () => {
    const s = auth.redeemLoginToken(auth.createLoginToken().token, {});
    if (!s) throw new Error('no session');
    return s.sessionToken;
  };
  const req = (cookie?: string) => ({ headers: cookie ? { cookie } : {} }) as IncomingMessage;
  return { t, auth, sessions, signIn, req };
}

describe('sessionUserOf', () => {
  it('answers the session user for the session cookie, null otherwise', () => {
    const { auth, signIn, req } = setup();
    const token = signIn();
    expect(sessionUserOf(auth, req(`a=1; lp_session=${token}`))).toEqual(
      expect.objectContaining({ user: 'admin' }),
    );
    expect(sessionUserOf(auth, req('lp_session=unknown'))).toBeNull();
    expect(sessionUserOf(auth, req())).toBeNull();
  });

  it('caches for SESSION_CACHE_MS; a sign-out in this process drops the cache at once', () => {
    const { t, auth, signIn, req } = setup();
    const token = signIn();
    const now = Date.now();
    expect(sessionUserOf(auth, req(`lp_session=${token}`), now)).not.toBeNull();
    // Deleted behind Auth's back (another process): still cached, until the cache time is up.
    t.db.prepare('DELETE FROM sessions').run();
    expect(sessionUserOf(auth, req(`lp_session=${token}`), now + 1)).not.toBeNull();
    expect(sessionUserOf(auth, req(`lp_session=${token}`), now + SESSION_CACHE_MS + 1)).toBeNull();

    const other = signIn();
    expect(sessionUserOf(auth, req(`lp_session=${other}`), now)).not.toBeNull();
    auth.signOutEverywhere();
    expect(sessionUserOf(auth, req(`lp_session=${other}`), now + 1)).toBeNull();
  });
});
