import { request } from 'node:https';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type FetchOptions,
  type HubProcess,
  hubFetch,
  type Json,
  signIn,
  startHub,
  tempDir,
  withHubHarness,
} from './support/hub-process.js';

withHubHarness();

let hub: HubProcess;
let cookie: string;

beforeAll(async () => {
  hub = await startHub();
  cookie = await signIn(hub, hub.loginUrl);
});

const call = (path: string, opts: FetchOptions = {}) =>
  hubFetch(hub.port, path, { ca: hub.caPem, cookie, ...opts });

/** Opens the SSE stream and hands each parsed `status` event to `onEvent`; returns a closer. */
function openEvents(
  onEvent: (e: Json) => void,
  as = cookie,
): Promise<{ status: number; close: () => void; ended: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: hub.port,
        path: '/api/events',
        ca: hub.caPem,
        headers: { cookie: as },
        agent: false,
      },
      (res) => {
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            const data = block.split('\n').find((l) => l.startsWith('data: '));
            if (data) onEvent(JSON.parse(data.slice(6)));
          }
        });
        const ended = new Promise<void>((done) => res.on('close', () => done()));
        resolve({ status: res.statusCode ?? 0, close: () => req.destroy(), ended });
      },
    );
    req.on('error', (err) => {
      if ((err as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(err);
    });
    req.end();
  });
}

describe('live updates over /api/events', () => {
  it('needs a session', async () => {
    const res = await hubFetch(hub.port, '/api/events', { ca: hub.caPem });
    expect(res.status).toBe(401);
  });

  it('sends the status at once and again when a setting changes', async () => {
    const events: Json[] = [];
    // Replaced by each next() call; until then an event needs no one woken.
    let wake: () => void = () => undefined;
    const stream = await openEvents((e) => {
      // Hosts events (sent on connect too) are another test's subject.
      if (e.type !== 'status') return;
      events.push(e);
      wake();
    });
    const next = (n: number) =>
      new Promise<void>((resolve) => {
        wake = () => events.length >= n && resolve();
        wake();
      });
    expect(stream.status).toBe(200);
    await next(1);
    expect(events[0]).toMatchObject({ type: 'status', status: { product: 'plus', restartRequired: false } });
    const res = await call('/api/settings', { method: 'PATCH', body: { basePort: 9400 } });
    expect(res.status).toBe(200);
    await next(2);
    expect(events[1].status.restartRequired).toBe(true);
    await call('/api/settings', { method: 'PATCH', body: { basePort: null } });
    await next(3);
    expect(events[2].status.restartRequired).toBe(false);
    stream.close();
  });
});

describe('signing out ends the live stream', () => {
  it('ends the stream of the session that signs out, not the others', async () => {
    const other = await signIn(
      hub,
      (await call('/api/auth/login-tokens', { method: 'POST', body: {} })).json.url,
    );
    const mine = await openEvents(() => undefined, other);
    const theirs = await openEvents(() => undefined);
    expect((await call('/api/auth/logout', { method: 'POST', cookie: other, body: {} })).status).toBe(200);
    await mine.ended;
    let theirsEnded = false;
    void theirs.ended.then(() => {
      theirsEnded = true;
    });
    // The other session still works and its stream is still open.
    expect((await call('/api/settings')).status).toBe(200);
    expect(theirsEnded).toBe(false);
    theirs.close();
  });
});

describe('first-run setup', () => {
  it('is required until answered, refuses bad choices naming the field, then stores good ones', async () => {
    const before = await call('/api/status');
    expect(before.json.detail.setupRequired).toBe(true);
    const dataDir = before.json.detail.dataDir as string;
    const base = {
      product: 'launchpad',
      deploymentMode: 'local',
      basePort: 9300,
      publicHost: 'hub.lan',
      dataDir,
    };

    const badPort = await call('/api/setup', { method: 'POST', body: { ...base, basePort: 0 } });
    expect(badPort.status).toBe(400);
    expect(badPort.json.error.field).toBe('basePort');
    const noMode = await call('/api/setup', { method: 'POST', body: { ...base, deploymentMode: null } });
    expect(noMode.status).toBe(400);
    expect(noMode.json.error.field).toBe('deploymentMode');
    const relative = await call('/api/setup', { method: 'POST', body: { ...base, dataDir: 'data' } });
    expect(relative.status).toBe(400);
    expect(relative.json.error.field).toBe('dataDir');
    expect((await call('/api/status')).json.detail.setupRequired).toBe(true);

    const ok = await call('/api/setup', { method: 'POST', body: base });
    expect(ok.status).toBe(200);
    expect(ok.json.restart).toMatchObject({ required: true, dataDir });
    expect(ok.json.restart.command).toContain(`--data-dir ${dataDir}`);
    const after = await call('/api/status');
    expect(after.json).toMatchObject({
      product: 'plus',
      restartRequired: true,
      detail: { setupRequired: false },
    });
    const settings = await call('/api/settings');
    const product = settings.json.settings.find((s: Json) => s.key === 'product');
    expect(product).toMatchObject({ value: 'launchpad', running: 'plus', source: 'setting' });
  });

  it('for another data dir stores nothing here and answers the command that starts it', async () => {
    const before = await call('/api/settings');
    const other = join(tempDir(), 'other data');
    const res = await call('/api/setup', {
      method: 'POST',
      body: {
        product: 'launchpad',
        deploymentMode: 'cloud',
        basePort: 9500,
        publicHost: 'hub.example.org',
        dataDir: other,
      },
    });
    expect(res.status).toBe(200);
    expect(res.json.restart.dataDir).toBe(other);
    expect(res.json.restart.command).toBe(
      `COCALC_PRODUCT=launchpad COCALC_DEPLOYMENT_MODE=cloud COCALC_BASE_PORT=9500 COCALC_PUBLIC_HOST=hub.example.org launchpad --server --data-dir '${other}'`,
    );
    expect((await call('/api/settings')).json).toEqual(before.json);
  });
});
