import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/errors.js';
import { ensureLocalTls, type LocalTls, loadCustomTls } from './index.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = new Date('2030-06-01T12:00:00Z');

let root: string;
let user: string;
let issued: LocalTls;
let paths: { chain: string; key: string; caKey: string; garbage: string };

/** Names, sizes and mtimes of everything under `root`, to prove the loader wrote nothing. */
function snapshot(): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' })
    .sort()
    .map((name) => {
      const st = statSync(join(root, name));
      return `${name} ${st.size} ${st.mtimeMs}`;
    });
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'launchpad-tls-custom-'));
  // The user's "own" certificate: a leaf and CA made by the local issuer, stored as a chain file.
  issued = await ensureLocalTls({ dir: join(root, 'issuer'), publicHost: 'hub.example.org', now: NOW });
  user = join(root, 'user');
  paths = {
    chain: join(user, 'fullchain.pem'),
    key: join(user, 'privkey.pem'),
    caKey: join(root, 'issuer', 'ca.key'),
    garbage: join(user, 'garbage.pem'),
  };
  mkdirSync(user);
  writeFileSync(paths.chain, issued.certPem + issued.caPem);
  writeFileSync(paths.key, issued.keyPem);
  writeFileSync(paths.garbage, 'this is not a certificate\n');
});

let before: string[];
beforeAll(() => {
  before = snapshot();
});

afterEach(() => {
  expect(snapshot()).toEqual(before);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('loadCustomTls', () => {
  it('loads a valid chain and key', () => {
    const tls = loadCustomTls({ certPath: paths.chain, keyPath: paths.key, now: NOW });
    expect(tls.custom).toBe(true);
    expect(tls.caPem).toBeNull();
    expect(tls.caFingerprint).toBeNull();
    expect(tls.leafFingerprint).toBe(issued.leafFingerprint);
    expect(tls.certPem).toBe(readFileSync(paths.chain, 'utf8'));
    expect(tls.keyPem).toBe(issued.keyPem);
    expect(tls.notAfter).toEqual(issued.notAfter);
    expect(tls.sans).toContain('hub.example.org');
  });

  it('needs the key when the cert is set', () => {
    const err = configError(() => loadCustomTls({ certPath: paths.chain, keyPath: undefined, now: NOW }));
    expect(err.variable).toBe('COCALC_TLS_KEY');
    expect(err.message).toContain('COCALC_TLS_CERT is set but COCALC_TLS_KEY is not');
  });

  it('needs the cert when the key is set', () => {
    const err = configError(() => loadCustomTls({ certPath: undefined, keyPath: paths.key, now: NOW }));
    expect(err.variable).toBe('COCALC_TLS_CERT');
    expect(err.message).toContain('COCALC_TLS_KEY is set but COCALC_TLS_CERT is not');
  });

  it('rejects a key that belongs to another certificate', () => {
    const err = configError(() => loadCustomTls({ certPath: paths.chain, keyPath: paths.caKey, now: NOW }));
    expect(err.variable).toBe('COCALC_TLS_KEY');
    expect(err.message).toContain(paths.caKey);
    expect(err.message).toContain('is not the private key');
  });

  it('rejects an expired certificate, saying when it expired', () => {
    const later = new Date(issued.notAfter.getTime() + DAY_MS);
    const err = configError(() => loadCustomTls({ certPath: paths.chain, keyPath: paths.key, now: later }));
    expect(err.variable).toBe('COCALC_TLS_CERT');
    expect(err.message).toContain(`expired on ${issued.notAfter.toISOString()}`);
  });

  it('rejects a certificate that is not valid yet', () => {
    const earlier = new Date(NOW.getTime() - DAY_MS);
    const err = configError(() => loadCustomTls({ certPath: paths.chain, keyPath: paths.key, now: earlier }));
    expect(err.variable).toBe('COCALC_TLS_CERT');
    expect(err.message).toContain('not valid until');
  });

  it('rejects a certificate file that is not PEM', () => {
    const err = configError(() => loadCustomTls({ certPath: paths.garbage, keyPath: paths.key, now: NOW }));
    expect(err.variable).toBe('COCALC_TLS_CERT');
    expect(err.message).toContain(paths.garbage);
  });

  it('rejects a key file that is not PEM', () => {
    const err = configError(() => loadCustomTls({ certPath: paths.chain, keyPath: paths.garbage, now: NOW }));
    expect(err.variable).toBe('COCALC_TLS_KEY');
    expect(err.message).toContain(paths.garbage);
  });

  it('rejects a corrupted PEM certificate block', () => {
    const broken = join(user, 'broken.pem');
    writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    before = snapshot();
    const err = configError(() => loadCustomTls({ certPath: broken, keyPath: paths.key, now: NOW }));
    expect(err.variable).toBe('COCALC_TLS_CERT');
    expect(err.message).toContain(broken);
  });

  it('names the variable and path of a missing file', () => {
    const missing = join(user, 'nope.pem');
    const err = configError(() => loadCustomTls({ certPath: missing, keyPath: paths.key, now: NOW }));
    expect(err.variable).toBe('COCALC_TLS_CERT');
    expect(err.message).toContain(missing);
    expect(err.message).toContain('ENOENT');
    const keyErr = configError(() => loadCustomTls({ certPath: paths.chain, keyPath: missing, now: NOW }));
    expect(keyErr.variable).toBe('COCALC_TLS_KEY');
    expect(keyErr.message).toContain(missing);
  });
});
