import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { ensurePrivateDir, writePrivateFile } from '../fs/private.js';
import { generateRsaKey } from './keys.js';
import type { TlsMaterial } from './material.js';
import { certFacts } from './pem.js';
import { desiredSans, sameSans } from './sans.js';

/** Renewing this early leaves weeks for hosts and browsers to pick up the new leaf. */
export const RENEW_BEFORE_DAYS = 30;
const RENEW_BEFORE_MS = RENEW_BEFORE_DAYS * 24 * 60 * 60 * 1000;

export type LocalTls = TlsMaterial & { issued: 'ca+leaf' | 'leaf' | 'none' };

interface Loaded {
  certPem: string;
  keyPem: string;
  cert: X509Certificate;
  key: KeyObject;
}

/**
 * Reads a cert/key pair that this module wrote earlier. Anything wrong with it (missing,
 * truncated, hand-edited, key swapped) means "not usable", and the caller issues a new one:
 * these files are ours to regenerate, so there is nothing for the user to fix.
 */
function loadPair(certPath: string, keyPath: string): Loaded | null {
  try {
    const certPem = readFileSync(certPath, 'utf8');
    const keyPem = readFileSync(keyPath, 'utf8');
    const cert = new X509Certificate(certPem);
    const key = createPrivateKey(keyPem);
    return cert.checkPrivateKey(key) ? { certPem, keyPem, cert, key } : null;
  } catch {
    return null;
  }
}

function validFor(cert: X509Certificate, now: Date): number {
  const { notBefore, notAfter } = certFacts(cert);
  if (now < notBefore) return -1;
  return notAfter.getTime() - now.getTime();
}

function usableCa(ca: Loaded | null, now: Date): ca is Loaded {
  // Keeping a CA that expires before its next leaf renewal would strand that leaf.
  if (ca === null) return false;
  return ca.cert.ca && validFor(ca.cert, now) >= RENEW_BEFORE_MS;
}

function usableLeaf(leaf: Loaded | null, ca: Loaded, sans: readonly string[], now: Date): leaf is Loaded {
  if (leaf === null) return false;
  return (
    leaf.cert.checkIssued(ca.cert) &&
    leaf.cert.verify(ca.cert.publicKey) &&
    validFor(leaf.cert, now) >= RENEW_BEFORE_MS &&
    sameSans(certFacts(leaf.cert).sans, sans)
  );
}

function writeFiles(dir: string, files: Record<string, string>): void {
  try {
    ensurePrivateDir(dir);
    for (const [name, data] of Object.entries(files)) writePrivateFile(join(dir, name), data);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError(
      'COCALC_DATA_DIR',
      `cannot write the TLS certificate files in ${dir} (${reason})`,
      'Make the data directory writable by the user running Launchpad, or set COCALC_DATA_DIR to one it can write',
    );
  }
}

function material(leafPem: string, leafKeyPem: string, caPem: string): TlsMaterial {
  const leaf = certFacts(new X509Certificate(leafPem));
  return {
    certPem: leafPem,
    keyPem: leafKeyPem,
    caPem,
    leafFingerprint: leaf.fingerprint,
    caFingerprint: certFacts(new X509Certificate(caPem)).fingerprint,
    custom: false,
    notAfter: leaf.notAfter,
    sans: leaf.sans,
  };
}

/**
 * The hub's own certificate under `dir` (`<data dir>/tls`): a local CA that browsers can trust
 * once and a leaf signed by it. Existing files are reused untouched; only the leaf is renewed
 * when it nears expiry or no longer covers `publicHost`, so the CA stays trusted across renewals.
 */
export async function ensureLocalTls(opts: {
  dir: string;
  publicHost: string;
  now?: Date;
}): Promise<LocalTls> {
  const now = opts.now ?? new Date();
  const paths = {
    caCert: join(opts.dir, 'ca.crt'),
    caKey: join(opts.dir, 'ca.key'),
    leafCert: join(opts.dir, 'leaf.crt'),
    leafKey: join(opts.dir, 'leaf.key'),
  };
  const sans = desiredSans(opts.publicHost);
  const ca = loadPair(paths.caCert, paths.caKey);

  if (usableCa(ca, now)) {
    const leaf = loadPair(paths.leafCert, paths.leafKey);
    if (usableLeaf(leaf, ca, sans, now)) {
      ensurePrivateDir(opts.dir);
      return { ...material(leaf.certPem, leaf.keyPem, ca.certPem), issued: 'none' };
    }
    const { issueLeaf } = await loadIssuer();
    const leafKey = await generateRsaKey();
    const leafPem = issueLeaf({
      key: leafKey,
      caCertPem: ca.certPem,
      caKeyPem: ca.keyPem,
      commonName: opts.publicHost,
      sans,
      now,
    });
    writeFiles(opts.dir, { 'leaf.key': leafKey.privateKeyPem, 'leaf.crt': leafPem });
    return { ...material(leafPem, leafKey.privateKeyPem, ca.certPem), issued: 'leaf' };
  }

  const [issuer, caKey, leafKey] = await Promise.all([loadIssuer(), generateRsaKey(), generateRsaKey()]);
  const caPem = issuer.issueCa({ key: caKey, hostname: hostname(), now });
  const leafPem = issuer.issueLeaf({
    key: leafKey,
    caCertPem: caPem,
    caKeyPem: caKey.privateKeyPem,
    commonName: opts.publicHost,
    sans,
    now,
  });
  // A crash between these writes leaves a cert/key mismatch or a leaf from another CA; the
  // checks above catch either on the next start and issue again.
  writeFiles(opts.dir, {
    'ca.key': caKey.privateKeyPem,
    'ca.crt': caPem,
    'leaf.key': leafKey.privateKeyPem,
    'leaf.crt': leafPem,
  });
  return { ...material(leafPem, leafKey.privateKeyPem, caPem), issued: 'ca+leaf' };
}

/** node-forge takes ~40 ms to load; the common start-up path (reuse) never needs it. */
function loadIssuer(): Promise<typeof import('./issue.js')> {
  return import('./issue.js');
}
