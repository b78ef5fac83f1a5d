import { beforeAll, describe, expect, it } from 'vitest';
import {
  type FetchOptions,
  type HubProcess,
  hubFetch,
  signIn,
  startHub,
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
const patch = (body: unknown, headers?: Record<string, string>) =>
  call('/api/settings', { method: 'PATCH', body, ...(headers ? { headers } : {}) });

describe('the settings API refuses bad requests with a JSON error and changes nothing', () => {
  it('answers each bad PATCH with its status, code and field', async () => {
    const before = await call('/api/settings');
    expect(before.status).toBe(200);

    const outOfRange = await patch({ basePort: 70000 });
    expect(outOfRange.status).toBe(400);
    expect(outOfRange.json.error).toMatchObject({ field: 'basePort' });

    const unknown = await patch({ nope: 1 });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatchObject({ field: 'nope' });

    const badJson = await patch('{"basePort": ');
    expect(badJson.status).toBe(400);
    expect(badJson.json.error.code).toBe('invalid_json');

    const tooLarge = await patch(JSON.stringify({ publicHost: 'a'.repeat(64 * 1024) }));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.json.error.code).toBe('body_too_large');

    const textPlain = await patch(JSON.stringify({ basePort: 9300 }), { 'content-type': 'text/plain' });
    expect(textPlain.status).toBe(415);
    expect(textPlain.json.error.code).toBe('unsupported_media_type');

    const productAlone = await patch({ product: 'launchpad' });
    expect(productAlone.status).toBe(400);
    expect(productAlone.json.error.field).toBe('deploymentMode');
    expect(productAlone.json.error.message).toMatch(/deployment mode/);

    for (const res of [outOfRange, unknown, badJson, tooLarge, textPlain, productAlone]) {
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(typeof res.json.error.message).toBe('string');
    }
    const after = await call('/api/settings');
    expect(after.json).toEqual(before.json);
    expect((await call('/api/status')).json.restartRequired).toBe(false);
  });

  it('sends security headers and no HSTS on the self-signed certificate', async () => {
    const res = await call('/api/status', { cookie: '' });
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeUndefined();
  });

  it('refuses a cookie-authenticated POST from another origin, without acting on it', async () => {
    const res = await call('/api/auth/logout-all', {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
    });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('bad_origin');
    // The session was not signed out.
    expect((await call('/api/settings')).status).toBe(200);
  });

  it('answers an unknown API route with a JSON 404', async () => {
    for (const c of [cookie, '']) {
      const res = await call('/api/no-such-route', { cookie: c });
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json.error.code).toBe('not_found');
    }
  });

  it('stores a valid product change, which takes effect at the next start', async () => {
    const res = await patch({ product: 'launchpad', deploymentMode: 'local' });
    expect(res.status).toBe(200);
    expect(res.json.restartRequired).toBe(true);
    expect(res.json.settings).toContainEqual(
      expect.objectContaining({ key: 'product', value: 'launchpad', source: 'setting', running: 'plus' }),
    );
    const status = (await call('/api/status')).json;
    expect(status).toMatchObject({ product: 'plus', deploymentMode: null, restartRequired: true });

    expect(await hub.stop('SIGTERM')).toBe(0);
    hub = await startHub({ dataDir: hub.dataDir, port: hub.port });
    const restarted = (await call('/api/status')).json;
    expect(restarted).toMatchObject({
      product: 'launchpad',
      deploymentMode: 'local',
      restartRequired: false,
    });
    expect(hub.output().stdout).toContain('Launchpad hub is running: launchpad (local)');
    expect(await hub.stop('SIGTERM')).toBe(0);
  });
});
