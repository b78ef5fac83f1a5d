import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type HubProcess,
  hubFetch,
  pathOf,
  runCli,
  sessionCookieOf,
  signIn,
  startHub,
  tokenOf,
  withHubHarness,
} from './support/hub-process.js';

withHubHarness();

let hub: HubProcess;
/** Every login token and session cookie value the tests saw: none may reach a log. */
const credentials: string[] = [];

beforeAll(async () => {
  hub = await startHub();
  credentials.push(tokenOf(hub.loginUrl));
});

const get = (path: string, cookie?: string) =>
  hubFetch(hub.port, path, { ca: hub.caPem, ...(cookie ? { cookie } : {}) });

/** A fresh sign-in URL from `launchpad login-url`. */
async function newLoginUrl(): Promise<string> {
  const res = await runCli(['login-url', '--data-dir', hub.dataDir]);
  expect(res.code, res.stderr).toBe(0);
  const url = res.stdout.trim();
  expect(url).toMatch(/^https:\/\/\S+\/login\?token=\S+$/);
  credentials.push(tokenOf(url));
  return url;
}

describe('sign-in', () => {
  it('the printed login URL works exactly once and sets a strict session cookie', async () => {
    const first = await get(pathOf(hub.loginUrl));
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe('/');
    const setCookie = (first.headers['set-cookie'] ?? []).find((c) => c.startsWith('lp_session='));
    expect(setCookie).toBeDefined();
    expect(setCookie).toMatch(/;\s*HttpOnly(;|$)/i);
    expect(setCookie).toMatch(/;\s*Secure(;|$)/i);
    expect(setCookie).toMatch(/;\s*SameSite=Strict(;|$)/i);
    const cookie = sessionCookieOf(first) as string;
    credentials.push(cookie.slice('lp_session='.length));

    const settings = await get('/api/settings', cookie);
    expect(settings.status).toBe(200);
    expect(settings.json.settings).toContainEqual(expect.objectContaining({ key: 'product', value: 'plus' }));
    const session = await get('/api/auth/session', cookie);
    expect(session.json).toMatchObject({ signedIn: true });

    const reused = await get(pathOf(hub.loginUrl));
    expect(reused.status).toBe(401);
    expect(reused.headers['set-cookie']).toBeUndefined();
    expect(reused.text).toMatch(/does not work/);
  });

  it('the API refuses a request without a session with a JSON 401', async () => {
    const res = await get('/api/settings');
    expect(res.status).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json.error).toMatchObject({ code: 'unauthenticated' });
    expect(typeof res.json.error.message).toBe('string');
    // The public status says who is asking.
    expect((await get('/api/status')).json.signedIn).toBe(false);
  });

  it('`launchpad login-url` prints a new URL that works; logout-all ends every session', async () => {
    const a = await signIn(hub, await newLoginUrl());
    const b = await signIn(hub, await newLoginUrl());
    credentials.push(a.slice('lp_session='.length), b.slice('lp_session='.length));
    expect(a).not.toBe(b);
    expect((await get('/api/settings', a)).status).toBe(200);
    expect((await get('/api/status', a)).json.signedIn).toBe(true);

    const out = await hubFetch(hub.port, '/api/auth/logout-all', {
      method: 'POST',
      cookie: b,
      ca: hub.caPem,
    });
    expect(out.status).toBe(200);
    expect(out.json.revoked).toBeGreaterThanOrEqual(2);

    for (const old of [a, b]) {
      const res = await get('/api/settings', old);
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('unauthenticated');
    }
  });

  it.runIf(process.platform === 'linux')(
    'after 10 bad tokens an IP gets 429 with Retry-After, even with a valid token; other IPs are not affected',
    async () => {
      // A client address of its own (all of 127/8 is loopback on Linux), so earlier failures do not count.
      const attacker = { ca: hub.caPem, localAddress: '127.0.0.2' };
      for (let i = 0; i < 10; i++) {
        const res = await hubFetch(hub.port, `/login?token=wrong-${i}`, attacker);
        expect(res.status).toBe(401);
      }
      const limited = await hubFetch(hub.port, '/login?token=wrong-10', attacker);
      expect(limited.status).toBe(429);
      const retryAfter = Number(limited.headers['retry-after']);
      expect(Number.isInteger(retryAfter)).toBe(true);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);

      const valid = await newLoginUrl();
      const refused = await hubFetch(hub.port, pathOf(valid), attacker);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(sessionCookieOf(refused)).toBeUndefined();

      // The refused token was not spent, and 127.0.0.1 was never limited.
      const cookie = await signIn(hub, valid);
      credentials.push(cookie.slice('lp_session='.length));
      expect((await get('/api/settings', cookie)).status).toBe(200);
    },
  );

  it('no login token or session cookie reaches the log files or the JSON lines on stdout', async () => {
    expect(credentials.length).toBeGreaterThanOrEqual(5);
    expect(await hub.stop('SIGTERM')).toBe(0);

    const logDir = join(hub.dataDir, 'logs');
    const files = readdirSync(logDir);
    expect(files.length).toBeGreaterThan(0);
    const fileText = files.map((f) => readFileSync(join(logDir, f), 'utf8')).join('\n');
    const jsonText = hub
      .output()
      .stdout.split('\n')
      .filter((l) => l.startsWith('{'))
      .join('\n');
    // The logs did record the sign-ins (so we are looking at the right lines) ...
    for (const text of [fileText, jsonText]) {
      expect(text).toContain('signed in with a login token');
      expect(text).toContain('login with an unknown, used or expired token');
      expect(text).toContain('/login');
    }
    // ... but never what would let someone else sign in.
    for (const secret of credentials) {
      expect(fileText).not.toContain(secret);
      expect(jsonText).not.toContain(secret);
    }
    expect(fileText).not.toContain('wrong-3');
  });
});
