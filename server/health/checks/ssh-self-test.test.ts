import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SshdFixture } from '../../sshd/test-support.js';
import { HEALTH_KEY_OWNER, type HealthKey, registerHealthKey } from '../health-key.js';
import { sshSelfTest } from './ssh-self-test.js';

// The self-test against a real embedded sshd (real sqlite, real SFTP jail on disk), the way the
// hub runs it against itself.

let f: SshdFixture;
let key: HealthKey;

beforeEach(async () => {
  f = await SshdFixture.start();
  key = registerHealthKey(f.keys);
});
afterEach(async () => {
  await f.close();
});

const selfTest = (over: Partial<Parameters<typeof sshSelfTest>[0]> = {}) =>
  sshSelfTest({ status: f.sshd.status(), hostKey: f.hostKey.publicKey, key, repoDir: f.sftpRoot, ...over });

function chattr(flag: '+i' | '-i', path: string): void {
  const r = spawnSync('chattr', [flag, path]);
  if (r.status !== 0) throw new Error(`chattr ${flag} ${path}: ${r.stderr.toString()}`);
}

describe('sshd + sftp-write self-test', () => {
  it('connects with the host key pinned, writes, reads back and deletes a file in the jail', async () => {
    const r = await selfTest();
    expect(r.sshd).toMatchObject({ id: 'sshd', scope: 'hub', status: 'ok', fix: null });
    expect(r.sftp).toMatchObject({ id: 'sftp-write', scope: 'hub', status: 'ok', fix: null });
    expect(r.sftp.message).toContain(f.sftpRoot);
    // Nothing left behind in the repository.
    expect(readdirSync(f.sftpRoot)).toEqual([]);
    // It authenticated as the hub-health sftp key, and no private key reached the log.
    await f.log.waitFor((l) => l.msg === 'sshd: authenticated' && l.owner === HEALTH_KEY_OWNER);
    expect(f.log.text()).not.toContain('PRIVATE KEY');
    expect(f.log.text()).not.toContain(key.privateKey.split('\n')[1]);
  });

  it('a read-only repository (chattr +i) is an error naming the directory and the fix', async () => {
    chattr('+i', f.sftpRoot);
    try {
      const r = await selfTest();
      expect(r.sshd.status).toBe('ok');
      expect(r.sftp.status).toBe('error');
      expect(r.sftp.message).toBe(`Cannot write to the backup repository ${f.sftpRoot}: Permission denied`);
      expect(r.sftp.fix).toContain(`chattr -i ${f.sftpRoot}`);
    } finally {
      chattr('-i', f.sftpRoot);
    }
    expect((await selfTest()).sftp.status).toBe('ok');
  });

  it('a server with another host key fails the sshd check (and sftp is not tried)', async () => {
    const other = await SshdFixture.start();
    try {
      const r = await selfTest({ hostKey: other.hostKey.publicKey });
      expect(r.sshd.status).toBe('error');
      expect(r.sshd.message).toMatch(/did not present the hub’s host key/);
      expect(r.sftp).toMatchObject({ status: 'error', message: expect.stringMatching(/Not checked/) });
    } finally {
      await other.close();
    }
  });

  it('a revoked health key cannot log in: the sshd check says so', async () => {
    f.keys.revoke(key.fingerprint);
    const r = await selfTest();
    expect(r.sshd.status).toBe('error');
    expect(r.sshd.message).toMatch(/test connection failed: All configured authentication methods failed/);
  });

  it('a listener that is down is an error with the port and its last error', async () => {
    const r = await selfTest({
      status: { listening: false, port: 9201, lastError: 'EADDRINUSE: address in use' },
    });
    expect(r.sshd).toMatchObject({
      status: 'error',
      message: 'Not listening on port 9201: EADDRINUSE: address in use (retrying)',
    });
    expect(r.sshd.fix).toMatch(/9201/);
    expect(r.sftp.status).toBe('error');
  });

  it('registering again revokes the previous run’s key (a crash skipped the revocation)', () => {
    const next = registerHealthKey(f.keys);
    const active = f.keys.list({ activeOnly: true }).filter((k) => k.owner === HEALTH_KEY_OWNER);
    expect(active.map((k) => k.fingerprint)).toEqual([next.fingerprint]);
    expect(active[0]?.role).toBe('sftp');
    // The private key stays out of JSON (logs serialise objects that way).
    expect(JSON.stringify({ next })).not.toContain('PRIVATE');
  });
});
