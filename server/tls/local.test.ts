import { X509Certificate } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { desiredSans, ensureLocalTls, fingerprintOfPem, type LocalTls } from './index.js';

const FILES = ['ca.crt', 'ca.key', 'leaf.crt', 'leaf.key'] as const;
const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = new Date('2030-06-01T12:00:00Z');

function readAll(dir: string): Record<string, string> {
  return Object.fromEntries(FILES.map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

let root: string;
/** One generated dir shared by the tests; each mutating test works on its own copy. */
let baseDir: string;
let first: LocalTls;

function copyOfBase(name: string): string {
  const dir = join(root, name, 'tls');
  cpSync(baseDir, dir, { recursive: true });
  return dir;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'launchpad-tls-local-'));
  baseDir = join(root, 'data', 'tls');
  first = await ensureLocalTls({ dir: baseDir, publicHost: 'hub.example.lan', now: NOW });
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('ensureLocalTls, first call', () => {
  it('creates the CA and leaf files 0600 in a 0700 dir', () => {
    expect(first.issued).toBe('ca+leaf');
    expect(statSync(baseDir).mode & 0o777).toBe(0o700);
    for (const f of FILES) expect(statSync(join(baseDir, f)).mode & 0o777).toBe(0o600);
    const files = readAll(baseDir);
    expect(first.certPem).toBe(files['leaf.crt']);
    expect(first.keyPem).toBe(files['leaf.key']);
    expect(first.caPem).toBe(files['ca.crt']);
    expect(first.custom).toBe(false);
  });

  it('issues a leaf signed by the CA', () => {
    const ca = new X509Certificate(first.caPem!);
    const leaf = new X509Certificate(first.certPem);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toContain(`CN=Launchpad local CA ${hostname()}`);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.subject).toBe('CN=hub.example.lan');
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(leaf.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);
  });

  it('covers the desired names and addresses', () => {
    const leaf = new X509Certificate(first.certPem);
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(leaf.checkHost(hostname())).toBeDefined();
    expect(leaf.checkHost('hub.example.lan')).toBe('hub.example.lan');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkIP('::1')).toBe('::1');
    expect(leaf.checkHost('not-in-san.example')).toBeUndefined();
    expect([...first.sans].sort()).toEqual([...desiredSans('hub.example.lan')].sort());
  });

  it('reports fingerprints and expiry as Node does', () => {
    expect(first.leafFingerprint).toBe(new X509Certificate(first.certPem).fingerprint256);
    expect(first.leafFingerprint).toBe(fingerprintOfPem(first.certPem));
    expect(first.caFingerprint).toBe(fingerprintOfPem(first.caPem!));
    expect(first.leafFingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(first.notAfter.getTime()).toBe(NOW.getTime() + 397 * DAY_MS);
    const leaf = new X509Certificate(first.certPem);
    expect(new Date(leaf.validFrom).getTime()).toBe(NOW.getTime() - 60 * 60 * 1000);
    const ca = new X509Certificate(first.caPem!);
    expect(new Date(ca.validTo).getUTCFullYear()).toBe(2040);
  });
});

describe('ensureLocalTls, later calls', () => {
  it('reuses the files unchanged', async () => {
    const dir = copyOfBase('reuse');
    const before = readAll(dir);
    const again = await ensureLocalTls({ dir, publicHost: 'hub.example.lan', now: NOW });
    expect(again.issued).toBe('none');
    expect(again.leafFingerprint).toBe(first.leafFingerprint);
    expect(again.caFingerprint).toBe(first.caFingerprint);
    expect(again.notAfter).toEqual(first.notAfter);
    expect(readAll(dir)).toEqual(before);
  });

  it('re-issues only the leaf for a new public host', async () => {
    const dir = copyOfBase('new-host');
    const before = readAll(dir);
    const renewed = await ensureLocalTls({ dir, publicHost: '192.168.7.20', now: NOW });
    expect(renewed.issued).toBe('leaf');
    expect(renewed.caFingerprint).toBe(first.caFingerprint);
    expect(renewed.leafFingerprint).not.toBe(first.leafFingerprint);
    expect(renewed.sans).toContain('192.168.7.20');
    expect(renewed.sans).not.toContain('hub.example.lan');
    const files = readAll(dir);
    expect(files['ca.crt']).toBe(before['ca.crt']);
    expect(files['ca.key']).toBe(before['ca.key']);
    expect(files['leaf.key']).not.toBe(before['leaf.key']);
    const leaf = new X509Certificate(files['leaf.crt']!);
    expect(leaf.checkIP('192.168.7.20')).toBe('192.168.7.20');
    expect(leaf.checkIssued(new X509Certificate(files['ca.crt']!))).toBe(true);
    expect(statSync(join(dir, 'leaf.key')).mode & 0o777).toBe(0o600);
    // The new leaf is then reused.
    expect((await ensureLocalTls({ dir, publicHost: '192.168.7.20', now: NOW })).issued).toBe('none');
  });

  it('renews the leaf when it nears expiry', async () => {
    const dir = copyOfBase('expiring');
    const later = new Date(NOW.getTime() + 380 * DAY_MS);
    const renewed = await ensureLocalTls({ dir, publicHost: 'hub.example.lan', now: later });
    expect(renewed.issued).toBe('leaf');
    expect(renewed.caFingerprint).toBe(first.caFingerprint);
    expect(renewed.notAfter.getTime()).toBe(later.getTime() + 397 * DAY_MS);
    expect((await ensureLocalTls({ dir, publicHost: 'hub.example.lan', now: later })).issued).toBe('none');
  });

  it('keeps a leaf with more than 30 days left', async () => {
    const dir = copyOfBase('not-yet');
    const later = new Date(NOW.getTime() + 360 * DAY_MS);
    expect((await ensureLocalTls({ dir, publicHost: 'hub.example.lan', now: later })).issued).toBe('none');
  });

  it('re-issues the leaf when its key does not match', async () => {
    const dir = copyOfBase('swapped-key');
    writeFileSync(join(dir, 'leaf.key'), readFileSync(join(dir, 'ca.key')));
    const renewed = await ensureLocalTls({ dir, publicHost: 'hub.example.lan', now: NOW });
    expect(renewed.issued).toBe('leaf');
    expect(renewed.caFingerprint).toBe(first.caFingerprint);
  });

  it.each([
    ['missing', (dir: string) => rmSync(join(dir, 'ca.key'))],
    ['garbage', (dir: string) => writeFileSync(join(dir, 'ca.crt'), 'not a certificate')],
    ['mismatched', (dir: string) => writeFileSync(join(dir, 'ca.key'), readFileSync(join(dir, 'leaf.key')))],
  ])('recreates everything when the CA is %s', async (name, damage) => {
    const dir = copyOfBase(`ca-${name}`);
    damage(dir);
    const fresh = await ensureLocalTls({ dir, publicHost: 'hub.example.lan', now: NOW });
    expect(fresh.issued).toBe('ca+leaf');
    expect(fresh.caFingerprint).not.toBe(first.caFingerprint);
    const leaf = new X509Certificate(readFileSync(join(dir, 'leaf.crt')));
    expect(leaf.checkIssued(new X509Certificate(readFileSync(join(dir, 'ca.crt'))))).toBe(true);
    for (const f of FILES) expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
  });

  it('recreates everything when the CA has expired', async () => {
    const dir = copyOfBase('ca-expired');
    const muchLater = new Date(NOW.getTime() + 11 * 365 * DAY_MS);
    const fresh = await ensureLocalTls({ dir, publicHost: 'hub.example.lan', now: muchLater });
    expect(fresh.issued).toBe('ca+leaf');
    expect(fresh.caFingerprint).not.toBe(first.caFingerprint);
  });

  it('puts an IPv6 public host in an IP SAN', async () => {
    const dir = copyOfBase('ipv6');
    const renewed = await ensureLocalTls({ dir, publicHost: '[FD00::0:1:2]', now: NOW });
    expect(renewed.issued).toBe('leaf');
    expect(renewed.sans).toContain('fd00::1:2');
    expect(new X509Certificate(renewed.certPem).checkIP('fd00::1:2')).toBe('fd00::1:2');
    expect((await ensureLocalTls({ dir, publicHost: 'fd00::1:2', now: NOW })).issued).toBe('none');
  });
});
