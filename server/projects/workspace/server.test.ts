import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { PROJECT_TOKEN_HEADER, PROJECT_USER_HEADER } from '../control-contract.js';
import { ConatClient, startTestProject, type TestProject } from './test-support.js';

let p: TestProject | undefined;
afterEach(async () => {
  await p?.stop();
  p = undefined;
});

/** Pids whose command line is `cmd` (Linux /proc). */
async function findProcesses(cmd: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    const line = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (line.split('\0').join(' ').trim() === cmd) found.push(Number(name));
  }
  return found;
}

async function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  const ws = new WebSocket(url, { headers });
  const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
  return res.statusCode;
}

describe('project token', () => {
  it('refuses requests and upgrades without the right token (403 JSON)', async () => {
    p = await startTestProject({ token: 's3cret-token' });
    const url = p.api('files');
    const attempts: Record<string, string>[] = [
      {},
      { [PROJECT_TOKEN_HEADER]: 'wrong' },
      { [PROJECT_TOKEN_HEADER]: 's3cret-token-' },
    ];
    for (const headers of attempts) {
      const res = await fetch(url, { headers });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ error: { code: 'forbidden' } });
    }
    const ok = await fetch(url, {
      headers: { [PROJECT_TOKEN_HEADER]: 's3cret-token', [PROJECT_USER_HEADER]: 'u1' },
    });
    expect(ok.status).toBe(200);

    // Even the page and the assets are behind the token: only the host service reaches this server.
    expect((await fetch(`${p.base}/`)).status).toBe(403);
    expect((await fetch(`http://127.0.0.1:${p.server.port}/assets/x.js`)).status).toBe(403);

    const ws = `ws://127.0.0.1:${p.server.port}/conat`;
    expect(await upgradeStatus(ws)).toBe(403);
    expect(await upgradeStatus(ws, { [PROJECT_TOKEN_HEADER]: 'wrong' })).toBe(403);
    expect(await upgradeStatus(`ws://127.0.0.1:${p.server.port}/${p.id}/port/8080/`)).toBe(403);
    const c = await ConatClient.connect(ws, { [PROJECT_TOKEN_HEADER]: 's3cret-token' });
    await c.close();
  });

  it('answers its trusted socket without the token, the port still only with it', async () => {
    const socketDir = await mkdtemp(join(tmpdir(), 'lp-sock-test-'));
    const socketPath = join(socketDir, 'p.sock');
    try {
      p = await startTestProject({ token: 's3cret-token', socketPath });
      const viaSocket = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ socketPath, path: `/${p?.id}/api/files` }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(viaSocket.status).toBe(200);
      expect(JSON.parse(viaSocket.body)).toHaveProperty('entries');
      expect((await fetch(p.api('files'))).status).toBe(403);
      // A server started again on the same path after a crash (its socket file left behind)
      // takes the path over.
      await p.server.close();
      await writeFile(socketPath, '');
      const again = await startTestProject({ token: 's3cret-token', socketPath });
      await again.stop();
    } finally {
      await rm(socketDir, { recursive: true, force: true });
    }
  });

  it('still serves on its port when the trusted socket cannot be made', async () => {
    p = await startTestProject({ token: 's3cret-token', socketPath: '/nonexistent-dir/p.sock' });
    expect((await fetch(p.api('files'), { headers: p.headers })).status).toBe(200);
  });

  it('answers everything when no token is configured', async () => {
    p = await startTestProject();
    expect((await fetch(p.api('files'))).status).toBe(200);
  });
});

describe('workspace page and assets', () => {
  it('says the UI is not built when workspace.html is missing', async () => {
    p = await startTestProject();
    const res = await fetch(`${p.base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('npm run build');
  });

  it('serves workspace.html at /<id>/ and the assets at /assets/', async () => {
    p = await startTestProject();
    const renderer = join(p.sandbox, 'renderer');
    await mkdir(join(renderer, 'assets'), { recursive: true });
    await writeFile(join(renderer, 'workspace.html'), '<script src="/assets/ws-abc.js"></script>');
    await writeFile(join(renderer, 'assets', 'ws-abc.js'), 'console.log(1)');
    await writeFile(join(p.sandbox, 'secret.txt'), 'no');
    await writeFile(join(renderer, 'favicon.svg'), '<svg/>');

    const page = await fetch(`${p.base}/`);
    expect(await page.text()).toContain('/assets/ws-abc.js');
    expect(page.headers.get('cache-control')).toBe('no-cache');

    const bare = await fetch(p.base, { redirect: 'manual' });
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe(`/${p.id}/`);

    for (const url of [`http://127.0.0.1:${p.server.port}/assets/ws-abc.js`, `${p.base}/assets/ws-abc.js`]) {
      const js = await fetch(url);
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(js.headers.get('cache-control')).toContain('immutable');
      expect(await js.text()).toBe('console.log(1)');
    }
    const icon = await fetch(`http://127.0.0.1:${p.server.port}/favicon.svg`);
    expect(icon.headers.get('content-type')).toBe('image/svg+xml');
    expect(await icon.text()).toBe('<svg/>');
    for (const bad of ['..%2f..%2fsecret.txt', '%2e%2e/%2e%2e/secret.txt', 'missing.js', '%E0%A4%A']) {
      const res = await fetch(`http://127.0.0.1:${p.server.port}/assets/${bad}`);
      expect(res.status, bad).toBe(404);
    }
  });
});

describe('close()', () => {
  it('ends terminals and open sockets promptly', async () => {
    p = await startTestProject();
    const c = await ConatClient.connect(`ws://127.0.0.1:${p.server.port}/conat`);
    c.send({ t: 'term.open', term: 'busy', cols: 80, rows: 24 });
    await c.waitFor((m) => m.t === 'term.opened');
    // A shell that ignores SIGHUP must still go (SIGKILL after the grace period).
    c.send({ t: 'term.input', term: 'busy', data: "trap '' HUP; echo armed-$((2+2)); sleep 59.125\r" });
    await c.waitForOutput('busy', 'armed-4');
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await p.server.close();
    // Generous: the contract is 2 s for the process, on a loaded CI machine this may be slower.
    expect(Date.now() - started).toBeLessThan(5000);
    if (c.ws.readyState !== WebSocket.CLOSED) await once(c.ws, 'close');
    // The shell ignored SIGHUP, and so did its `sleep`: it must be gone all the same.
    if (!existsSync('/proc/self/stat')) return;
    let left = await findProcesses('sleep 59.125');
    for (let i = 0; i < 30 && left.length > 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left = await findProcesses('sleep 59.125');
    }
    expect(left).toEqual([]);
  });
});
