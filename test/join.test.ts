import { readFileSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOST_REMOVED_MESSAGE, SSH_NOT_ENABLED_BANNER } from '../server/agent/index.js';
import {
  createToken,
  hostList,
  httpGet,
  removeHost,
  signedHeader,
  startLanHub,
  waitForHost,
} from './support/hosts.js';
import { startAgent, tryConnect, withHubHarness } from './support/hub-process.js';

// A hub and its hosts as separate processes with separate data dirs on loopback: joining over
// HTTPS and SSH, the tunnel, the host service, hub restarts, crashes and removal.

withHubHarness();

const online = (h: { state: string }) => h.state === 'online';

/** The agent's saved state (what `launchpad --server --join` wrote under agent/). */
function agentState(dataDir: string) {
  return JSON.parse(readFileSync(join(dataDir, 'agent', 'agent.json'), 'utf8')) as {
    hostId: string;
    serviceSecret: string;
    ports: { http: number; ssh: number };
  };
}

/** Everything a TCP client reads from 127.0.0.1:`port` until the other side closes. */
function readBanner(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const s = connect(port, '127.0.0.1');
    s.setEncoding('utf8');
    s.on('data', (c: string) => {
      text += c;
    });
    s.on('end', () => resolve(text));
    s.on('error', reject);
  });
}

describe('a host joins a hub', () => {
  it('over HTTPS: online in `host list` within 5 s; its state is private; /healthz needs the signature', async () => {
    const hub = await startLanHub();
    const { token } = await createToken(hub, ['--name', 'for worker-1']);
    const agent = startAgent(token, { name: 'worker-1' });
    const joined = await agent.joined;
    expect(joined).toMatchObject({ hub: `127.0.0.1:${hub.port}`, name: 'worker-1' });
    const { host, ms } = await waitForHost(hub, joined.hostId, online, 5000);
    expect(ms).toBeLessThan(5000);
    expect(host).toMatchObject({ name: 'worker-1', ports: joined.ports, agentVersion: expect.any(String) });

    // agent/: 0700, every file 0600; the private keys stayed here.
    const dir = join(agent.dataDir, 'agent');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of [
      'agent.json',
      'tunnel_ed25519',
      'tunnel_ed25519.pub',
      'sftp_ed25519',
      'sftp_ed25519.pub',
    ]) {
      expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
    }
    const state = agentState(agent.dataDir);
    expect(state).toMatchObject({ hostId: joined.hostId, ports: joined.ports });

    // /healthz through the tunnel (the hub's 127.0.0.1:<http port>) and directly on the service port.
    const servicePort = await agent.servicePort();
    for (const port of [joined.ports.http, servicePort]) {
      expect((await httpGet(port, '/healthz')).status).toBe(403);
      const expired = await httpGet(port, '/healthz', signedHeader(state.serviceSecret, '/healthz', 120_000));
      expect(expired).toMatchObject({ status: 403, body: { error: { code: 'signature_expired' } } });
      const forged = await httpGet(port, '/healthz', signedHeader('not-the-secret', '/healthz'));
      expect(forged.status).toBe(403);
      const fresh = await httpGet(port, '/healthz', signedHeader(state.serviceSecret, '/healthz'));
      expect(fresh).toEqual({
        status: 200,
        body: { ok: true, hostId: joined.hostId, version: expect.any(String) },
      });
    }
    // The SSH tunnel port answers with the one-line banner and closes.
    expect(await readBanner(joined.ports.ssh)).toBe(SSH_NOT_ENABLED_BANNER);
    // The hub's own probe, signed with the per-host secret, gets through: it reports an RTT.
    const probed = await waitForHost(hub, joined.hostId, (h) => h.rttMs !== null, 15_000);
    expect(probed.host.lastError).toBeNull();
  });

  it('over SSH (--via ssh): online in `host list` within 5 s', async () => {
    const hub = await startLanHub();
    const { token } = await createToken(hub);
    const agent = startAgent(token, { via: 'ssh', name: 'over-ssh' });
    const joined = await agent.joined;
    expect(joined.hub).toBe(`127.0.0.1:${hub.port + 1}`);
    const { ms } = await waitForHost(hub, joined.hostId, online, 5000);
    expect(ms).toBeLessThan(5000);
    const state = agentState(agent.dataDir);
    const fresh = await httpGet(joined.ports.http, '/healthz', signedHeader(state.serviceSecret, '/healthz'));
    expect(fresh.status).toBe(200);
  });
});

describe('a joined host', () => {
  it('is back within 5 s of a restarted hub being up, on the same ports', async () => {
    const hub = await startLanHub();
    const agent = startAgent((await createToken(hub)).token);
    const joined = await agent.joined;
    await waitForHost(hub, joined.hostId, online, 5000);

    expect(await hub.stop()).toBe(0);
    const again = await startLanHub({ dataDir: hub.dataDir, port: hub.port });
    const { host, ms } = await waitForHost(again, joined.hostId, online, 5000);
    expect(ms).toBeLessThan(5000);
    expect(host.ports).toEqual(joined.ports);
    expect(agent.proc.exitCode).toBeNull();
    const state = agentState(agent.dataDir);
    expect(
      (await httpGet(joined.ports.http, '/healthz', signedHeader(state.serviceSecret, '/healthz'))).status,
    ).toBe(200);
  });

  it('whose SSH port is blocked while HTTPS works reports why to the hub, and clears it once online', async () => {
    const hub = await startLanHub();
    const agent = startAgent((await createToken(hub)).token);
    const joined = await agent.joined;
    await waitForHost(hub, joined.hostId, online, 5000);
    expect((await hostList(hub)).find((h) => h.id === joined.hostId)?.agentError).toBeNull();

    // Restart the hub with something else on its SSH port that drops every connection: the
    // agent still reaches the hub over HTTPS, but its tunnel cannot come up.
    expect(await hub.stop()).toBe(0);
    const blocker = createServer((sock) => sock.destroy());
    await new Promise<void>((r) => blocker.listen(hub.port + 1, '0.0.0.0', r));
    const again = await startLanHub({ dataDir: hub.dataDir, port: hub.port });
    const { host } = await waitForHost(again, joined.hostId, (h) => h.agentError !== null, 30_000);
    expect(host.state).toBe('offline');
    expect(host.agentError?.message).toMatch(new RegExp(`^SSH tunnel to 127\\.0\\.0\\.1:${hub.port + 1}: `));

    // The port frees, sshd binds on its next retry, the agent connects and the report is cleared.
    await new Promise<void>((r) => blocker.close(() => r()));
    await waitForHost(again, joined.hostId, (h) => online(h) && h.agentError === null, 60_000);
  }, 90_000);

  it('killed (SIGKILL) is offline within 30 s; `launchpad --server` on its data dir runs it again as that host', async () => {
    const hub = await startLanHub();
    const agent = startAgent((await createToken(hub)).token);
    const joined = await agent.joined;
    await waitForHost(hub, joined.hostId, online, 5000);

    await agent.stop('SIGKILL');
    const { ms } = await waitForHost(hub, joined.hostId, (h) => h.state === 'offline', 30_000);
    expect(ms).toBeLessThan(30_000);

    const rerun = startAgent(null, { dataDir: agent.dataDir });
    await waitForHost(hub, joined.hostId, online, 5000);
    // One agent per data dir: a second one is refused, naming the first, and the first stays online.
    const second = startAgent(null, { dataDir: agent.dataDir });
    expect((await second.exited).code).toBe(2);
    expect(second.output().stderr).toMatch(
      new RegExp(`host agent \\(PID ${rerun.proc.pid}\\) is already running`),
    );
    await waitForHost(hub, joined.hostId, online, 5000);
    // It runs as the host, not as a hub: no database, no lock, no banner.
    expect(rerun.output().stdout).not.toMatch(/Launchpad hub is running/);
    expect(() => statSync(join(agent.dataDir, 'launchpad.db'))).toThrow();
    // SIGTERM closes the tunnel and the service and exits 0.
    expect(await rerun.stop('SIGTERM')).toBe(0);
    await waitForHost(hub, joined.hostId, (h) => h.state === 'offline', 10_000);
  });

  it('removed on the hub: the agent stops with the "removed" message and the ports return to the pool', async () => {
    const hub = await startLanHub();
    const agent = startAgent((await createToken(hub)).token);
    const joined = await agent.joined;
    await waitForHost(hub, joined.hostId, online, 5000);

    await removeHost(hub, joined.hostId);
    const exit = await agent.exited;
    expect(exit.code).toBe(1);
    expect(agent.output().stderr).toContain(HOST_REMOVED_MESSAGE);
    expect((await hostList(hub)).map((h) => h.id)).not.toContain(joined.hostId);
    expect(await tryConnect(joined.ports.http)).toBe('ECONNREFUSED');

    // The freed ports are the lowest free ones again: the next host gets them.
    const next = startAgent((await createToken(hub)).token);
    expect((await next.joined).ports).toEqual(joined.ports);
  });
});
