/** What the HTTPS server needs to listen, and what the UI and join tokens show or pin. */
export interface TlsMaterial {
  /** Leaf certificate PEM; for a custom certificate the whole chain file as given. */
  certPem: string;
  keyPem: string;
  /** The local CA certificate, for browsers to trust once; null for a custom certificate. */
  caPem: string | null;
  /** SHA-256 of the leaf DER, uppercase colon-hex, as `X509Certificate.fingerprint256`. */
  leafFingerprint: string;
  caFingerprint: string | null;
  custom: boolean;
  notAfter: Date;
  /** DNS names and IP addresses the leaf covers. */
  sans: string[];
}
