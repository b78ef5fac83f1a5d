import { X509Certificate } from 'node:crypto';
import { parseSubjectAltName } from './sans.js';

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every PEM certificate block in `text`, in file order (a chain file lists the leaf first). */
export function pemCertificates(text: string): string[] {
  return text.match(CERTIFICATE_BLOCK) ?? [];
}

/**
 * SHA-256 fingerprint of the first certificate in `certPem`, uppercase colon-hex — the same
 * string Node's TLS socket reports as `fingerprint256`, so pins compare with `===`.
 */
export function fingerprintOfPem(certPem: string): string {
  const first = pemCertificates(certPem)[0];
  if (first === undefined) throw new Error('fingerprintOfPem: no PEM certificate block found');
  return new X509Certificate(first).fingerprint256;
}

export interface CertFacts {
  fingerprint: string;
  notBefore: Date;
  notAfter: Date;
  sans: string[];
}

export function certFacts(cert: X509Certificate): CertFacts {
  return {
    fingerprint: cert.fingerprint256,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    sans: parseSubjectAltName(cert.subjectAltName),
  };
}
