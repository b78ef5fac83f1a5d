import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { type Agent, createServer, request, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, connect, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { createProxyServer } from 'http-proxy-3';
import { pino } from 'pino';
import ssh2 from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { SignatureVerifier, splicePreamble } from '../hosts/index.js';
import { waitFor } from '../projects/runtime/test-support.js';
import { UpstreamAgents } from '../proxy/upstream-agents.js';
import { ensureHostKey, startSshd } from '../sshd/index.js';
import { CapturedLog, freePort, SshdFixture } from '../sshd/test-support.js';
import { ensureLocalTls } from '../tls/index.js';
import { Backoff } from './backoff.js';
import { generateHostKeys } from './keys.js';
import { createProjectProxy } from './project-proxy.js';
import { SSH_NOT_ENABLED_BANNER, Tunnel, type TunnelOptions, type TunnelState } from './tunnel.js';
import { acceptTunnelChannel } from './tunnel-splice.js';

// The tunnel client against the real embedded sshd, as the hub runs it.

let service: Server;
let servicePort: number;
const tunnels: Tunnel[] = [];
const fixtures: SshdFixture[] = [];

beforeAll(async () => {
  service = createServer((req, res) => res.end(`service got ${req.url}`));
  service.listen(0, '127.0.0.1');
  await once(service, 'listening');
  servicePort = (service.address() as { port: number }).port;
});
afterEach(async () => {
  await Promise.all(tunnels.splice(0).map((t) => t.stop()));
});
afterAll(async () => {
  service.close();
  await Promise.all(fixtures.map((f) => f.close()));
});

async function fixture(tunnelSshBindAddress: string): Promise<SshdFixture> {
  const f = await SshdFixture.start({ tunnelSshBindAddress });
  fixtures.push(f);
  return f;
}

/**
 * A host whose tunnel is online and whose channels go through the agent's splice: those with the
 * line for `projectId` to `socketPath`, the others to `serveHttp`.
 */
async function splicingHost(
  f: SshdFixture,
  o: { secret: string; projectId: string; socketPath: string },
  serveHttp: (channel: Duplex) => void,
) {
  const h = await host(f, {
    serve: (socket) =>
      acceptTunnelChannel(socket, {
        verifier: new SignatureVerifier(o.secret),
        socketOf: (id) => (id === o.projectId ? o.socketPath : null),
        serveHttp,
        log: pino({ enabled: false }),
      }),
  });
  h.tunnel.start();
  await reachState(h.tunnel, 'online');
  return h;
}

/** Channels open through the host's HTTP forward on the hub (what the forward's limit counts). */
function activeChannels(f: SshdFixture): number | undefined {
  return f.sshd
    .connections()
    .flatMap((c) => c.forwards)
    .find((fw) => fw.kind === 'http')?.activeConnections;
}

/** A host registered on `f` as the hub's join would: a tunnel key with two ports. */
async function host(f: SshdFixture, overrides: Partial<TunnelOptions> = {}) {
  const http = await freePort();
  let ssh = await freePort();
  while (ssh === http) ssh = await freePort();
  const keys = generateHostKeys('test-host');
  const owner = `host_${http}`;
  const rec = f.keys.add({
    publicKey: keys.tunnel.publicKey,
    role: 'tunnel',
    owner,
    allowedPorts: { http, ssh },
  });
  const log = new CapturedLog();
  const states: TunnelState[] = [];
  const tunnel = new Tunnel({
    sshd: { host: '127.0.0.1', port: f.sshd.port },
    hostKeyPin: f.hostKey.fingerprint,
    privateKey: keys.tunnel.privateKey,
    ports: { http, ssh },
    servicePort,
    logger: log.logger,
    isRemoved: async () => false,
    backoff: new Backoff(50, 200),
    probeIntervalMs: 100,
    ...overrides,
  });
  tunnel.on('state', (s) => states.push(s));
  tunnels.push(tunnel);
  return { tunnel, log, states, http, ssh, fingerprint: rec.fingerprint };
}

function reachState(tunnel: Tunnel, want: TunnelState, timeoutMs = 10_000): Promise<void> {
  if (tunnel.state === want) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`tunnel not ${want} in ${timeoutMs} ms (is ${tunnel.state})`)),
      timeoutMs,
    );
    const on = (s: TunnelState) => {
      if (s !== want) return;
      clearTimeout(timer);
      tunnel.off('state', on);
      resolve();
    };
    tunnel.on('state', on);
  });
}

async function httpGet(port: number, path: string): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return res.text();
}

/** Everything a TCP client reads from `host:port` until the server closes. */
function readAll(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const s = connect(port, host);
    s.setEncoding('utf8');
    s.on('data', (c: string) => {
      text += c;
    });
    s.on('end', () => resolve(text));
    s.on('error', reject);
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

describe('the tunnel', () => {
  it('carries the HTTP port (hub loopback) to the host service and answers the SSH port with a banner', async () => {
    const f = await fixture('0.0.0.0');
    const h = await host(f);
    h.tunnel.start();
    await reachState(h.tunnel, 'online');
    expect(await httpGet(h.http, '/healthz?x=1')).toBe('service got /healthz?x=1');
    expect(await readAll(h.ssh)).toBe(SSH_NOT_ENABLED_BANNER);
    const forwards = f.sshd.connections().flatMap((c) => c.forwards);
    expect(forwards.map((fw) => [fw.kind, fw.listenHost, fw.port]).sort()).toEqual(
      [
        ['http', '127.0.0.1', h.http],
        ['ssh', '0.0.0.0', h.ssh],
      ].sort(),
    );
    expect(h.log.lines.filter((l) => l.msg === 'tunnel: online')).toHaveLength(1);
  });

  it("binds the SSH port where the hub's sshd allows it (loopback on a cloud hub)", async () => {
    const f = await fixture('127.0.0.1');
    const h = await host(f);
    h.tunnel.start();
    await reachState(h.tunnel, 'online');
    expect(await readAll(h.ssh)).toBe(SSH_NOT_ENABLED_BANNER);
    expect(f.sshd.connections().flatMap((c) => c.forwards.map((fw) => fw.listenHost))).toEqual([
      '127.0.0.1',
      '127.0.0.1',
    ]);
  });

  it('reconnects after the hub drops the connection, logging the loss once', async () => {
    const f = await fixture('127.0.0.1');
    const h = await host(f);
    h.tunnel.start();
    await reachState(h.tunnel, 'online');
    await f.sshd.disconnectKey(h.fingerprint);
    await reachState(h.tunnel, 'offline');
    await reachState(h.tunnel, 'online');
    expect(await httpGet(h.http, '/again')).toBe('service got /again');
    expect(h.log.lines.filter((l) => String(l.msg).startsWith('tunnel: lost'))).toHaveLength(1);
  });

  it("is back within a second of a restarted hub listening again, long before the backoff's next attempt", async () => {
    const f = await fixture('127.0.0.1');
    // Attempts at 0.25, 0.75, 1.75, 3.75 s after the loss; the hub is back at 2 s. Only the port
    // probe (every 200 ms) can bring the tunnel back well before the 3.75 s attempt.
    const h = await host(f, { backoff: new Backoff(250, 30_000, () => 1), probeIntervalMs: 200 });
    h.tunnel.start();
    await reachState(h.tunnel, 'online');
    const port = f.sshd.port;
    await f.sshd.close();
    await reachState(h.tunnel, 'offline');
    await new Promise((r) => setTimeout(r, 2000));
    f.sshd = await startSshd({
      db: f.db,
      hostKey: f.hostKey,
      host: '127.0.0.1',
      port,
      sftpRoot: f.sftpRoot,
      tunnelSshBindAddress: '127.0.0.1',
      logger: f.log.logger,
    });
    const up = Date.now();
    await reachState(h.tunnel, 'online', 5000);
    expect(Date.now() - up).toBeLessThan(1000);
    expect(await httpGet(h.http, '/after-restart')).toBe('service got /after-restart');
  });

  it('stops for good when the hub refuses the key and says the host was removed', async () => {
    const f = await fixture('127.0.0.1');
    let asked = 0;
    const h = await host(f, {
      isRemoved: async () => {
        asked++;
        return true;
      },
    });
    const removed = new Promise<void>((r) => h.tunnel.once('removed', () => r()));
    h.tunnel.start();
    await reachState(h.tunnel, 'online');
    await f.sshd.revokeKey(h.fingerprint);
    await removed;
    expect(h.tunnel.state).toBe('removed');
    expect(asked).toBe(1);
    expect(await refused(h.http)).toBe(true);
  });

  it('keeps retrying when the key is refused but the hub does not say the host was removed', async () => {
    const f = await fixture('127.0.0.1');
    let asked = 0;
    const h = await host(f, {
      isRemoved: async () => {
        asked++;
        return false;
      },
    });
    f.keys.revoke(h.fingerprint);
    h.tunnel.start();
    await new Promise((r) => setTimeout(r, 1000));
    expect(asked).toBeGreaterThan(1);
    expect(h.tunnel.state).not.toBe('removed');
    // Logged once, not at every attempt.
    expect(h.log.lines.filter((l) => l.msg === 'tunnel: cannot connect to the hub; retrying')).toHaveLength(
      1,
    );
  });

  it('never authenticates to a server whose host key is not the pinned one', async () => {
    const f = await fixture('127.0.0.1');
    const h = await host(f, { hostKeyPin: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    h.tunnel.start();
    await h.log.waitFor((l) => l.msg === 'tunnel: cannot connect to the hub; retrying');
    expect(h.log.lines.find((l) => l.msg === 'tunnel: cannot connect to the hub; retrying')?.reason).toMatch(
      /host key does not match the pin/,
    );
    expect(f.log.lines.some((l) => l.msg === 'sshd: authenticated')).toBe(false);
  });

  it('stop() closes the connection and the hub frees both ports', async () => {
    const f = await fixture('127.0.0.1');
    const h = await host(f);
    h.tunnel.start();
    await reachState(h.tunnel, 'online');
    await h.tunnel.stop();
    expect(h.tunnel.state).toBe('stopped');
    await f.log.waitFor((l) => l.msg === 'sshd: disconnected' || l.msg === 'sshd: disconnecting');
    for (let i = 0; i < 50 && !(await refused(h.http)); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await refused(h.http)).toBe(true);
    expect(await refused(h.ssh)).toBe(true);
  });
});

describe('the tunnel delivers a stream to its last byte', () => {
  /**
   * A stand-in for the hub's sshd that grants every forward and hands the test each forwarded
   * channel unread: a hub whose client reads slowly, without the kernel's socket buffers that
   * make the real sshd's timing vary.
   */
  async function scriptedHub() {
    const dir = mkdtempSync(join(tmpdir(), 'lp-tunnel-'));
    const hostKey = ensureHostKey(join(dir, 'ssh'));
    let conn: ssh2.Connection | undefined;
    const server = new ssh2.Server({ hostKeys: [hostKey.privateKeyPem] }, (c) => {
      c.on('error', () => undefined);
      c.on('authentication', (ctx) => ctx.accept());
      c.on('ready', () => {
        conn = c;
      });
      c.on('request', (accept) => accept?.());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return {
      port: (server.address() as { port: number }).port,
      fingerprint: hostKey.fingerprint,
      /** Opens a forwarded-tcpip channel to the tunnel's `port`, as a connection to the hub's port does. */
      forwardOut(port: number): Promise<ssh2.ServerChannel> {
        return new Promise((resolve, reject) => {
          if (!conn) throw new Error('the tunnel is not connected');
          conn.forwardOut('127.0.0.1', port, '127.0.0.1', 40000, (err, ch) =>
            err ? reject(err) : resolve(ch as ssh2.ServerChannel),
          );
        });
      },
      close: () => {
        server.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  /** Bytes `stream` yields until it ends. */
  function count(stream: NodeJS.ReadableStream): Promise<number> {
    return new Promise((resolve, reject) => {
      let n = 0;
      stream.on('data', (c: Buffer) => {
        n += c.length;
      });
      stream.once('end', () => resolve(n));
      stream.once('error', reject);
    });
  }

  it('a response the service sends and closes at once arrives whole while the hub reads slowly (20 runs)', async () => {
    // More than the unread channel takes in on the hub's side (about 3 MiB: its window and
    // buffer), less than that plus the tunnel's channel buffer: the service's socket closes
    // while the tunnel still holds the tail, waiting for the hub's window (what a download
    // through a hub whose client reads slower than the host sends does).
    const size = 3.5 * 1024 * 1024 + 17;
    let closed: Promise<unknown> | undefined;
    const service = createNetServer((s) => {
      closed = once(s, 'close');
      s.end(Buffer.alloc(size, 7));
    });
    service.listen(0, '127.0.0.1');
    await once(service, 'listening');
    const hub = await scriptedHub();
    try {
      const ports = { http: await freePort(), ssh: await freePort() };
      const tunnel = new Tunnel({
        sshd: { host: '127.0.0.1', port: hub.port },
        hostKeyPin: hub.fingerprint,
        privateKey: generateHostKeys('test-host').tunnel.privateKey,
        ports,
        servicePort: (service.address() as { port: number }).port,
        logger: new CapturedLog().logger,
        isRemoved: async () => false,
      });
      tunnels.push(tunnel);
      tunnel.start();
      await reachState(tunnel, 'online');
      for (let run = 0; run < 20; run++) {
        closed = undefined;
        const channel = await hub.forwardOut(ports.http);
        // The hub reads only once the tunnel's side of the service connection is gone (or after
        // a while: should the tunnel's buffers fill first, it waits for the hub to read).
        const lag = new Promise((r) => setTimeout(r, 1000));
        for (let i = 0; i < 100 && closed === undefined; i++) await new Promise((r) => setTimeout(r, 10));
        await Promise.race([closed, lag]);
        await new Promise((r) => setTimeout(r, 20));
        expect(await count(channel), `run ${run}`).toBe(size);
        channel.close();
      }
    } finally {
      hub.close();
      service.close();
    }
  }, 60_000);

  it('the same through an in-process HTTP server handed the channel (serve), ending its response at once', async () => {
    // The body alone outruns what the unread hub side takes in: the server's end() comes while
    // the tunnel's channel still holds the tail.
    const size = 3.5 * 1024 * 1024 + 17;
    const body = Buffer.alloc(size, 7);
    let ended: Promise<unknown> | undefined;
    const server = createServer((_req, res) => {
      ended = once(res, 'finish');
      res.writeHead(200, { 'content-length': size, connection: 'close' });
      res.end(body);
    });
    const hub = await scriptedHub();
    try {
      const ports = { http: await freePort(), ssh: await freePort() };
      const tunnel = new Tunnel({
        sshd: { host: '127.0.0.1', port: hub.port },
        hostKeyPin: hub.fingerprint,
        privateKey: generateHostKeys('test-host').tunnel.privateKey,
        ports,
        servicePort: 1,
        serve: (socket) => server.emit('connection', socket),
        logger: new CapturedLog().logger,
        isRemoved: async () => false,
      });
      tunnels.push(tunnel);
      tunnel.start();
      await reachState(tunnel, 'online');
      for (let run = 0; run < 5; run++) {
        ended = undefined;
        const channel = await hub.forwardOut(ports.http);
        // Not end(): ssh2 closes a server channel as soon as its side ended, and a close
        // discards what is still in flight (the real hub's forward never half-closes first).
        channel.write('GET /big HTTP/1.1\r\nhost: x\r\n\r\n');
        const lag = new Promise((r) => setTimeout(r, 1000));
        for (let i = 0; i < 100 && ended === undefined; i++) await new Promise((r) => setTimeout(r, 10));
        await Promise.race([ended, lag]);
        await new Promise((r) => setTimeout(r, 20));
        const chunks: Buffer[] = [];
        channel.on('data', (c: Buffer) => chunks.push(c));
        await once(channel, 'end');
        const text = Buffer.concat(chunks);
        const head = text.indexOf('\r\n\r\n') + 4;
        expect(text.subarray(0, head).toString()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
        expect(text.length - head, `run ${run}`).toBe(size);
        channel.close();
      }
    } finally {
      hub.close();
    }
  }, 60_000);
});

describe('the tunnel handing channels to an in-process HTTP server (serve)', () => {
  const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const big = randomBytes(6 * 1024 * 1024 + 3);
  let echo: WebSocketServer;
  let echoPort: number;
  let served: Server;
  const proxy = createProjectProxy(new CapturedLog().logger);

  beforeAll(async () => {
    echo = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(echo, 'listening');
    echoPort = (echo.address() as AddressInfo).port;
    echo.on('connection', (ws) => ws.on('message', (d, binary) => ws.send(d, { binary })));
    // Never listens: it only gets what the tunnel hands it.
    served = createServer({ keepAliveTimeout: 300, noDelay: true }, (req, res) => {
      if (req.url === '/big') {
        res.writeHead(200, { 'content-length': big.length });
        res.end(big);
        return;
      }
      const hash = createHash('sha256');
      let n = 0;
      req.on('data', (c: Buffer) => {
        n += c.length;
        hash.update(c);
      });
      req.on('end', () =>
        res.end(JSON.stringify({ n, sha: hash.digest('hex'), peer: req.socket.remoteAddress })),
      );
    });
    served.on('upgrade', (req, socket, head) =>
      proxy.ws(req, socket, head, { id: 'p', port: echoPort, token: 't', user: null }),
    );
  });
  afterAll(() => {
    proxy.close();
    echo.close();
  });

  /** A host whose tunnel is online, its channels served by `served`; `f` is the hub's sshd. */
  async function online() {
    const f = await fixture('127.0.0.1');
    const h = await host(f, { serve: (socket) => served.emit('connection', socket) });
    h.tunnel.start();
    await reachState(h.tunnel, 'online');
    return Object.assign(h, { f });
  }

  it('carries large downloads and uploads whole, several on one kept-alive connection', async () => {
    const h = await online();
    const agent = new (await import('node:http')).Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 3; i++) {
        const got = await new Promise<Buffer>((resolve, reject) => {
          request({ host: '127.0.0.1', port: h.http, path: '/big', agent }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve(Buffer.concat(chunks)));
            res.on('error', reject);
          })
            .on('error', reject)
            .end();
        });
        expect(got.length).toBe(big.length);
        expect(digest(got)).toBe(digest(big));
      }
      const up = await new Promise<string>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: h.http, path: '/up', method: 'POST', agent },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              text += c;
            });
            res.on('end', () => resolve(text));
          },
        );
        req.on('error', reject);
        req.end(big);
      });
      expect(JSON.parse(up)).toEqual({ n: big.length, sha: digest(big), peer: '127.0.0.1' });
    } finally {
      agent.destroy();
    }
  });

  it('proxies a WebSocket (text and 1 MiB binary echoes) and closes both ends', async () => {
    const h = await online();
    const ws = new WebSocket(`ws://127.0.0.1:${h.http}/p/ws`);
    await once(ws, 'open');
    const next = () =>
      new Promise<{ d: Buffer; binary: boolean }>((r) =>
        ws.once('message', (d, binary) => r({ d: d as Buffer, binary })),
      );
    let reply = next();
    ws.send('ping');
    expect(String((await reply).d)).toBe('ping');
    const blob = randomBytes(1024 * 1024);
    reply = next();
    ws.send(blob);
    expect(digest((await reply).d)).toBe(digest(blob));
    const closed = once(ws, 'close');
    ws.close(1000, 'bye');
    const [code] = await closed;
    expect(code).toBe(1000);
    // Every channel the tunnel opened is closed again (the hub's forward holds no sockets).
    for (let i = 0; i < 100; i++) {
      const active = fixtures
        .at(-1)
        ?.sshd.connections()
        .flatMap((c) => c.forwards)
        .find((fw) => fw.kind === 'http')?.activeConnections;
      if (active === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(
      fixtures
        .at(-1)
        ?.sshd.connections()
        .flatMap((c) => c.forwards)
        .find((fw) => fw.kind === 'http')?.activeConnections,
    ).toBe(0);
  });

  it("end to end in-process: the hub proxy's upstream agent opens the sshd's forward as a channel (HTTP both ways, WebSocket)", async () => {
    const f = await fixture('127.0.0.1');
    const h = await host(f, { serve: (socket) => served.emit('connection', socket) });
    h.tunnel.start();
    await reachState(h.tunnel, 'online');
    let direct = 0;
    const agents = new UpstreamAgents((host_, port, cb) => {
      const opened = f.sshd.openForward(host_, port, cb);
      if (opened) direct++;
      return opened;
    });
    // A port no forward of this sshd listens on: not opened in-process.
    expect(f.sshd.openForward('127.0.0.1', h.ssh + 1, () => undefined)).toBe(false);
    const up = agents.for({ host: '127.0.0.1', port: h.http });
    const agent = up.web.agent as import('node:http').Agent;
    try {
      const get = () =>
        new Promise<Buffer>((resolve, reject) => {
          request({ host: '127.0.0.1', port: h.http, path: '/big', agent }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => resolve(Buffer.concat(chunks)));
            res.on('error', reject);
          })
            .on('error', reject)
            .end();
        });
      // Concurrent and sequential: several channels, each reused while kept alive.
      for (const got of await Promise.all([get(), get(), get()])) expect(digest(got)).toBe(digest(big));
      expect(digest(await get())).toBe(digest(big));
      const up2 = await new Promise<string>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port: h.http, path: '/up', method: 'POST', agent },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              text += c;
            });
            res.on('end', () => resolve(text));
          },
        );
        req.on('error', reject);
        req.end(big);
      });
      expect(JSON.parse(up2)).toMatchObject({ n: big.length, sha: digest(big) });
      // Every request went through a channel opened in-process (at least one per concurrent one).
      expect(direct).toBeGreaterThanOrEqual(3);
      expect(direct).toBeLessThanOrEqual(5);
      const fwd = () =>
        f.sshd
          .connections()
          .flatMap((c) => c.forwards)
          .find((fw) => fw.kind === 'http');
      expect(fwd()?.bytesIn).toBeGreaterThanOrEqual(4 * big.length);
      expect(fwd()?.bytesOut).toBeGreaterThanOrEqual(big.length);

      const before = direct;
      const ws = new WebSocket(`ws://127.0.0.1:${h.http}/p/ws`, {
        agent: up.ws.agent as import('node:http').Agent,
      });
      await once(ws, 'open');
      expect(direct).toBe(before + 1);
      const blob = randomBytes(1024 * 1024);
      const reply = new Promise<Buffer>((r) => ws.once('message', (d) => r(d as Buffer)));
      ws.send(blob);
      expect(digest(await reply)).toBe(digest(blob));
      const closed = once(ws, 'close');
      ws.close(1000);
      expect((await closed)[0]).toBe(1000);
    } finally {
      agents.close();
    }
    // The kept-alive channels are gone with the agent: the forward holds nothing.
    for (let i = 0; i < 100; i++) {
      if (
        f.sshd
          .connections()
          .flatMap((c) => c.forwards)
          .find((fw) => fw.kind === 'http')?.activeConnections === 0
      )
        break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(activeChannels(f)).toBe(0);
  });

  it('frees an in-process channel its user ended without reading the rest (a vanished WebSocket)', async () => {
    const h = await online();
    const f = h.f;
    const active = () => activeChannels(f);
    for (let i = 0; i < 3; i++) {
      const channel = await new Promise<Duplex>((resolve, reject) => {
        expect(f.sshd.openForward('127.0.0.1', h.http, (err, s) => (s ? resolve(s) : reject(err)))).toBe(
          true,
        );
      });
      // A response is on its way; the user ends its side and never reads (what http-proxy-3
      // does with the upstream of a WebSocket whose browser went away).
      channel.write('GET /big HTTP/1.1\r\nhost: x\r\n\r\n');
      channel.end();
    }
    await waitFor(() => (active() === 0 ? true : undefined), 10_000, 'the forward to hold no channel').catch(
      () => undefined,
    );
    expect(active()).toBe(0);
  });

  it.each([
    ['through the host service', false],
    ["spliced onto the project server's socket", true],
  ])(
    'frees the channels of WebSockets proxied over TLS whose clients vanished after an echo (100, %s)',
    async (_, spliced) => {
      // What a browser tab closing does to a hub: the TLS socket ends, http-proxy-3 ends the
      // upstream channel, and only then unpipes (and pauses) it when the TLS socket closes.
      const f = await fixture('127.0.0.1');
      const projectId = randomUUID();
      const secret = 'per-host-service-secret';
      // The project server's trusted socket, for the spliced case: an echo on a Unix socket.
      const socketDir = mkdtempSync(join(tmpdir(), 'lp-tunnel-ws-'));
      const socketPath = join(socketDir, 'p.sock');
      const project = createServer();
      const wss = new WebSocketServer({ noServer: true });
      project.on('upgrade', (req, socket, head) =>
        wss.handleUpgrade(req, socket, head, (ws) => ws.on('message', (d) => ws.send(d))),
      );
      await new Promise<void>((r) => project.listen(socketPath, r));
      const h = await splicingHost(f, { secret, projectId, socketPath }, (channel) =>
        served.emit('connection', channel),
      );
      const active = () =>
        f.sshd
          .connections()
          .flatMap((c) => c.forwards)
          .find((fw) => fw.kind === 'http')?.activeConnections;
      const dir = mkdtempSync(join(tmpdir(), 'lp-tunnel-tls-'));
      const tls = await ensureLocalTls({ dir, publicHost: '127.0.0.1' });
      rmSync(dir, { recursive: true, force: true });
      const agents = new UpstreamAgents((host_, port, cb) => f.sshd.openForward(host_, port, cb));
      const up = agents.for({ host: '127.0.0.1', port: h.http }, spliced ? { projectId, secret } : undefined);
      const proxy = createProxyServer({});
      proxy.on('error', () => undefined);
      const front = createHttpsServer({ key: tls.keyPem, cert: tls.certPem });
      front.on('upgrade', (req, socket, head) => proxy.ws(req, socket, head, up.ws));
      await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
      const port = (front.address() as AddressInfo).port;
      try {
        const sockets: WebSocket[] = [];
        await Promise.all(
          Array.from({ length: 10 }, async () => {
            for (let i = 0; i < 10; i++) {
              const ws = new WebSocket(`wss://127.0.0.1:${port}/p/ws`, { ca: tls.caPem as string });
              await once(ws, 'open');
              ws.send('hello');
              await once(ws, 'message');
              sockets.push(ws);
            }
          }),
        );
        expect(active()).toBe(100);
        expect(wss.clients.size).toBe(spliced ? 100 : 0);
        for (const ws of sockets) ws.terminate();
        await waitFor(() => (active() === 0 ? true : undefined), 10_000, 'no channel').catch(() => undefined);
        expect(active()).toBe(0);
      } finally {
        front.close();
        agents.close();
        project.close();
        for (const ws of wss.clients) ws.terminate();
        rmSync(socketDir, { recursive: true, force: true });
      }
    },
  );

  it('does not blame the project server for requests whose hub side closed the channel first', async () => {
    // A project server that answers after 2 s: the hub's side gives up first (a closed tab, a
    // stopped load generator). ssh2 closes the host's channel without destroying the stream.
    const slow = createServer((_req, res) => {
      setTimeout(() => res.end('late'), 2000).unref();
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    const slowPort = (slow.address() as AddressInfo).port;
    const log = new CapturedLog();
    const hostProxy = createProjectProxy(log.logger);
    const service = createServer((req, res) =>
      hostProxy.web(req, res, { id: 'p', port: slowPort, token: 't', user: null }),
    );
    const f = await fixture('127.0.0.1');
    const h = await host(f, { serve: (socket) => service.emit('connection', socket) });
    h.tunnel.start();
    await reachState(h.tunnel, 'online');
    try {
      for (let i = 0; i < 5; i++) {
        const channel = await new Promise<Duplex>((resolve, reject) => {
          f.sshd.openForward('127.0.0.1', h.http, (err, s) => (s ? resolve(s) : reject(err)));
        });
        channel.write('GET /slow HTTP/1.1\r\nhost: x\r\n\r\n');
        await new Promise((r) => setTimeout(r, 100));
        channel.destroy();
      }
      await waitFor(
        () =>
          log.lines.filter((l) => l.msg === 'host service: the client left before the answer').length === 5
            ? true
            : undefined,
        5_000,
        'five abandoned requests logged at debug',
      ).catch(() => undefined);
      expect(
        log.lines.filter((l) => l.msg === 'host service: the client left before the answer'),
      ).toHaveLength(5);
      expect(log.lines.filter((l) => Number(l.level) >= 40)).toEqual([]);
    } finally {
      hostProxy.close();
      slow.close();
      slow.closeAllConnections();
    }
  });

  it('opens each in-process channel for a project (HTTP and WebSocket) with the signed splice line for that project', async () => {
    const f = await fixture('127.0.0.1');
    const secret = 'per-host-service-secret';
    const projectId = randomUUID();
    const asked: string[] = [];
    const h = await host(f, {
      serve: (socket) =>
        acceptTunnelChannel(socket, {
          verifier: new SignatureVerifier(secret),
          // No project runs here: the channel falls back to HTTP, as on a host that stopped it.
          socketOf: (id) => {
            asked.push(id);
            return null;
          },
          serveHttp: (channel) => served.emit('connection', channel),
          log: pino({ enabled: false }),
        }),
    });
    h.tunnel.start();
    await reachState(h.tunnel, 'online');
    const agents = new UpstreamAgents((host_, port, cb) => f.sshd.openForward(host_, port, cb));
    const agent = agents.for({ host: '127.0.0.1', port: h.http }, { projectId, secret }).web.agent as Agent;
    try {
      const got = await new Promise<Buffer>((resolve, reject) => {
        request({ host: '127.0.0.1', port: h.http, path: '/big', agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks)));
        })
          .on('error', reject)
          .end();
      });
      // The line verified and named the project; the request after it was served whole.
      expect(asked).toEqual([projectId]);
      expect(digest(got)).toBe(digest(big));

      // A WebSocket's channel starts with the line too (its own, unpooled), and echoes after it.
      const wsProxy = createProxyServer({});
      wsProxy.on('error', () => undefined);
      const front = createServer();
      front.on('upgrade', (req, socket, head) =>
        wsProxy.ws(
          req,
          socket,
          head,
          agents.for({ host: '127.0.0.1', port: h.http }, { projectId, secret }).ws,
        ),
      );
      await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
      try {
        const ws = new WebSocket(`ws://127.0.0.1:${(front.address() as AddressInfo).port}/p/ws`);
        await once(ws, 'open');
        ws.send('over the line');
        const [echoed] = await once(ws, 'message');
        expect(String(echoed)).toBe('over the line');
        expect(asked).toEqual([projectId, projectId]);
        ws.terminate();
      } finally {
        front.close();
      }
    } finally {
      agents.close();
    }
  });

  it('splices 24 MiB from the project socket byte-identical while the hub reads slowly (read buffers are reused)', async () => {
    const f = await fixture('127.0.0.1');
    const secret = 'per-host-service-secret';
    const projectId = randomUUID();
    const payload = randomBytes(24 * 1024 * 1024 + 5);
    // The project's side: after the first bytes, it sends the payload in odd-sized writes and ends.
    const socketDir = mkdtempSync(join(tmpdir(), 'lp-splice-big-'));
    const socketPath = join(socketDir, 'p.sock');
    const project = createNetServer((s) => {
      s.once('data', () => {
        let at = 0;
        const more = () => {
          while (at < payload.length) {
            const end = Math.min(payload.length, at + 100_003);
            const ok = s.write(payload.subarray(at, end));
            at = end;
            if (!ok) return void s.once('drain', more);
          }
          s.end();
        };
        more();
      });
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => project.listen(socketPath, r));
    const h = await splicingHost(f, { secret, projectId, socketPath }, () => undefined);
    try {
      for (let run = 0; run < 2; run++) {
        const channel = await new Promise<Duplex>((resolve, reject) => {
          f.sshd.openForward('127.0.0.1', h.http, (err, s) => (s ? resolve(s) : reject(err)));
        });
        channel.write(splicePreamble(secret, projectId));
        channel.write('go');
        // A slow reader: the channel's window fills, and the agent's reads wait for it.
        const hash = createHash('sha256');
        let n = 0;
        await new Promise<void>((resolve, reject) => {
          channel.on('data', (c: Buffer) => {
            hash.update(c);
            n += c.length;
            if (n % 7 === 0 || c.length > 60_000) {
              channel.pause();
              setTimeout(() => channel.resume(), 2);
            }
          });
          channel.on('end', resolve);
          channel.on('error', reject);
        });
        channel.end();
        expect(n).toBe(payload.length);
        expect(hash.digest('hex')).toBe(createHash('sha256').update(payload).digest('hex'));
      }
    } finally {
      project.close();
      rmSync(socketDir, { recursive: true, force: true });
    }
  });

  it("applies the server's keep-alive timeout to an idle channel", async () => {
    const h = await online();
    const s = connect(h.http, '127.0.0.1');
    let text = '';
    s.setEncoding('utf8');
    s.on('data', (c: string) => {
      text += c;
    });
    s.write('POST /x HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\nhi');
    const started = Date.now();
    await once(s, 'end');
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toContain('"n":2');
    // Closed by the 300 ms idle timeout, not left open.
    expect(Date.now() - started).toBeLessThan(5000);
    s.destroy();
  });
});
