import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, SignatureVerifier } from '../hosts/index.js';
import { SESSION_TTL_MS } from '../http/index.js';
import {
  type Echo,
  type Hub,
  hubRequest,
  nextMessage,
  OTHER,
  openWs,
  PROJECT,
  SECRET,
  startHub,
  startUpstream,
  streamThrough,
  type Upstream,
} from './test-support.js';

let hub: Hub;
let upstream: Upstream;
let cookie: string;

beforeAll(async () => {
  [hub, upstream] = await Promise.all([startHub({ responseTimeoutMs: 1_000 }), startUpstream()]);
  cookie = hub.signIn();
  hub.routes.set(PROJECT, {
    kind: 'ok',
    target: { host: '127.0.0.1', port: upstream.port },
    secret: SECRET,
    hostName: 'lab-1',
  });
});

afterAll(async () => {
  await hub?.close();
  await upstream?.close();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  hubRequest(hub, path, { headers: { cookie, ...headers } });

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('forwarding', () => {
  it('keeps the path with its prefix and query; /<id>/conat… loses the prefix, keeps the query', async () => {
    const plain = await get(`/${PROJECT}/echo/a%20b/?x=1&y=2`);
    expect(plain.status).toBe(200);
    expect((plain.json() as Echo).url).toBe(`/${PROJECT}/echo/a%20b/?x=1&y=2`);

    for (const [asked, forwarded] of [
      [`/${PROJECT}/conat/echo?EIO=4&transport=polling`, '/conat/echo?EIO=4&transport=polling'],
      [`/${PROJECT}/conat?echo=1`, '/conat?echo=1'],
      [`/${PROJECT}/conatx/echo`, `/${PROJECT}/conatx/echo`],
      [`/${PROJECT}/echo?`, `/${PROJECT}/echo`],
    ] as const) {
      const res = await get(asked);
      expect(res.status, asked).toBe(200);
      expect((res.json() as Echo).url, asked).toBe(forwarded);
    }
  });

  it('strips the hub session cookie and Authorization, keeps other cookies, sets X-Forwarded-*', async () => {
    const res = await get(`/${PROJECT}/echo`, {
      cookie: `app=1; ${cookie}; theme=dark`,
      authorization: 'Bearer admin-secret',
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-prefix': '/spoofed',
    });
    const echo = res.json() as Echo;
    expect(echo.headers.cookie).toBe('app=1; theme=dark');
    expect(echo.headers.authorization).toBeUndefined();
    expect(echo.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1');
    expect(echo.headers['x-forwarded-proto']).toBe('https');
    expect(echo.headers['x-forwarded-host']).toBe(`127.0.0.1:${hub.port}`);
    expect(echo.headers['x-forwarded-prefix']).toBe(`/${PROJECT}`);
    // The app's own headers come back; the hub's CSP is not added, nosniff is.
    expect(res.headers['set-cookie']).toEqual(['app=1; Path=/']);
    expect(res.headers['content-security-policy']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');

    const only = (await get(`/${PROJECT}/echo`)).json() as Echo;
    expect(only.headers.cookie).toBeUndefined();
  });

  it('a client’s Connection: close stays with the hub: the host connection is kept alive', async () => {
    const echo = (await get(`/${PROJECT}/echo`, { connection: 'close' })).json() as Echo;
    expect(echo.headers.connection).toBe('keep-alive');
  });

  it('signs the identity: the host verifies project and user; another secret refuses it', async () => {
    const echo = (await get(`/${PROJECT}/echo?q=1`, { 'x-launchpad-signature': 'forged' })).json() as Echo;
    expect(echo.check).toEqual({ ok: true, projectId: PROJECT, user: 'admin' });
    const header = echo.headers[SIGNATURE_HEADER] as string;
    expect(new SignatureVerifier('another-secret').verify(header, 'GET', echo.url)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    // Signed over the forwarded path: another path does not verify either.
    expect(new SignatureVerifier(SECRET).verify(header, 'GET', `/${PROJECT}/other`)).toMatchObject({
      ok: false,
    });
  });

  it('a host with another secret refuses the proxied request', async () => {
    const strict = await startUpstream('not-the-secret');
    try {
      hub.routes.set(OTHER, { kind: 'ok', target: { host: '127.0.0.1', port: strict.port }, secret: SECRET });
      const res = await get(`/${OTHER}/echo`);
      expect(res.status).toBe(401);
      expect(res.json()).toMatchObject({ check: { ok: false, reason: 'bad-signature' } });
    } finally {
      hub.routes.delete(OTHER);
      await strict.close();
    }
  });

  it('the bare /<id> redirects to /<id>/ (relative links inside work); traffic touches the project', async () => {
    const res = await get(`/${PROJECT}?a=1`);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(`/${PROJECT}/?a=1`);
    expect(hub.calls.touch).toContain(PROJECT);
    // Throttled: many requests, one touch within the interval.
    expect(hub.calls.touch.filter((id) => id === PROJECT)).toHaveLength(1);
  });

  it('a body sent with Expect: 100-continue goes through', async () => {
    const res = await hubRequest(hub, `/${PROJECT}/stream`, {
      method: 'POST',
      headers: { cookie, expect: '100-continue', 'content-length': '5' },
      body: 'hello',
    });
    expect(res.status).toBe(200);
    expect(res.text).toBe('hello');
  });

  it('streams a 50 MiB body both ways byte-identical', async () => {
    const body = randomBytes(50 * 1024 * 1024);
    const res = await streamThrough(hub, `/${PROJECT}/stream`, cookie, body);
    expect(res.status).toBe(200);
    expect(res.length).toBe(body.length);
    expect(res.sha256).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('keep-alive: many requests on one client connection and pooled host connections', async () => {
    const { Agent } = await import('node:https');
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: hub.ca });
    try {
      const replies = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          hubRequest(hub, `/${PROJECT}/echo?i=${i}`, { headers: { cookie }, agent }),
        ),
      );
      expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
      expect(replies.map((r) => (r.json() as Echo).url)).toEqual(
        replies.map((_, i) => `/${PROJECT}/echo?i=${i}`),
      );
    } finally {
      agent.destroy();
    }
  });
});

describe('without a session', () => {
  it('a browser navigating is sent to sign in and back; anything else gets a JSON 401', async () => {
    const page = await hubRequest(hub, `/${PROJECT}/files/a?b=1`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(302);
    expect(page.headers.location).toBe(`/login?next=${encodeURIComponent(`/${PROJECT}/files/a?b=1`)}`);

    const api = await hubRequest(hub, `/${PROJECT}/api/x`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(401);
    expect(api.json()).toMatchObject({ error: { code: 'unauthenticated' } });

    const bogus = await hubRequest(hub, `/${PROJECT}/echo`, { headers: { cookie: 'lp_session=nope' } });
    expect(bogus.status).toBe(401);
  });

  it('/login?next= leads a signed-in browser back; only same-origin paths', async () => {
    const back = await hubRequest(hub, `/login?next=${encodeURIComponent(`/${PROJECT}/x?y=1`)}`, {
      headers: { cookie },
    });
    expect(back.status).toBe(302);
    expect(back.headers.location).toBe(`/${PROJECT}/x?y=1`);
    for (const evil of ['//evil.example/x', '/\\evil.example', 'https://evil.example/']) {
      const res = await hubRequest(hub, `/login?next=${encodeURIComponent(evil)}`, { headers: { cookie } });
      expect(res.headers.location, evil).toBe('/');
    }
    const signedOut = await hubRequest(hub, `/login?next=${encodeURIComponent(`/${PROJECT}/`)}`);
    expect(signedOut.status).toBe(200);
    expect(signedOut.text).toContain(`href="/${PROJECT}/"`);
  });

  it('signing out takes effect on the proxy at once (cached session lookups are dropped)', async () => {
    const mine = hub.signIn();
    expect((await hubRequest(hub, `/${PROJECT}/echo`, { headers: { cookie: mine } })).status).toBe(200);
    const out = await hubRequest(hub, '/api/auth/logout', {
      method: 'POST',
      headers: { cookie: mine, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(out.status).toBe(200);
    expect((await hubRequest(hub, `/${PROJECT}/echo`, { headers: { cookie: mine } })).status).toBe(401);
  });
});

describe('when the project cannot be reached', () => {
  it('unknown project: 404 page or JSON', async () => {
    const page = await get(`/${OTHER}/`, { accept: 'text/html' });
    expect(page.status).toBe(404);
    expect(page.text).toContain(`No project <code>${OTHER}</code> on this hub`);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    const json = await get(`/${OTHER}/x`);
    expect(json.status).toBe(404);
    expect(json.json()).toMatchObject({ error: { code: 'project_not_found' } });
  });

  it('host offline: 502 naming the host and when it was last seen', async () => {
    hub.routes.set(OTHER, {
      kind: 'host-offline',
      projectName: 'Thesis',
      hostName: 'lab-2',
      lastSeenAt: '2030-01-01T12:00:00.000Z',
    });
    try {
      const page = await get(`/${OTHER}/`, { accept: 'text/html' });
      expect(page.status).toBe(502);
      expect(page.text).toContain('<strong>lab-2</strong>');
      expect(page.text).toContain('2030-01-01 12:00 UTC');
      const json = await get(`/${OTHER}/x`);
      expect(json.status).toBe(502);
      expect(json.json()).toMatchObject({
        error: { code: 'host_offline', message: expect.stringMatching(/lab-2/) },
      });
    } finally {
      hub.routes.delete(OTHER);
    }
  });

  it('not running: a page with the Start form (HTML GET), 503 JSON otherwise; starting refreshes itself', async () => {
    hub.routes.set(OTHER, {
      kind: 'not-running',
      projectName: 'Thesis',
      state: 'error',
      error: 'disk <full>',
    });
    try {
      const page = await get(`/${OTHER}/files`, { accept: 'text/html' });
      expect(page.status).toBe(503);
      expect(page.text).toContain(`<form method="post" action="/${OTHER}/.launchpad/start">`);
      expect(page.text).toContain('disk &#60;full&#62;');
      expect(page.text).not.toMatch(/<script/i);
      const json = await get(`/${OTHER}/files`);
      expect(json.status).toBe(503);
      expect(json.json()).toMatchObject({ error: { code: 'project_not_running' } });

      hub.routes.set(OTHER, { kind: 'not-running', projectName: 'Thesis', state: 'starting', error: null });
      const starting = await get(`/${OTHER}/`, { accept: 'text/html' });
      expect(starting.text).toContain('Starting Thesis…');
      expect(starting.text).toContain('<meta http-equiv="refresh" content="2">');
      expect(starting.text).not.toContain('<form');
    } finally {
      hub.routes.delete(OTHER);
    }
  });

  it('the Start button: same origin starts and redirects; another origin or none is refused', async () => {
    hub.routes.set(OTHER, { kind: 'not-running', projectName: 'Thesis', state: 'stopped', error: null });
    hub.onStart = async (id) => {
      hub.routes.set(id, { kind: 'ok', target: { host: '127.0.0.1', port: upstream.port }, secret: SECRET });
    };
    const post = (headers: Record<string, string>) =>
      hubRequest(hub, `/${OTHER}/.launchpad/start`, {
        method: 'POST',
        headers: {
          cookie,
          accept: 'text/html',
          'content-type': 'application/x-www-form-urlencoded',
          ...headers,
        },
        body: '',
      });
    try {
      const cross = await post({ origin: 'https://evil.example' });
      expect(cross.status).toBe(403);
      expect((await post({})).status).toBe(403);
      expect((await post({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
      expect(hub.calls.start).toEqual([]);
      const noSession = await hubRequest(hub, `/${OTHER}/.launchpad/start`, {
        method: 'POST',
        headers: { origin: `https://127.0.0.1:${hub.port}` },
      });
      expect(noSession.status).toBe(401);

      const ok = await post({ origin: `https://127.0.0.1:${hub.port}` });
      expect(ok.status).toBe(303);
      expect(ok.headers.location).toBe(`/${OTHER}/`);
      expect(hub.calls.start).toEqual([`${OTHER}:admin`]);
      expect((await get(`/${OTHER}/echo`)).status).toBe(200);

      hub.routes.set(OTHER, { kind: 'not-running', projectName: 'Thesis', state: 'stopped', error: null });
      hub.onStart = async () => {
        throw new Error('no space left on device');
      };
      const failed = await post({ 'sec-fetch-site': 'same-origin' });
      expect(failed.status).toBe(500);
      expect(failed.text).toContain('no space left on device');
      expect(failed.text).toContain('<form method="post"');
    } finally {
      hub.routes.delete(OTHER);
      hub.onStart = async () => undefined;
    }
  });

  it('the host answers that it does not run the project: the registry hears it, the Start page shows', async () => {
    hub.routes.set(OTHER, { kind: 'ok', target: { host: '127.0.0.1', port: upstream.port }, secret: SECRET });
    try {
      const res = await get(`/${OTHER}/gone`, { accept: 'text/html' });
      expect(hub.calls.notRunning).toEqual([OTHER]);
      expect(res.status).toBe(503);
      expect(res.text).toContain('Start project');
    } finally {
      hub.routes.delete(OTHER);
    }
  });

  it('host down or silent: 502 naming the host, and the hub keeps serving', async () => {
    hub.routes.set(OTHER, {
      kind: 'ok',
      target: { host: '127.0.0.1', port: await closedPort() },
      secret: SECRET,
      hostName: 'lab-3',
    });
    try {
      const page = await get(`/${OTHER}/`, { accept: 'text/html' });
      expect(page.status).toBe(502);
      expect(page.text).toContain('<strong>lab-3</strong>');
      expect(page.text).toContain('ECONNREFUSED');
      const json = await get(`/${OTHER}/x`);
      expect(json.json()).toMatchObject({ error: { code: 'host_unreachable' } });

      // No answer within responseTimeoutMs (1 s here).
      const slow = await get(`/${PROJECT}/hang`);
      expect(slow.status).toBe(502);
      expect(slow.json()).toMatchObject({ error: { message: expect.stringMatching(/ETIMEDOUT/) } });

      // Breaking off mid-body cuts the client's connection: no hang, no complete-looking response.
      await expect(get(`/${PROJECT}/reset`)).rejects.toThrow();

      expect((await hubRequest(hub, '/api/status')).status).toBe(200);
      expect((await get(`/${PROJECT}/echo`)).status).toBe(200);
    } finally {
      hub.routes.delete(OTHER);
    }
  });
});

describe('WebSockets', () => {
  it('echo through the proxy, signed, /conat rewritten with its query', async () => {
    const ws = await openWs(hub, `/${PROJECT}/conat/?EIO=4&transport=websocket`, `a=1; ${cookie}`);
    try {
      const hello = JSON.parse((await nextMessage(ws)).toString()) as {
        url: string;
        check: unknown;
        headers: Record<string, string>;
      };
      expect(hello.url).toBe('/conat/?EIO=4&transport=websocket');
      expect(hello.check).toEqual({ ok: true, projectId: PROJECT, user: 'admin' });
      expect(hello.headers.cookie).toBe('a=1');
      expect(hello.headers['x-forwarded-prefix']).toBe(`/${PROJECT}`);
      ws.send('ping');
      expect((await nextMessage(ws)).toString()).toBe('ping');
      const big = randomBytes(4 * 1024 * 1024);
      ws.send(big);
      expect((await nextMessage(ws)).equals(big)).toBe(true);
    } finally {
      ws.close();
    }

    const plain = await openWs(hub, `/${PROJECT}/terminal?x=1`, cookie);
    expect(JSON.parse((await nextMessage(plain)).toString()).url).toBe(`/${PROJECT}/terminal?x=1`);
    plain.close();
  });

  it('refuses upgrades without a session, for unknown projects, and outside projects', async () => {
    await expect(openWs(hub, `/${PROJECT}/conat`)).rejects.toThrow(/401/);
    await expect(openWs(hub, `/${OTHER}/conat`, cookie)).rejects.toThrow(/404/);
    await expect(openWs(hub, '/api/events', cookie)).rejects.toThrow();
    await expect(openWs(hub, `/${PROJECT}/conat`, cookie, 'https://evil.example')).rejects.toThrow(/403/);
    const same = await openWs(hub, `/${PROJECT}/conat`, cookie, `https://127.0.0.1:${hub.port}`);
    same.close();
  });
});

describe('WebSockets and the end of a session', () => {
  /** A WebSocket through `own` for `cookie`, past its first (describing) message. */
  async function opened(own: Hub, cookie: string) {
    const ws = await openWs(own, `/${PROJECT}/conat`, cookie);
    await nextMessage(ws);
    const closed = new Promise<void>((r) => ws.once('close', () => r()));
    return { ws, closed };
  }
  const echoes = async (ws: Awaited<ReturnType<typeof openWs>>) => {
    ws.send('still-here');
    return (await nextMessage(ws)).toString() === 'still-here';
  };
  const post = (own: Hub, path: string, cookie: string) =>
    hubRequest(own, path, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: '{}',
    });

  it("signing out ends that session's WebSockets at once, and only those; signing out everywhere ends the rest", async () => {
    const [own, up] = await Promise.all([startHub(), startUpstream()]);
    try {
      own.routes.set(PROJECT, { kind: 'ok', target: { host: '127.0.0.1', port: up.port }, secret: SECRET });
      const [a, b] = [own.signIn(), own.signIn()];
      const [wsA, otherA, wsB] = await Promise.all([opened(own, a), opened(own, a), opened(own, b)]);

      expect((await post(own, '/api/auth/logout', a)).status).toBe(200);
      await Promise.all([wsA.closed, otherA.closed]);
      expect(await echoes(wsB.ws)).toBe(true);

      expect((await post(own, '/api/auth/logout-all', b)).status).toBe(200);
      await wsB.closed;
      await expect(openWs(own, `/${PROJECT}/conat`, b)).rejects.toThrow(/401/);
    } finally {
      await own.close();
      await up.close();
    }
  });

  it('a WebSocket whose session expires while it is open is ended by the periodic check', async () => {
    const [own, up] = await Promise.all([startHub({ sessionRecheckMs: 200 }), startUpstream()]);
    try {
      own.routes.set(PROJECT, { kind: 'ok', target: { host: '127.0.0.1', port: up.port }, secret: SECRET });
      // A session made as if 30 days ago, less 1.5 s: it expires 1.5 s from now.
      const { token } = own.auth.createLoginToken();
      const session = own.auth.redeemLoginToken(token, {}, Date.now() - SESSION_TTL_MS + 1_500);
      if (!session) throw new Error('sign-in failed');
      const short = await opened(own, `lp_session=${session.sessionToken}`);
      const lasting = await opened(own, own.signIn());
      await short.closed;
      expect(await echoes(lasting.ws)).toBe(true);
      lasting.ws.close();
    } finally {
      await own.close();
      await up.close();
    }
  });
});

describe('shutdown', () => {
  it('app.close() ends open WebSockets and kept-alive proxied connections', async () => {
    const [own, up] = await Promise.all([startHub(), startUpstream()]);
    try {
      own.routes.set(PROJECT, { kind: 'ok', target: { host: '127.0.0.1', port: up.port }, secret: SECRET });
      const c = own.signIn();
      const ws = await openWs(own, `/${PROJECT}/conat`, c);
      await nextMessage(ws);
      const { Agent } = await import('node:https');
      const agent = new Agent({ keepAlive: true, ca: own.ca });
      expect((await hubRequest(own, `/${PROJECT}/echo`, { headers: { cookie: c }, agent })).status).toBe(200);
      const closedWs = new Promise<void>((r) => ws.once('close', () => r()));
      const t0 = Date.now();
      await own.app.close();
      await closedWs;
      expect(Date.now() - t0).toBeLessThan(3_000);
      agent.destroy();
    } finally {
      own.proxy.close();
      await up.close();
    }
  });
});
