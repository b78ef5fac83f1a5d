import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOfPublicKey } from './index.js';
import { makeClientKey, Proc, run, SshdFixture } from './test-support.js';

// Who gets in: public keys registered in sqlite, nothing else, decided at each connection.

let f: SshdFixture;

beforeAll(async () => {
  // A short re-check period, so a key revoked directly in the db cuts live sessions quickly.
  f = await SshdFixture.start({ limits: { keyRecheckMs: 200 } });
});

afterAll(async () => {
  await f.close();
});

const sftpPwd = (key: { path: string }, fixture = f) => fixture.sftp(key, ['pwd']);

describe('authentication', () => {
  it('never offers password or keyboard-interactive', async () => {
    const key = f.addKey('sftp');
    // Options before sshOptions win (ssh takes the first value of each option).
    const res = await run('ssh', [
      '-o',
      'PreferredAuthentications=password,keyboard-interactive',
      '-o',
      'PubkeyAuthentication=no',
      ...f.sshArgs(key, [], ['true']),
    ]);
    expect(res.code).toBe(255);
    expect(res.stderr).toContain('Permission denied (publickey)');
  });

  it('refuses a password even from a client that sends one, and logs the attempt', async () => {
    const client = new ssh2.Client();
    const failed = new Promise<Error>((resolve) => client.once('error', resolve));
    client.connect({
      host: '127.0.0.1',
      port: f.sshd.port,
      username: 'lp',
      password: 'hunter2',
      tryKeyboard: true,
      hostVerifier: (key: Buffer) => key.equals(f.hostKeyBlob()),
    });
    expect((await failed).message).toMatch(/All configured authentication methods failed/);
    client.end();
    expect(
      f.log.lines.some(
        (l) => l.msg === 'sshd: refused a non-publickey auth attempt' && l.method === 'password',
      ),
    ).toBe(true);
    expect(f.log.text()).not.toContain('hunter2');
  });

  it('refuses an unknown key and logs its fingerprint (as ssh-keygen shows it) and address', async () => {
    const stranger = makeClientKey(f.dir, 'stranger');
    const fp = fingerprintOfPublicKey(stranger.publicKey);
    const keygen = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${stranger.path}.pub`]);
    expect(keygen.stdout.split(' ')[1]).toBe(fp);

    const res = await run('ssh', f.sshArgs(stranger, [], ['true']));
    expect(res.code).toBe(255);
    expect(res.stderr).toContain('Permission denied (publickey)');
    const line = f.log.lines.find(
      (l) => l.msg === 'sshd: refused an unknown, revoked or expired key' && l.fingerprint === fp,
    );
    expect(line).toMatchObject({ remoteAddress: '127.0.0.1', level: 40 });
    // Only the fingerprint: no key material in the log.
    expect(f.log.text()).not.toContain(stranger.publicKey.split(' ')[1]!);
    expect(f.log.text()).not.toContain(readFileSync(stranger.path, 'utf8').split('\n')[1]!);
  });

  it('applies a key added or revoked in the db to the next connection, without a restart', async () => {
    const k = makeClientKey(f.dir, 'late');
    expect((await sftpPwd(k)).code).toBe(255);

    const rec = f.keys.add({ publicKey: k.publicKey, role: 'sftp', owner: 'host-late' });
    const ok = await sftpPwd(k);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Remote working directory: /');
    expect(f.keys.findActiveByFingerprint(rec.fingerprint)?.lastUsedAt).toBeGreaterThanOrEqual(rec.createdAt);

    // Revoked straight in the db (not through the handle): a live session is cut by the re-check…
    const live = new Proc('ssh', f.sshArgs(k, ['-N', '-v']));
    await live.lineOnStderr(/Authenticated to/);
    expect(f.keys.revoke(rec.fingerprint)).toBe(true);
    expect((await live.exited).code).toBe(255);
    // …and the next connection is refused.
    expect((await sftpPwd(k)).code).toBe(255);
  });

  it('refuses an expired key', async () => {
    const k = makeClientKey(f.dir, 'expired');
    f.keys.add({ publicKey: k.publicKey, role: 'sftp', expiresAt: Date.now() - 1 });
    const res = await sftpPwd(k);
    expect(res.code).toBe(255);
    expect(res.stderr).toContain('Permission denied (publickey)');
  });

  it('refuses a host key it does not match (the client pins the hub)', async () => {
    const key = f.addKey('sftp');
    const other = await SshdFixture.start();
    try {
      // A client that pinned `f` talks to `other` on the port in its known_hosts line.
      const res = await run('ssh', [
        ...f.sshOptions(key),
        '-o',
        `HostKeyAlias=[127.0.0.1]:${f.sshd.port}`,
        '-p',
        String(other.sshd.port),
        'lp@127.0.0.1',
        'true',
      ]);
      expect(res.code).toBe(255);
      expect(res.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    } finally {
      await other.close();
    }
  });
});

describe('throttling and limits', () => {
  it('blocks an address after repeated failures: even a valid key is dropped for a while', async () => {
    const t = await SshdFixture.start({
      limits: { maxAuthFailures: 3, failureWindowMs: 60_000, failureBlockMs: 60_000 },
    });
    try {
      const good = t.addKey('sftp');
      const stranger = makeClientKey(t.dir, 'stranger');
      for (let i = 0; i < 3; i++) {
        const res = await sftpPwd(stranger, t);
        expect(res.stderr).toContain('Permission denied (publickey)');
      }
      await t.log.waitFor(
        (l) =>
          l.msg === 'sshd: too many failed logins from this address; dropping its connections for a while',
      );
      const blocked = await sftpPwd(good, t);
      expect(blocked.code).toBe(255);
      expect(blocked.stderr).toMatch(/kex_exchange_identification|Connection (closed|reset)/);
      expect(t.log.lines.some((l) => l.msg === 'sshd: dropping connections from a throttled address')).toBe(
        true,
      );
    } finally {
      await t.close();
    }
  });

  it('closes a connection after too many failed attempts on it (MaxAuthTries)', async () => {
    const t = await SshdFixture.start({ limits: { maxAuthTries: 3 } });
    try {
      const strangers = Array.from({ length: 5 }, (_, i) => makeClientKey(t.dir, `s${i}`));
      const good = t.addKey('sftp');
      // One connection offering five unknown keys, then a valid one: it never gets that far.
      const args = t.sshArgs(good, [], ['true']);
      const withKeys = [...strangers.flatMap((k) => ['-i', k.path]), ...args];
      const res = await run('ssh', withKeys);
      expect(res.code).toBe(255);
      expect(
        t.log.lines.filter((l) => l.msg === 'sshd: refused an unknown, revoked or expired key'),
      ).toHaveLength(3);
      expect(t.log.lines.some((l) => l.msg === 'sshd: too many failed attempts on one connection')).toBe(
        true,
      );
      expect(t.log.lines.some((l) => l.msg === 'sshd: authenticated')).toBe(false);
    } finally {
      await t.close();
    }
  });

  it('does not block exempt addresses', async () => {
    const t = await SshdFixture.start({ limits: { maxAuthFailures: 2, throttleExempt: ['127.0.0.1'] } });
    try {
      const stranger = makeClientKey(t.dir, 'stranger');
      for (let i = 0; i < 3; i++) await sftpPwd(stranger, t);
      const ok = await sftpPwd(t.addKey('sftp'), t);
      expect(ok.code, ok.stderr).toBe(0);
    } finally {
      await t.close();
    }
  });

  it('caps live connections per key (sftp and pairing keys)', async () => {
    const t = await SshdFixture.start({ limits: { maxConnectionsPerKey: 2 } });
    const procs: Proc[] = [];
    try {
      const key = t.addKey('sftp');
      for (let i = 0; i < 2; i++) {
        const p = new Proc('ssh', t.sshArgs(key, ['-N', '-v']));
        procs.push(p);
        await p.lineOnStderr(/Authenticated to/);
      }
      const third = await sftpPwd(key, t);
      expect(third.code).toBe(255);
      expect(third.stderr).toContain('Permission denied (publickey)');
      expect(
        t.log.lines.some((l) => l.msg === 'sshd: refused a valid key' && l.fingerprint === key.fingerprint),
      ).toBe(true);

      await procs[0]!.kill('SIGKILL');
      await t.log.waitFor((l) => l.msg === 'sshd: disconnected');
      const again = await sftpPwd(key, t);
      expect(again.code, again.stderr).toBe(0);
    } finally {
      await Promise.all(procs.map((p) => p.kill('SIGKILL')));
      await t.close();
    }
  });
});
