import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { PROJECT_TOKEN_HEADER } from '../control-contract.js';
import { startTestProject, type TestProject } from './test-support.js';

const TOKEN = 'proxy-test-token';
let p: TestProject;
let python: ChildProcess;
let pythonPort: number;
let echo: Server;
let echoPort: number;
let seen: { url: string; method: string; headers: IncomingHttpHeaders }[] = [];
let wss: WebSocketServer;

async function freePort(): Promise<number> {
  const srv = createNetServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as AddressInfo;
  srv.close();
  await once(srv, 'close');
  return port;
}

async function waitForHttp(url: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await (await fetch(url)).arrayBuffer();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

beforeAll(async () => {
  p = await startTestProject({ token: TOKEN });
  const site = join(p.dir, 'site');
  await mkdir(join(site, 'sub'), { recursive: true });
  await writeFile(join(site, 'index.html'), '<h1>served by python</h1>');
  await writeFile(join(site, 'sub', 'data.txt'), 'nested file');

  pythonPort = await freePort();
  python = spawn(
    'python3',
    ['-m', 'http.server', String(pythonPort), '--bind', '127.0.0.1', '--directory', site],
    {
      stdio: 'ignore',
    },
  );
  await waitForHttp(`http://127.0.0.1:${pythonPort}/`);

  // An app that shows what reached it, plus a WebSocket echo on the same port.
  echo = createServer((req, res) => {
    seen.push({ url: req.url ?? '', method: req.method ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => res.end(JSON.stringify({ url: req.url })));
  });
  wss = new WebSocketServer({ server: echo });
  wss.on('connection', (ws, req) => {
    ws.send(`hello ${req.url}`);
    ws.on('message', (data) => ws.send(`echo ${data.toString()}`));
  });
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  echoPort = (echo.address() as AddressInfo).port;
});

afterAll(async () => {
  python?.kill();
  for (const c of wss?.clients ?? []) c.terminate();
  wss?.close();
  echo?.closeAllConnections();
  echo?.close();
  await p.stop();
});

const h = () => ({ [PROJECT_TOKEN_HEADER]: TOKEN });

describe('port proxy', () => {
  it('reaches python http.server with the prefix stripped', async () => {
    const index = await fetch(`${p.base}/port/${pythonPort}/`, { headers: h() });
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('served by python');
    const nested = await fetch(`${p.base}/port/${pythonPort}/sub/data.txt`, { headers: h() });
    expect(await nested.text()).toBe('nested file');
  });

  it('redirects the bare port to its trailing-slash form so relative links resolve', async () => {
    const res = await fetch(`${p.base}/port/${pythonPort}?x=1`, { headers: h(), redirect: 'manual' });
    expect(res.status).toBe(308);
    expect(res.headers.get('location')).toBe(`/${p.id}/port/${pythonPort}/?x=1`);
  });

  it("passes method, path, query and body, but never the project token or the hub's signature", async () => {
    seen = [];
    const res = await fetch(`${p.base}/port/${echoPort}/api/thing?a=1&b=%2F`, {
      method: 'POST',
      body: 'payload',
      headers: { ...h(), 'x-launchpad-signature': 'v1.1.nonce.-.-.00' },
    });
    expect(await res.json()).toEqual({ url: '/api/thing?a=1&b=%2F' });
    expect(seen[0]?.method).toBe('POST');
    expect(seen[0]?.headers[PROJECT_TOKEN_HEADER]).toBeUndefined();
    expect(seen[0]?.headers['x-launchpad-signature']).toBeUndefined();
    expect(seen[0]?.headers['x-forwarded-prefix']).toBe(`/${p.id}/port/${echoPort}`);
  });

  it('proxies WebSockets to the app', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${p.server.port}/${p.id}/port/${echoPort}/socket?q=2`, {
      headers: h(),
    });
    const got: string[] = [];
    ws.on('message', (d) => got.push(d.toString()));
    await once(ws, 'open');
    ws.send('ping');
    const deadline = Date.now() + 10_000;
    while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(got).toEqual(['hello /socket?q=2', 'echo ping']);
    ws.close();
  });

  it('answers 502 naming the port when nothing listens there', async () => {
    const port = await freePort();
    const json = await fetch(`${p.base}/port/${port}/`, { headers: h() });
    expect(json.status).toBe(502);
    expect(await json.json()).toEqual({
      error: {
        code: 'port_unreachable',
        message: `nothing is listening on port ${port} inside this project`,
      },
    });
    const html = await fetch(`${p.base}/port/${port}/`, { headers: { ...h(), accept: 'text/html' } });
    expect(html.status).toBe(502);
    expect(await html.text()).toContain(`nothing is listening on port ${port}`);

    const ws = new WebSocket(`ws://127.0.0.1:${p.server.port}/${p.id}/port/${port}/`, { headers: h() });
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
    expect(res.statusCode).toBe(502);
  });

  it('refuses ports that are not 1..65535', async () => {
    for (const bad of ['0', '65536', 'abc', '80a', '-1', '0080']) {
      const res = await fetch(`${p.base}/port/${bad}/`, { headers: h() });
      expect(res.status, bad).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'invalid_port', field: 'port' } });
    }
  });
});
