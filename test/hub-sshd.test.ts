import { execFileSync } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  freeBasePort,
  type HubProcess,
  hubFetch,
  type Json,
  runCli,
  signIn,
  startHub,
  withHubHarness,
} from './support/hub-process.js';

withHubHarness();

const LAN_HUB = { COCALC_PRODUCT: 'launchpad', COCALC_DEPLOYMENT_MODE: 'local' };

async function status(hub: HubProcess): Promise<Json> {
  return (await hubFetch(hub.port, '/api/status', { ca: hub.caPem })).json;
}

/** Resolves with the first status `accept` takes, asking again on each status change log line. */
async function statusWhen(hub: HubProcess, accept: (s: Json) => boolean): Promise<Json> {
  for (;;) {
    const s = await status(hub);
    if (accept(s)) return s;
    // sshd logs each listen attempt; the next one is at most the backoff cap away.
    await hub.waitForLog((l) => l.component === 'sshd', hub.output().stdout.length);
  }
}

describe('the embedded SSH server in a Launchpad hub', () => {
  it('listens on base+1 with a host key whose fingerprint status and config report as OpenSSH does', async () => {
    const hub = await startHub({ env: LAN_HUB });
    const s = await status(hub);
    expect(s.sshd).toMatchObject({ listening: true, port: hub.port + 1, connections: 0 });
    const pub = join(hub.dataDir, 'ssh', 'ssh_host_ed25519_key.pub');
    const openssh = execFileSync('ssh-keygen', ['-lf', pub], { encoding: 'utf8' }).split(' ')[1];
    expect(s.sshd.hostKeyFingerprint).toBe(openssh);
    const config = await runCli(['config', '--json', '--data-dir', hub.dataDir]);
    expect(JSON.parse(config.stdout).ssh).toEqual({ runs: true, hostKeyFingerprint: openssh });

    const cookie = await signIn(hub, hub.loginUrl);
    const conns = await hubFetch(hub.port, '/api/sshd/connections', { ca: hub.caPem, cookie });
    expect(conns.status).toBe(200);
    expect(conns.json).toEqual({ connections: [] });
    expect((await hubFetch(hub.port, '/api/sshd/connections', { ca: hub.caPem })).status).toBe(401);
  });

  it('keeps the same host key across restarts', async () => {
    const first = await startHub({ env: LAN_HUB });
    const before = (await status(first)).sshd.hostKeyFingerprint;
    expect(await first.stop()).toBe(0);
    const again = await startHub({ env: LAN_HUB, dataDir: first.dataDir, port: first.port });
    expect((await status(again)).sshd.hostKeyFingerprint).toBe(before);
  });

  it('a taken SSH port does not stop the hub: HTTPS serves, status says why, sshd binds once the port is free', async () => {
    const port = await freeBasePort();
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(port + 1, '0.0.0.0', r));
    const hub = await startHub({ env: LAN_HUB, port });
    const down = await status(hub);
    expect(down.sshd.listening).toBe(false);
    expect(down.sshd.lastError).toMatch(/EADDRINUSE/);
    await new Promise<void>((r) => squatter.close(() => r()));
    const up = await statusWhen(hub, (st) => st.sshd.listening);
    expect(up.sshd.port).toBe(port + 1);
  });

  it('garbage and oversized input on the SSH port leave the hub answering', async () => {
    const hub = await startHub({ env: LAN_HUB });
    const send = (data: Buffer | string) =>
      new Promise<void>((resolve) => {
        const sock = connect(hub.port + 1, '127.0.0.1', () => {
          sock.write(data);
          sock.end();
        });
        sock.on('error', () => resolve());
        sock.on('close', () => resolve());
        sock.resume();
      });
    await Promise.all([
      send(Buffer.alloc(70_000, 0x41)),
      send('SSH-2.0-fuzz\r\n'.concat('\x00\xff'.repeat(5000))),
      send(`SSH-2.0-${'x'.repeat(300)}\r\n`),
      ...Array.from({ length: 20 }, () => send('GET / HTTP/1.1\r\n\r\n')),
    ]);
    const s = await status(hub);
    expect(s.sshd.listening).toBe(true);
    expect(hub.proc.exitCode).toBeNull();
  });

  it('Plus runs no SSH server', async () => {
    const hub = await startHub();
    expect((await status(hub)).sshd).toBeNull();
    expect(
      await new Promise((r) =>
        connect(hub.port + 1, '127.0.0.1')
          .on('error', (e) => r((e as NodeJS.ErrnoException).code))
          .on('connect', () => r('connected')),
      ),
    ).toBe('ECONNREFUSED');
  });
});
