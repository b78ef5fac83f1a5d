import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Db, migrate, openDatabase } from '../db/index.js';
import {
  ensureHostKey,
  fingerprintOfPublicKey,
  HOST_KEY_FILE,
  SshKeyExistsError,
  SshKeysRepo,
} from './index.js';
import { decideForward } from './roles.js';
import { makeClientKey, run } from './test-support.js';
import { FailureThrottle } from './throttle.js';

let dir: string;
let db: Db;
let repo: SshKeysRepo;
const T0 = 1_700_000_000_000;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lp-sshd-keys-'));
  db = openDatabase(join(dir, 'launchpad.db'));
  migrate(db);
  repo = new SshKeysRepo(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

async function keygenFingerprint(pubPath: string): Promise<string> {
  const res = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', pubPath]);
  expect(res.code, res.stderr).toBe(0);
  return res.stdout.split(' ')[1]!;
}

describe('host key', () => {
  it('is made once, ed25519, 0600 in a 0700 dir, with the fingerprint ssh-keygen shows', async () => {
    const sshDir = join(dir, 'ssh');
    const first = ensureHostKey(sshDir);
    expect(first.publicKey).toMatch(/^ssh-ed25519 AAAA[A-Za-z0-9+/]+=*$/);
    expect(first.privateKeyPem).toContain('BEGIN OPENSSH PRIVATE KEY');
    expect(first.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(statSync(sshDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(sshDir, HOST_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(await keygenFingerprint(join(sshDir, `${HOST_KEY_FILE}.pub`))).toBe(first.fingerprint);
    // ssh-keygen derives the same public key from the private key file: it is a valid OpenSSH key.
    const derived = await run('ssh-keygen', ['-y', '-f', join(sshDir, HOST_KEY_FILE)]);
    expect(derived.stdout.trim().startsWith(first.publicKey)).toBe(true);

    const again = ensureHostKey(sshDir);
    expect(again).toEqual(first);
  });

  it('refuses a corrupt key file instead of silently replacing it', () => {
    const sshDir = join(dir, 'ssh');
    ensureHostKey(sshDir);
    writeFileSync(join(sshDir, HOST_KEY_FILE), 'garbage');
    expect(() => ensureHostKey(sshDir)).toThrow(/is not a readable private key/);
    expect(readFileSync(join(sshDir, HOST_KEY_FILE), 'utf8')).toBe('garbage');
  });
});

describe('fingerprintOfPublicKey', () => {
  it('matches ssh-keygen for ed25519, ecdsa and rsa keys; ignores the comment', async () => {
    const ed = makeClientKey(dir, 'ed');
    expect(fingerprintOfPublicKey(ed.publicKey)).toBe(await keygenFingerprint(`${ed.path}.pub`));
    for (const [type, bits] of [
      ['ecdsa', '256'],
      ['rsa', '2048'],
    ] as const) {
      const path = join(dir, type);
      expect((await run('ssh-keygen', ['-q', '-t', type, '-b', bits, '-N', '', '-f', path])).code).toBe(0);
      const line = readFileSync(`${path}.pub`, 'utf8');
      expect(fingerprintOfPublicKey(line)).toBe(await keygenFingerprint(`${path}.pub`));
    }
    const [type, b64] = ed.publicKey.split(' ');
    expect(fingerprintOfPublicKey(`${type} ${b64}`)).toBe(
      fingerprintOfPublicKey(`${type} ${b64} other comment`),
    );
  });

  it('rejects what is not a public key line, without echoing it', () => {
    const ed = makeClientKey(dir, 'ed');
    const [, b64] = ed.publicKey.split(' ');
    for (const bad of [
      '',
      'ssh-ed25519',
      'ssh-ed25519 !!!notbase64',
      `ssh-rsa ${b64}`,
      readFileSync(ed.path, 'utf8'),
      `ssh-ed25519 ${'A'.repeat(20_000)}`,
    ]) {
      expect(() => fingerprintOfPublicKey(bad), bad.slice(0, 30)).toThrow();
    }
    try {
      fingerprintOfPublicKey(readFileSync(ed.path, 'utf8'));
    } catch (err) {
      expect((err as Error).message).not.toContain('OPENSSH PRIVATE KEY');
    }
  });
});

describe('SshKeysRepo (ssh_keys, migration 3)', () => {
  it('adds, finds, marks used, lists and revokes', () => {
    const a = makeClientKey(dir, 'a');
    const rec = repo.add({
      publicKey: a.publicKey,
      role: 'tunnel',
      owner: 'host-1',
      allowedPorts: { http: 9210, ssh: 9211 },
      now: T0,
    });
    expect(rec).toEqual({
      id: rec.id,
      fingerprint: fingerprintOfPublicKey(a.publicKey),
      publicKey: a.publicKey.split(' ').slice(0, 2).join(' '),
      role: 'tunnel',
      owner: 'host-1',
      allowedPorts: { http: 9210, ssh: 9211 },
      createdAt: T0,
      lastUsedAt: null,
      revokedAt: null,
      expiresAt: null,
    });
    expect(repo.findActiveByFingerprint(rec.fingerprint)).toEqual(rec);
    repo.markUsed(rec.fingerprint, T0 + 5);
    expect(repo.findActiveByFingerprint(rec.fingerprint)?.lastUsedAt).toBe(T0 + 5);

    const b = repo.add({
      publicKey: makeClientKey(dir, 'b').publicKey,
      role: 'sftp',
      owner: 'host-1',
      now: T0 + 1,
    });
    const c = repo.add({ publicKey: makeClientKey(dir, 'c').publicKey, role: 'pairing', now: T0 + 2 });
    expect(repo.list().map((k) => k.role)).toEqual(['tunnel', 'sftp', 'pairing']);

    expect(repo.revoke(c.fingerprint, T0 + 10)).toBe(true);
    expect(repo.revoke(c.fingerprint, T0 + 11)).toBe(false);
    expect(repo.findActiveByFingerprint(c.fingerprint)).toBeUndefined();
    expect(repo.list().find((k) => k.id === c.id)?.revokedAt).toBe(T0 + 10);
    expect(repo.list({ activeOnly: true }).map((k) => k.id)).toEqual([rec.id, b.id]);

    expect(repo.revokeByOwner('host-1', T0 + 20).sort()).toEqual([rec.fingerprint, b.fingerprint].sort());
    expect(repo.list({ activeOnly: true })).toEqual([]);
  });

  it('treats an expired key as inactive', () => {
    const rec = repo.add({ publicKey: makeClientKey(dir, 'e').publicKey, role: 'sftp', expiresAt: T0 + 100 });
    expect(repo.findActiveByFingerprint(rec.fingerprint, T0 + 99)).toBeDefined();
    expect(repo.findActiveByFingerprint(rec.fingerprint, T0 + 100)).toBeUndefined();
  });

  it('validates role, ports and duplicates; a revoked key cannot come back', () => {
    const k = makeClientKey(dir, 'k').publicKey;
    expect(() => repo.add({ publicKey: k, role: 'tunnel' })).toThrow(/needs allowedPorts/);
    expect(() => repo.add({ publicKey: k, role: 'tunnel', allowedPorts: { http: 0, ssh: 1 } })).toThrow(
      /1..65535/,
    );
    expect(() => repo.add({ publicKey: k, role: 'tunnel', allowedPorts: { http: 5, ssh: 5 } })).toThrow(
      /must differ/,
    );
    expect(() => repo.add({ publicKey: k, role: 'sftp', allowedPorts: { http: 5, ssh: 6 } })).toThrow(
      /Only tunnel/,
    );
    expect(() => repo.add({ publicKey: k, role: 'admin' as 'sftp' })).toThrow(/Unknown SSH key role/);
    const rec = repo.add({ publicKey: k, role: 'sftp' });
    repo.revoke(rec.fingerprint);
    expect(() => repo.add({ publicKey: k, role: 'sftp' })).toThrow(SshKeyExistsError);
  });

  it('the table is STRICT and checks roles', () => {
    expect(() =>
      db
        .prepare(
          "INSERT INTO ssh_keys (fingerprint, public_key, role, created_at) VALUES ('f', 'k', 'root', 1)",
        )
        .run(),
    ).toThrow(/CHECK constraint/);
    expect(() =>
      db
        .prepare(
          "INSERT INTO ssh_keys (fingerprint, public_key, role, created_at) VALUES ('f', 'k', 'sftp', 1.5)",
        )
        .run(),
    ).toThrow(/cannot store REAL value in INTEGER column/);
  });

  it('a tunnel key whose stored ports are not a valid pair may bind nothing', () => {
    const rec = repo.add({
      publicKey: makeClientKey(dir, 't').publicKey,
      role: 'tunnel',
      allowedPorts: { http: 7, ssh: 8 },
    });
    db.prepare('UPDATE ssh_keys SET allowed_ports = \'{"http": "7"}\' WHERE id = ?').run(rec.id);
    expect(repo.findActiveByFingerprint(rec.fingerprint)?.allowedPorts).toBeNull();
  });
});

describe('decideForward (tunnel policy)', () => {
  const ports = { http: 9210, ssh: 9211 };
  it('binds the HTTP port on loopback only', () => {
    for (const addr of ['127.0.0.1', 'localhost']) {
      expect(decideForward(ports, addr, 9210, '0.0.0.0')).toEqual({
        ok: true,
        grant: { listenHost: '127.0.0.1', port: 9210, kind: 'http' },
      });
    }
    for (const addr of ['', '*', '0.0.0.0', '::', '192.168.1.5']) {
      expect(decideForward(ports, addr, 9210, '0.0.0.0').ok).toBe(false);
    }
  });
  it('binds the SSH port on the configured address, asked for by that address or a name of it', () => {
    for (const addr of ['', '*', '0.0.0.0']) {
      expect(decideForward(ports, addr, 9211, '0.0.0.0')).toMatchObject({
        ok: true,
        grant: { listenHost: '0.0.0.0' },
      });
    }
    expect(decideForward(ports, '127.0.0.1', 9211, '0.0.0.0').ok).toBe(false);
    expect(decideForward(ports, 'localhost', 9211, '127.0.0.1')).toMatchObject({
      ok: true,
      grant: { listenHost: '127.0.0.1' },
    });
    expect(decideForward(ports, '0.0.0.0', 9211, '127.0.0.1').ok).toBe(false);
  });
  it('refuses other ports, port 0, and keys without ports', () => {
    expect(decideForward(ports, '127.0.0.1', 9212, '0.0.0.0').ok).toBe(false);
    expect(decideForward(ports, '127.0.0.1', 0, '0.0.0.0').ok).toBe(false);
    expect(decideForward(null, '127.0.0.1', 9210, '0.0.0.0').ok).toBe(false);
  });
});

describe('FailureThrottle', () => {
  it('blocks after maxFailures in the window, for blockMs, per address', () => {
    const t = new FailureThrottle({ maxFailures: 3, windowMs: 1000, blockMs: 5000 });
    expect(t.recordFailure('a', 0)).toBe(false);
    expect(t.recordFailure('a', 10)).toBe(false);
    expect(t.recordFailure('b', 20)).toBe(false);
    expect(t.isBlocked('a', 20)).toBe(false);
    expect(t.recordFailure('a', 30)).toBe(true);
    expect(t.isBlocked('a', 31)).toBe(true);
    expect(t.isBlocked('b', 31)).toBe(false);
    expect(t.isBlocked('a', 5030)).toBe(false);
  });
  it('forgets failures older than the window, and never blocks exempt addresses', () => {
    const t = new FailureThrottle({ maxFailures: 2, windowMs: 1000, blockMs: 5000, exempt: ['x'] });
    t.recordFailure('a', 0);
    expect(t.recordFailure('a', 2000)).toBe(false);
    for (let i = 0; i < 10; i++) t.recordFailure('x', i);
    expect(t.isBlocked('x', 10)).toBe(false);
  });
  it('keeps memory bounded under a flood of addresses', () => {
    const t = new FailureThrottle({ maxFailures: 2, windowMs: 1000, blockMs: 5000, maxTracked: 100 });
    t.recordFailure('first', 0);
    t.recordFailure('first', 1);
    for (let i = 0; i < 1000; i++) t.recordFailure(`addr-${i}`, 2);
    // The oldest entries were dropped to make room; the newest are still counted.
    expect(t.isBlocked('first', 3)).toBe(false);
    expect(t.recordFailure('addr-999', 3)).toBe(true);
  });
});
