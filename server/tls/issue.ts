import { randomBytes } from 'node:crypto';
import forge from 'node-forge';
import type { RsaKeyPem } from './keys.js';
import { isIpSan } from './sans.js';

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;
export const CA_VALIDITY_YEARS = 10;
/** The longest lifetime Apple and browsers accept for a TLS server certificate. */
export const LEAF_VALIDITY_DAYS = 397;
/** Backdating absorbs clock skew between this machine and the hosts/browsers that check it. */
const CLOCK_SKEW_MS = HOUR_MS;
/** RFC 5280 caps a CN at 64 characters; longer public hosts are still covered by the SAN. */
const MAX_CN_LENGTH = 64;

/**
 * A random 16-byte positive serial. The top bit is cleared so the DER INTEGER is not negative,
 * and the first byte is kept non-zero so the encoding stays minimal (strict parsers reject
 * a redundant leading zero).
 */
function randomSerialHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0]! & 0x7f || 0x01;
  return bytes.toString('hex');
}

function newCertificate(publicKeyPem: string, now: Date, notAfter: Date): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  cert.serialNumber = randomSerialHex();
  cert.validity.notBefore = new Date(now.getTime() - CLOCK_SKEW_MS);
  cert.validity.notAfter = notAfter;
  return cert;
}

export function issueCa(opts: { key: RsaKeyPem; hostname: string; now: Date }): string {
  const notAfter = new Date(opts.now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CA_VALIDITY_YEARS);
  const cert = newCertificate(opts.key.publicKeyPem, opts.now, notAfter);
  const subject = [
    { name: 'commonName', value: `Launchpad local CA ${opts.hostname}`.slice(0, MAX_CN_LENGTH) },
    { name: 'organizationName', value: 'Launchpad' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(opts.key.privateKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

export function issueLeaf(opts: {
  key: RsaKeyPem;
  caCertPem: string;
  caKeyPem: string;
  commonName: string;
  sans: readonly string[];
  now: Date;
}): string {
  const ca = forge.pki.certificateFromPem(opts.caCertPem);
  // A leaf must not outlive its issuer, or clients would reject it before it is renewed.
  const notAfter = new Date(
    Math.min(opts.now.getTime() + LEAF_VALIDITY_DAYS * DAY_MS, ca.validity.notAfter.getTime()),
  );
  const cert = newCertificate(opts.key.publicKeyPem, opts.now, notAfter);
  const commonName = opts.commonName.length <= MAX_CN_LENGTH ? opts.commonName : 'Launchpad hub';
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  cert.setIssuer(ca.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: opts.sans.map((san) => (isIpSan(san) ? { type: 7, ip: san } : { type: 2, value: san })),
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(opts.caKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}
