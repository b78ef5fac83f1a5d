import { existsSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hubFetch, signIn, startHub, tryConnect, withHubHarness } from './support/hub-process.js';

withHubHarness();

describe.concurrent('graceful shutdown', () => {
  it('SIGTERM lets a request in flight finish with 200, refuses new connections, then exits 0', async () => {
    const hub = await startHub();
    const cookie = await signIn(hub, hub.loginUrl);
    const body = Buffer.from(JSON.stringify({ publicHost: 'after-sigterm.example.test' }));
    const half = Math.floor(body.length / 2);

    const since = hub.output().stdout.length;
    const req = request({
      host: '127.0.0.1',
      port: hub.port,
      method: 'PATCH',
      path: '/api/settings',
      ca: hub.caPem,
      agent: false,
      headers: { cookie, 'content-type': 'application/json', 'content-length': body.length },
    });
    const response = new Promise<{ res: IncomingMessage; text: string }>((resolve, reject) => {
      req.once('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ res, text }));
      });
      req.once('error', reject);
    });
    let answered = false;
    void response.then(() => {
      answered = true;
    });

    // Headers and half of the body: the hub has started this request once it logs it.
    await new Promise<void>((resolve, reject) =>
      req.write(body.subarray(0, half), (err) => (err ? reject(err) : resolve())),
    );
    await hub.waitForLog(
      (l) =>
        l.msg === 'incoming request' &&
        (l.req as { method?: string; path?: string } | undefined)?.method === 'PATCH' &&
        (l.req as { path?: string }).path === '/api/settings',
      since,
    );

    hub.proc.kill('SIGTERM');
    await hub.waitForLog((l) => l.msg === 'hub stopping', since);
    // The listener closes right after: a new connection is refused while our request still waits.
    const deadline = Date.now() + 3000;
    let attempt = await tryConnect(hub.port);
    while (attempt !== 'ECONNREFUSED' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      attempt = await tryConnect(hub.port);
    }
    expect(attempt).toBe('ECONNREFUSED');
    expect(answered).toBe(false);
    expect(hub.proc.exitCode).toBeNull();

    req.end(body.subarray(half));
    const { res, text } = await response;
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(text).settings).toContainEqual(
      expect.objectContaining({ key: 'publicHost', value: 'after-sigterm.example.test' }),
    );
    expect((await hub.exited).code).toBe(0);
    expect(existsSync(join(hub.dataDir, 'launchpad.lock'))).toBe(false);
  });

  it('SIGINT exits 0 and removes the lock', async () => {
    const hub = await startHub();
    expect(existsSync(join(hub.dataDir, 'launchpad.lock'))).toBe(true);
    expect((await hubFetch(hub.port, '/api/status', { ca: hub.caPem })).status).toBe(200);
    expect(await hub.stop('SIGINT')).toBe(0);
    expect(existsSync(join(hub.dataDir, 'launchpad.lock'))).toBe(false);
    expect(hub.output().stdout).toContain('"signal":"SIGINT"');
  });
});
