import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../config/errors.js';
import type { TlsMaterial } from './material.js';
import { certFacts, pemCertificates } from './pem.js';

const CERT_VAR = 'COCALC_TLS_CERT';
const KEY_VAR = 'COCALC_TLS_KEY';
const USE_AUTO = `or unset ${CERT_VAR} and ${KEY_VAR} to use the automatic self-signed certificate`;

function reason(err: unknown): string {
  if (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.message : String(err);
}

function readVariableFile(variable: string, path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      variable,
      `cannot read the ${what} file ${path} (${reason(err)})`,
      `Check that ${path} exists and is readable by the user running Launchpad, ${USE_AUTO}`,
    );
  }
}

function parseChain(certPath: string, text: string): X509Certificate[] {
  const blocks = pemCertificates(text);
  if (blocks.length === 0) {
    throw new ConfigError(
      CERT_VAR,
      `${certPath} contains no PEM certificate (no "-----BEGIN CERTIFICATE-----" block)`,
      `Point ${CERT_VAR} at a PEM file with the server certificate first, followed by any intermediate certificates`,
    );
  }
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch (err) {
      throw new ConfigError(
        CERT_VAR,
        `certificate ${i + 1} in ${certPath} is not a valid X.509 certificate (${reason(err)})`,
        `Replace ${certPath} with an intact PEM certificate chain, ${USE_AUTO}`,
      );
    }
  });
}

function parseKey(keyPath: string, text: string): KeyObject {
  try {
    return createPrivateKey(text);
  } catch (err) {
    const encrypted = /ENCRYPTED/.test(text);
    throw new ConfigError(
      KEY_VAR,
      encrypted
        ? `the private key in ${keyPath} is protected by a passphrase, which Launchpad cannot prompt for`
        : `${keyPath} does not contain a PEM private key (${reason(err)})`,
      encrypted
        ? `Store it unencrypted (e.g. openssl pkey -in ${keyPath} -out key.pem) and point ${KEY_VAR} at that file`
        : `Set ${KEY_VAR} to the PEM private key file ("-----BEGIN PRIVATE KEY-----") of the certificate in ${CERT_VAR}`,
    );
  }
}

function matches(cert: X509Certificate, key: KeyObject): boolean {
  try {
    return cert.checkPrivateKey(key);
  } catch {
    // OpenSSL refuses to compare keys of different algorithms; that is simply a mismatch.
    return false;
  }
}

/**
 * The user's own certificate (COCALC_TLS_CERT, optionally a chain with the leaf first) and key
 * (COCALC_TLS_KEY). Only reads: it runs while validating config, before the data dir exists.
 * Every problem is a ConfigError naming the variable to change.
 */
export function loadCustomTls(opts: {
  certPath: string | undefined;
  keyPath: string | undefined;
  now?: Date;
}): TlsMaterial {
  const { certPath, keyPath } = opts;
  const now = opts.now ?? new Date();
  if (!certPath && !keyPath) {
    throw new ConfigError(
      CERT_VAR,
      `neither ${CERT_VAR} nor ${KEY_VAR} is set`,
      `Set both to use your own certificate, or neither to use the automatic self-signed certificate`,
    );
  }
  if (!keyPath) {
    throw new ConfigError(
      KEY_VAR,
      `${CERT_VAR} is set but ${KEY_VAR} is not`,
      `Set ${KEY_VAR} to the PEM private key of that certificate, or unset ${CERT_VAR} to use the automatic self-signed certificate`,
    );
  }
  if (!certPath) {
    throw new ConfigError(
      CERT_VAR,
      `${KEY_VAR} is set but ${CERT_VAR} is not`,
      `Set ${CERT_VAR} to the PEM certificate (chain) of that key, or unset ${KEY_VAR} to use the automatic self-signed certificate`,
    );
  }

  const certPem = readVariableFile(CERT_VAR, certPath, 'certificate');
  const keyPem = readVariableFile(KEY_VAR, keyPath, 'private key');
  const leaf = parseChain(certPath, certPem)[0]!;
  const key = parseKey(keyPath, keyPem);

  if (!matches(leaf, key)) {
    throw new ConfigError(
      KEY_VAR,
      `${keyPath} is not the private key of the certificate in ${certPath} (${leaf.subject.replace(/\n/g, ', ')})`,
      `Set ${KEY_VAR} to the key that was generated together with that certificate`,
    );
  }

  const facts = certFacts(leaf);
  if (now < facts.notBefore) {
    throw new ConfigError(
      CERT_VAR,
      `the certificate in ${certPath} is not valid until ${facts.notBefore.toISOString()}`,
      `Check this machine's clock, or use a certificate that is already valid, ${USE_AUTO}`,
    );
  }
  if (now > facts.notAfter) {
    throw new ConfigError(
      CERT_VAR,
      `the certificate in ${certPath} expired on ${facts.notAfter.toISOString()}`,
      `Renew it and point ${CERT_VAR} (and ${KEY_VAR}) at the new files, ${USE_AUTO}`,
    );
  }

  return {
    certPem,
    keyPem,
    caPem: null,
    leafFingerprint: facts.fingerprint,
    caFingerprint: null,
    custom: true,
    notAfter: facts.notAfter,
    sans: facts.sans,
  };
}
