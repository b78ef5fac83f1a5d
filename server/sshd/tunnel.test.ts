import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import type { ClientChannel } from 'ssh2';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, Proc, type RegisteredKey, run, SshdFixture } from './test-support.js';

// Tunnel-role keys with real `ssh -R`: what a host agent does to publish its ports on the hub.

let f: SshdFixture;
let local: Server;
let localPort: number;
const procs: Proc[] = [];

beforeAll(async () => {
  f = await SshdFixture.start({ tunnelSshBindAddress: '127.0.0.1' });
  // The "project server" on the host side: answers with the path it was asked for.
  local = createServer((req, res) => {
    res.setHeader('content-type', 'text/plain');
    res.end(`hello from the host: ${req.url}`);
  });
  local.listen(0, '127.0.0.1');
  await once(local, 'listening');
  localPort = (local.address() as { port: number }).port;
});

afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.kill('SIGKILL')));
});

afterAll(async () => {
  local.close();
  await f.close();
});

async function tunnelKey(owner: string): Promise<RegisteredKey & { http: number; ssh: number }> {
  const http = await freePort();
  let ssh = await freePort();
  while (ssh === http) ssh = await freePort();
  return { ...f.addKey('tunnel', { owner, allowedPorts: { http, ssh } }), http, ssh };
}

/** `ssh -N -R …` kept running; -v so the client's "remote forward success" can be awaited. */
function tunnel(key: RegisteredKey, forwards: string[], extra: string[] = []): Proc {
  const args = f.sshArgs(key, [
    '-N',
    '-v',
    '-o',
    'ExitOnForwardFailure=yes',
    ...extra,
    ...forwards.flatMap((r) => ['-R', r]),
  ]);
  const p = new Proc('ssh', args);
  procs.push(p);
  return p;
}

const FORWARD_OK = /remote forward success for: listen ([^\s,]+)/;

function curl(port: number, path: string) {
  return run('curl', ['-sS', '--max-time', '20', `http://127.0.0.1:${port}${path}`]);
}

describe('tunnel keys', () => {
  it('publish the HTTP port on 127.0.0.1: a request through the hub reaches the host', async () => {
    const key = await tunnelKey('host-a');
    const p = tunnel(key, [`127.0.0.1:${key.http}:127.0.0.1:${localPort}`]);
    await p.lineOnStderr(FORWARD_OK);

    const res = await curl(key.http, '/p1/files?x=1');
    expect(res.stderr).toBe('');
    expect(res.stdout).toBe('hello from the host: /p1/files?x=1');

    const [conn] = f.sshd.connections().filter((c) => c.fingerprint === key.fingerprint);
    expect(conn).toMatchObject({ role: 'tunnel', owner: 'host-a', remoteAddress: '127.0.0.1' });
    expect(conn!.since).toBeLessThanOrEqual(Date.now());
    expect(conn!.forwards).toHaveLength(1);
    const fwd = conn!.forwards[0]!;
    expect(fwd).toMatchObject({
      bindAddress: '127.0.0.1',
      listenHost: '127.0.0.1',
      port: key.http,
      kind: 'http',
    });
    expect(fwd.totalConnections).toBe(1);
    // curl's request went out to the host, the response came back in.
    expect(fwd.bytesOut).toBeGreaterThan(40);
    expect(fwd.bytesIn).toBeGreaterThan(40);
  });

  it('bind the SSH port on the configured address, and forward to it', async () => {
    const key = await tunnelKey('host-b');
    const p = tunnel(key, [`127.0.0.1:${key.ssh}:127.0.0.1:${localPort}`]);
    await p.lineOnStderr(FORWARD_OK);
    const res = await curl(key.ssh, '/via-ssh-port');
    expect(res.stdout).toBe('hello from the host: /via-ssh-port');
  });

  it('refuse a port that is not theirs: "remote port forwarding failed"', async () => {
    const key = await tunnelKey('host-c');
    const other = await freePort();
    const res = await tunnel(key, [`127.0.0.1:${other}:127.0.0.1:${localPort}`]).exited;
    expect(res.code).toBe(255);
    expect(res.stderr).toContain(`remote port forwarding failed for listen port ${other}`);
    await expect(curl(other, '/')).resolves.toMatchObject({ code: 7 });
  });

  it('refuse the HTTP port on 0.0.0.0 (or on all interfaces), and the SSH port elsewhere', async () => {
    const key = await tunnelKey('host-d');
    for (const spec of [
      `0.0.0.0:${key.http}:127.0.0.1:${localPort}`,
      `*:${key.http}:127.0.0.1:${localPort}`,
      `0.0.0.0:${key.ssh}:127.0.0.1:${localPort}`,
    ]) {
      const res = await tunnel(key, [spec]).exited;
      expect(res.code, spec).toBe(255);
      expect(res.stderr, spec).toMatch(/remote port forwarding failed for listen port/);
    }
    expect(f.log.text()).toContain("the HTTP tunnel port binds on 127.0.0.1 only, not '0.0.0.0'");
  });

  it('refuse port 0 (a port the hub would pick is never one of the key’s ports)', async () => {
    const key = await tunnelKey('host-e');
    const res = await tunnel(key, [`127.0.0.1:0:127.0.0.1:${localPort}`]).exited;
    expect(res.code).toBe(255);
    expect(res.stderr).toMatch(/remote port forwarding failed/);
  });

  it('refuse shells, commands, ptys and local forwards', async () => {
    const key = await tunnelKey('host-f');
    const exec = await run('ssh', f.sshArgs(key, [], ['true']));
    expect(exec.code).toBe(255);
    expect(exec.stderr).toMatch(/administratively prohibited/);

    const shell = await run('ssh', f.sshArgs(key, ['-tt']));
    expect(shell.code).toBe(255);

    const local = await run('ssh', f.sshArgs(key, ['-W', `127.0.0.1:${localPort}`]));
    expect(local.code).toBe(255);
    expect(local.stderr).toMatch(/administratively prohibited/);
  });

  it('after SIGKILL of the client, an immediate reconnect binds the same port', async () => {
    const key = await tunnelKey('host-g');
    const spec = `127.0.0.1:${key.http}:127.0.0.1:${localPort}`;
    const first = tunnel(key, [spec]);
    await first.lineOnStderr(FORWARD_OK);
    await first.kill('SIGKILL');

    const second = tunnel(key, [spec]);
    await second.lineOnStderr(FORWARD_OK);
    expect((await curl(key.http, '/again')).stdout).toBe('hello from the host: /again');
  });

  it('a new connection of the same owner replaces the live one and takes its ports', async () => {
    const key = await tunnelKey('host-h');
    const spec = `127.0.0.1:${key.http}:127.0.0.1:${localPort}`;
    const first = tunnel(key, [spec]);
    await first.lineOnStderr(FORWARD_OK);

    const second = tunnel(key, [spec]);
    await second.lineOnStderr(FORWARD_OK);
    const firstExit = await first.exited;
    expect(firstExit.code).toBe(255);
    expect(f.sshd.connections().filter((c) => c.owner === 'host-h')).toHaveLength(1);
    expect((await curl(key.http, '/replaced')).stdout).toBe('hello from the host: /replaced');
  });

  it('cancel-tcpip-forward closes the listener (ssh -O cancel via a control master)', async () => {
    const key = await tunnelKey('host-i');
    const control = `${f.dir}/ctl-%C`;
    const spec = `127.0.0.1:${key.http}:127.0.0.1:${localPort}`;
    const master = tunnel(key, [spec], ['-M', '-S', control]);
    await master.lineOnStderr(FORWARD_OK);
    expect((await curl(key.http, '/before')).stdout).toBe('hello from the host: /before');

    const cancel = await run('ssh', f.sshArgs(key, ['-S', control, '-O', 'cancel', '-R', spec]));
    expect(cancel.code, cancel.stderr).toBe(0);
    await f.log.waitFor((l) => l.msg === 'sshd: forward cancelled' && l.bindPort === key.http);
    expect((await curl(key.http, '/after')).code).toBe(7);
    expect(f.sshd.connections().find((c) => c.owner === 'host-i')?.forwards).toEqual([]);
  });

  it('revoking the key closes its open connection and frees its ports', async () => {
    const key = await tunnelKey('host-j');
    const p = tunnel(key, [`127.0.0.1:${key.http}:127.0.0.1:${localPort}`]);
    await p.lineOnStderr(FORWARD_OK);

    expect(await f.sshd.revokeKey(key.fingerprint)).toBe(true);
    const res = await p.exited;
    expect(res.code).toBe(255);
    expect((await curl(key.http, '/')).code).toBe(7);
    expect(f.keys.findActiveByFingerprint(key.fingerprint)).toBeUndefined();

    // And the next attempt is refused at authentication.
    const again = await run(
      'ssh',
      f.sshArgs(key, ['-N', '-R', `127.0.0.1:${key.http}:127.0.0.1:${localPort}`]),
    );
    expect(again.stderr).toContain('Permission denied (publickey)');
  });
});

describe('a forward', () => {
  it('delivers what a hub-side client sends and closes at once to its last byte while the host reads slowly (20 runs)', async () => {
    const key = await tunnelKey('host_stream');
    const client = await f.ssh2Client(key);
    try {
      await new Promise<void>((resolve, reject) =>
        client.forwardIn('127.0.0.1', key.http, (err) => (err ? reject(err) : resolve())),
      );
      const channels: ClientChannel[] = [];
      client.on('tcp connection', (_info, accept) => channels.push(accept()));
      // More than the host's unread channel takes in (about 3 MiB: window and buffer), less than
      // that plus the hub's channel buffer: the hub-side socket closes while the hub still holds
      // the tail, waiting for the host's window.
      const size = 3.5 * 1024 * 1024 + 17;
      for (let run = 0; run < 20; run++) {
        const s = connect(key.http, '127.0.0.1');
        await once(s, 'connect');
        s.resume();
        s.end(Buffer.alloc(size, 7));
        await Promise.race([once(s, 'close'), new Promise((r) => setTimeout(r, 1000))]);
        await new Promise((r) => setTimeout(r, 20));
        const channel = channels.shift();
        if (!channel) throw new Error('no forwarded channel');
        let n = 0;
        channel.on('data', (c: Buffer) => {
          n += c.length;
        });
        await once(channel, 'end');
        expect(n, `run ${run}`).toBe(size);
        channel.close();
      }
    } finally {
      client.end();
    }
  }, 60_000);
});
