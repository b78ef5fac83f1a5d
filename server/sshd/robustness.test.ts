import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import type ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, Proc, type RegisteredKey, SshdFixture } from './test-support.js';

// Hostile and broken clients: nothing they send may crash the hub or wedge the sshd.

let f: SshdFixture;
let tunnelKey: RegisteredKey & { http: number; ssh: number };
let sftpKey: RegisteredKey;

beforeAll(async () => {
  f = await SshdFixture.start({
    limits: { maxUnauthenticated: 16, authTimeoutMs: 1_500, maxAuthFailures: 1_000 },
  });
  const http = await freePort();
  let ssh = await freePort();
  while (ssh === http) ssh = await freePort();
  tunnelKey = { ...f.addKey('tunnel', { owner: 'fuzz', allowedPorts: { http, ssh } }), http, ssh };
  sftpKey = f.addKey('sftp');
});

afterAll(async () => {
  await f.close();
});

/** Opens a raw TCP connection to the sshd; resolves once connected. */
async function raw(): Promise<Socket> {
  const s = connect(f.sshd.port, '127.0.0.1');
  s.on('error', () => undefined);
  // Read (and drop) whatever comes, so the server's FIN is seen and 'close' follows.
  s.resume();
  await once(s, 'connect');
  return s;
}

/** Resolves when the server has closed `s` (we never close it ourselves). */
const closedByServer = (s: Socket) =>
  s.destroyed ? Promise.resolve() : once(s, 'close').then(() => undefined);

/** The proof that the sshd still works: a real OpenSSH client gets a real answer. */
async function stillServes(): Promise<void> {
  expect(f.sshd.status()).toMatchObject({ listening: true });
  const res = await f.sftp(sftpKey, ['pwd']);
  expect(res.code, res.stderr).toBe(0);
  expect(res.stdout).toContain('Remote working directory: /');
}

/** Calls an ssh2 client method whose callback reports failure; resolves with the error. */
function refused(start: (cb: (err?: Error | null) => void) => void): Promise<Error | undefined> {
  return new Promise((resolve) => start((err) => resolve(err ?? undefined)));
}

describe('garbage on the wire', () => {
  it('random bytes instead of an SSH banner', async () => {
    const s = await raw();
    s.write(randomBytes(4096));
    await closedByServer(s);
    await stillServes();
  });

  it('an identification line far over the limit', async () => {
    const s = await raw();
    s.write(`SSH-2.0-${'A'.repeat(20_000)}\r\n`);
    await closedByServer(s);
    await stillServes();
  });

  it('random bytes after a valid banner', async () => {
    const s = await raw();
    s.write('SSH-2.0-OpenSSH_9.2p1 fuzz\r\n');
    for (let i = 0; i < 16; i++) s.write(randomBytes(4096));
    await closedByServer(s);
    await stillServes();
  });

  it('a huge packet length right after key exchange starts', async () => {
    const s = await raw();
    const frame = Buffer.alloc(9);
    frame.writeUInt32BE(0x7fffffff, 0); // packet_length
    s.write('SSH-2.0-OpenSSH_9.2p1 fuzz\r\n');
    s.write(frame);
    await closedByServer(s);
    await stillServes();
  });

  it('many half-open connections: over the cap dropped at once, the rest timed out', async () => {
    const sockets = await Promise.all(Array.from({ length: 40 }, () => raw()));
    await Promise.all(sockets.map(closedByServer));
    expect(
      f.log.lines.some((l) => l.msg === 'sshd: too many unauthenticated connections; dropping new ones'),
    ).toBe(true);
    expect(
      f.log.lines.some((l) => l.msg === 'sshd: no authentication in time; dropping the connection'),
    ).toBe(true);
    await stillServes();
  });
});

describe('an authenticated client asking for everything it may not have', () => {
  let client: ssh2.Client;

  beforeAll(async () => {
    client = await f.ssh2Client(tunnelKey);
  });

  afterAll(() => {
    client.end();
  });

  it('bogus global requests and forwards are refused, the connection survives', async () => {
    expect(await refused((cb) => client.forwardIn('127.0.0.1', 1, cb))).toBeInstanceOf(Error);
    expect(await refused((cb) => client.forwardIn('127.0.0.1', 0, cb))).toBeInstanceOf(Error);
    expect(await refused((cb) => client.forwardIn('x'.repeat(20_000), tunnelKey.http, cb))).toBeInstanceOf(
      Error,
    );
    expect(await refused((cb) => client.forwardIn('0.0.0.0', tunnelKey.http, cb))).toBeInstanceOf(Error);
    expect(await refused((cb) => client.unforwardIn('127.0.0.1', 4242, cb))).toBeInstanceOf(Error);
    expect(
      await refused((cb) => client.openssh_forwardInStreamLocal('/tmp/lp-fuzz.sock', cb)),
    ).toBeInstanceOf(Error);
    expect(await refused((cb) => client.openssh_noMoreSessions(cb))).toBeUndefined();
    // Still alive: the allowed forward works on the same connection.
    expect(await refused((cb) => client.forwardIn('127.0.0.1', tunnelKey.http, cb))).toBeUndefined();
    expect(f.sshd.connections().find((c) => c.owner === 'fuzz')?.forwards).toHaveLength(1);
  });

  it('huge exec payloads, shells, sftp and direct-tcpip are refused, the connection survives', async () => {
    expect(await refused((cb) => client.exec('A'.repeat(30_000), cb))).toBeInstanceOf(Error);
    expect(await refused((cb) => client.shell(cb))).toBeInstanceOf(Error);
    expect(await refused((cb) => client.sftp(cb))).toBeInstanceOf(Error);
    expect(await refused((cb) => client.forwardOut('127.0.0.1', 1, '127.0.0.1', 22, cb))).toBeInstanceOf(
      Error,
    );
    expect(f.sshd.connections().some((c) => c.owner === 'fuzz')).toBe(true);
    await stillServes();
  });

  it('a pairing key with a huge command and garbage stdin gets {"error"}, the sshd goes on', async () => {
    const pairing = f.addKey('pairing');
    const c = await f.ssh2Client(pairing);
    try {
      const out = await new Promise<{ code: number; stdout: string }>((resolve, reject) => {
        c.exec('B'.repeat(30_000), (err, ch) => {
          if (err) return reject(err);
          let stdout = '';
          ch.on('data', (d: Buffer) => {
            stdout += d.toString();
          });
          ch.on('exit', (code: number) => resolve({ code, stdout }));
          ch.end(randomBytes(1000));
        });
      });
      expect(out.code).toBe(1);
      expect(JSON.parse(out.stdout)).toHaveProperty('error');
    } finally {
      c.end();
    }
    await stillServes();
  });
});

describe('lifecycle', () => {
  it('a port in use: status says so, the listener retries with backoff and comes up', async () => {
    const blocker = createServer();
    blocker.listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as { port: number }).port;

    const t = await SshdFixture.start({ port, limits: { retryInitialMs: 50, retryMaxMs: 200 } });
    try {
      const status = t.sshd.status();
      expect(status).toMatchObject({ listening: false, port, restarts: 0 });
      expect(status.lastError).toMatch(/EADDRINUSE/);
      // It keeps retrying while the port is taken.
      await new Promise<void>((resolve) => {
        const onStatus = (s: { restarts: number }) => {
          if (s.restarts >= 2) {
            t.sshd.off('status', onStatus);
            resolve();
          }
        };
        t.sshd.on('status', onStatus);
      });
      const up = new Promise<number>((resolve) => t.sshd.once('listening', resolve));
      blocker.close();
      expect(await up).toBe(port);
      expect(t.sshd.status()).toMatchObject({ listening: true, port });
      expect(t.sshd.status().lastError).toBeUndefined();
      const ok = await t.sftp(t.addKey('sftp'), ['pwd']);
      expect(ok.code, ok.stderr).toBe(0);
    } finally {
      blocker.close();
      await t.close();
    }
  });

  it('close() disconnects everyone, frees the sshd port and every forward port; twice is fine', async () => {
    const t = await SshdFixture.start();
    const http = await freePort();
    const key = t.addKey('tunnel', { owner: 'h', allowedPorts: { http, ssh: http + 1 } });
    const p = new Proc(
      'ssh',
      t.sshArgs(key, ['-N', '-v', '-o', 'ExitOnForwardFailure=yes', '-R', `127.0.0.1:${http}:127.0.0.1:9`]),
    );
    await p.lineOnStderr(/remote forward success/);
    const port = t.sshd.port;
    await t.close();
    await t.sshd.close();
    expect((await p.exited).code).toBe(255);
    for (const free of [port, http]) {
      const probe = createServer();
      probe.listen(free, '127.0.0.1');
      await once(probe, 'listening');
      probe.close();
    }
  });

  it('an authenticated connection with nothing open is closed when idle', async () => {
    const t = await SshdFixture.start({ limits: { idleTimeoutMs: 300 } });
    try {
      const p = new Proc('ssh', t.sshArgs(t.addKey('sftp'), ['-N']));
      expect((await p.exited).code).toBe(255);
      expect(t.log.lines.some((l) => l.msg === 'sshd: disconnecting' && l.reason === 'idle')).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('a client that stops answering is dropped by keepalive, and its forward port freed', async () => {
    const t = await SshdFixture.start({ limits: { keepaliveIntervalMs: 200, keepaliveCountMax: 2 } });
    try {
      const http = await freePort();
      const key = t.addKey('tunnel', { owner: 'silent', allowedPorts: { http, ssh: http + 1 } });
      const sock = connect(t.sshd.port, '127.0.0.1');
      sock.on('error', () => undefined);
      const c = await t.ssh2Client(key, sock);
      expect(await refused((cb) => c.forwardIn('127.0.0.1', http, cb))).toBeUndefined();
      // The client process "hangs": it reads nothing more, so it answers no keepalive.
      sock.pause();
      await t.log.waitFor((l) => l.msg === 'sshd: keepalive timeout; dropping the connection');
      await t.log.waitFor((l) => l.msg === 'sshd: disconnected');
      expect(t.sshd.connections()).toEqual([]);
      const probe = createServer();
      probe.listen(http, '127.0.0.1');
      await once(probe, 'listening');
      probe.close();
      sock.destroy();
    } finally {
      await t.close();
    }
  });
});
