import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionInfo } from '../sshd/index.js';
import { probeHealth } from './health-probe.js';
import { HostsRepo } from './hosts-repo.js';
import { SignatureVerifier } from './service-signature.js';
import { silentLogger, tempDb, testClock } from './test-support.js';
import { TunnelMonitor } from './tunnel-state.js';

let t: ReturnType<typeof tempDb>;
let server: Server | undefined;
afterEach(async () => {
  t?.close();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

function tunnelConnection(owner: string, id: number, since: number, httpPort: number | null): ConnectionInfo {
  return {
    id,
    fingerprint: `SHA256:${owner}`,
    role: 'tunnel',
    owner,
    remoteAddress: '192.0.2.30',
    remotePort: 50_000 + id,
    since,
    forwards:
      httpPort === null
        ? []
        : [
            {
              bindAddress: '127.0.0.1',
              listenHost: '127.0.0.1',
              port: httpPort,
              kind: 'http',
              bytesIn: 0,
              bytesOut: 0,
              activeConnections: 0,
              totalConnections: 0,
            },
          ],
  };
}

function setup() {
  t = tempDb();
  const clock = testClock();
  const hosts = new HostsRepo(t.db);
  for (const id of ['h_a', 'h_b']) {
    hosts.insert({
      id,
      name: id,
      platform: 'linux-x64',
      agentVersion: '0',
      credentialHash: 'x',
      serviceSecret: `secret-${id}`,
      createdAt: clock.now(),
      tokenId: null,
    });
  }
  let conns: ConnectionInfo[] = [];
  const probes: { port: number; secret: string }[] = [];
  let answer: Awaited<ReturnType<typeof probeHealth>> = { ok: true, rttMs: 4.2 };
  let changes = 0;
  const monitor = new TunnelMonitor({
    connections: () => conns,
    hosts,
    probe: async (port, secret) => {
      probes.push({ port, secret });
      return answer;
    },
    changed: () => changes++,
    logger: silentLogger,
    now: clock.now,
  });
  return {
    clock,
    hosts,
    monitor,
    probes,
    setConnections: (c: ConnectionInfo[]) => {
      conns = c;
    },
    setAnswer: (a: typeof answer) => {
      answer = a;
    },
    changes: () => changes,
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('tunnel state', () => {
  it('a host is online while its tunnel connection holds its HTTP forward, and is probed at once', async () => {
    const s = setup();
    s.monitor.refresh();
    expect(s.monitor.state('h_a')).toEqual({ online: false, since: null, rttMs: null });

    // Connected, forwards not set up yet: not online.
    s.setConnections([tunnelConnection('h_a', 1, s.clock.now(), null)]);
    s.monitor.refresh();
    expect(s.monitor.state('h_a').online).toBe(false);

    s.setConnections([tunnelConnection('h_a', 1, s.clock.now() - 500, 20_000)]);
    s.monitor.refresh();
    await tick();
    expect(s.monitor.state('h_a')).toEqual({ online: true, since: s.clock.now() - 500, rttMs: 4.2 });
    expect(s.probes).toEqual([{ port: 20_000, secret: 'secret-h_a' }]);
    expect(s.hosts.get('h_a')?.lastSeenAt).toBe(s.clock.now());
    expect(s.monitor.state('h_b').online).toBe(false);
    expect(s.changes()).toBeGreaterThan(0);
  });

  it('records a failing probe as the last error, clears it when the probe passes again', async () => {
    const s = setup();
    s.setAnswer({ ok: false, rttMs: 3, error: 'the host answered the health check with HTTP 500' });
    s.setConnections([tunnelConnection('h_a', 1, s.clock.now(), 20_000)]);
    s.monitor.refresh();
    await tick();
    expect(s.hosts.get('h_a')?.lastError).toMatch(/HTTP 500/);
    s.setAnswer({ ok: true, rttMs: 2 });
    s.clock.advance(10_000);
    s.monitor.probeAll();
    await tick();
    expect(s.hosts.get('h_a')).toMatchObject({ lastError: null, lastSeenAt: s.clock.now() });
    expect(s.monitor.state('h_a').rttMs).toBe(2);
  });

  it('goes offline when the connection is gone, remembering when it was last seen', async () => {
    const s = setup();
    s.setConnections([tunnelConnection('h_a', 1, s.clock.now(), 20_000)]);
    s.monitor.refresh();
    await tick();
    s.clock.advance(30_000);
    s.setConnections([]);
    const before = s.changes();
    s.monitor.refresh();
    expect(s.monitor.state('h_a')).toEqual({ online: false, since: null, rttMs: null });
    expect(s.hosts.get('h_a')?.lastSeenAt).toBe(s.clock.now());
    expect(s.changes()).toBe(before + 1);
    // Nothing changed: no notification.
    s.monitor.refresh();
    expect(s.changes()).toBe(before + 1);
  });

  it('a reconnect (new connection id) counts as a new online period; removed and other roles are ignored', async () => {
    const s = setup();
    s.setConnections([tunnelConnection('h_a', 1, 1000, 20_000)]);
    s.monitor.refresh();
    s.setConnections([tunnelConnection('h_a', 2, 2000, 20_000)]);
    s.monitor.refresh();
    await tick();
    expect(s.monitor.state('h_a').since).toBe(2000);
    s.hosts.markRemoved('h_b', s.clock.now());
    s.setConnections([
      tunnelConnection('h_b', 3, 1000, 20_002),
      { ...tunnelConnection('h_x', 4, 1000, 20_004), role: 'sftp' },
    ]);
    s.monitor.refresh();
    expect(s.monitor.state('h_b').online).toBe(false);
    expect(s.monitor.state('h_x').online).toBe(false);
  });
});

describe('the health probe', () => {
  it('sends a signed GET /healthz that the host side verifies, and measures the round trip', async () => {
    const verifier = new SignatureVerifier('s3cret');
    const seen: string[] = [];
    server = createServer((req, res) => {
      const check = verifier.verify(
        req.headers['x-launchpad-signature'] as string,
        req.method ?? '',
        req.url ?? '',
      );
      seen.push(check.ok ? 'ok' : check.reason);
      res.writeHead(check.ok ? 200 : 403).end();
    });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const ok = await probeHealth(port, 's3cret');
    expect(ok.ok).toBe(true);
    expect(ok.rttMs).toBeGreaterThan(0);
    const bad = await probeHealth(port, 'wrong');
    expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/HTTP 403/) });
    expect(seen).toEqual(['ok', 'bad-signature']);
    server.close();
    await new Promise((r) => server?.once('close', r));
    server = undefined;
    const down = await probeHealth(port, 's3cret');
    expect(down).toMatchObject({ ok: false, rttMs: null, error: expect.stringMatching(/ECONNREFUSED/) });
  });
});
