import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { fingerprintOfPublicKey, openSshPrivateKey, openSshPublicKey } from '../sshd/index.js';
import { newHostId, newTokenId } from './credentials.js';
import { derivePairingKey } from './pairing-key.js';
import { SignatureVerifier, signServiceRequest } from './service-signature.js';

describe('service request signatures', () => {
  it('accepts a fresh signature once, and refuses replay, expiry, tampering and garbage', () => {
    const now = 1_800_000_000_000;
    const v = new SignatureVerifier('s3cret');
    const sig = signServiceRequest('s3cret', 'GET', '/healthz', now);
    expect(v.verify(sig, 'GET', '/healthz', now + 1000)).toEqual({ ok: true, projectId: null, user: null });
    expect(v.verify(sig, 'GET', '/healthz', now + 2000)).toEqual({ ok: false, reason: 'replayed' });
    const old = signServiceRequest('s3cret', 'GET', '/healthz', now - 120_000);
    expect(v.verify(old, 'GET', '/healthz', now)).toEqual({ ok: false, reason: 'expired' });
    const other = signServiceRequest('s3cret', 'GET', '/healthz', now);
    expect(v.verify(other, 'POST', '/healthz', now)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(v.verify(other, 'GET', '/other', now)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(new SignatureVerifier('wrong').verify(other, 'GET', '/healthz', now)).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
    expect(v.verify(undefined, 'GET', '/healthz', now)).toEqual({ ok: false, reason: 'missing' });
    expect(v.verify('v1.x.y.z', 'GET', '/healthz', now)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('carries a signed project and user, and refuses either one changed', () => {
    const now = 1_800_000_000_000;
    const project = '3f0c2a8e-5b1d-4c7e-9a2b-0d4e6f8a1b2c';
    const v = new SignatureVerifier('s3cret');
    const sig = signServiceRequest('s3cret', 'GET', '/conat?x=1', now, { projectId: project, user: 'admin' });
    expect(v.verify(sig, 'GET', '/conat?x=1', now)).toEqual({ ok: true, projectId: project, user: 'admin' });
    const forged = signServiceRequest('s3cret', 'GET', '/conat', now, { projectId: project }).replace(
      project,
      '00000000-0000-4000-8000-000000000000',
    );
    expect(v.verify(forged, 'GET', '/conat', now)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(() => signServiceRequest('s3cret', 'GET', '/', now, { user: 'a.b' })).toThrow(/cannot sign user/);
  });
});

describe('pairing key derivation', () => {
  it('is deterministic per token and different across tokens, and a valid OpenSSH key', () => {
    const a = openSshPublicKey(derivePairingKey('tok12345', 'x'.repeat(43)).publicKey);
    const b = openSshPublicKey(derivePairingKey('tok12345', 'x'.repeat(43)).publicKey);
    const c = openSshPublicKey(derivePairingKey('tok12346', 'x'.repeat(43)).publicKey);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(a).toMatch(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]+=*$/);
    expect(fingerprintOfPublicKey(a)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('writes an OpenSSH private key that ssh2 and ssh-keygen read, with the same public key', () => {
    const k = derivePairingKey('tok12345', 'y'.repeat(43));
    const pem = openSshPrivateKey(k.privateKey, 'pairing');
    const parsed = ssh2.utils.parseKey(pem);
    if (parsed instanceof Error) throw parsed;
    expect(`${parsed.type} ${parsed.getPublicSSH().toString('base64')}`).toBe(openSshPublicKey(k.publicKey));
    const dir = mkdtempSync(join(tmpdir(), 'lp-key-'));
    try {
      writeFileSync(join(dir, 'id'), pem, { mode: 0o600 });
      const derived = execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'id')], { encoding: 'utf8' }).trim();
      expect(derived.split(' ').slice(0, 2).join(' ')).toBe(openSshPublicKey(k.publicKey));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ids', () => {
  it('are letters and digits only, so a CLI never reads one as an option', () => {
    const tokenIds = Array.from({ length: 2000 }, newTokenId);
    const hostIds = Array.from({ length: 2000 }, newHostId);
    for (const id of tokenIds) expect(id).toMatch(/^[A-Za-z0-9]{12}$/);
    for (const id of hostIds) expect(id).toMatch(/^h_[A-Za-z0-9]{10}$/);
    expect(new Set(tokenIds).size).toBe(tokenIds.length);
  });
});
