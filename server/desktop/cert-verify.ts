import { normalizeSha256Fingerprint } from './fingerprint.js';

/**
 * What to answer Chromium for one server certificate, as `session.setCertificateVerifyProc`
 * callback codes: `accept` → 0, `reject` → -2, `default` → -3 (Chromium's own verification).
 */
export type CertificateDecision = 'accept' | 'reject' | 'default';

/** The callback value Electron expects for each decision. */
export const CERTIFICATE_VERIFY_RESULT: Readonly<Record<CertificateDecision, number>> = {
  accept: 0,
  reject: -2,
  default: -3,
};

export interface CertificateQuestion {
  /** The host Chromium connects to (`request.hostname`); IPv6 with or without brackets. */
  hostname: string;
  /**
   * The port, when known. Electron's verify proc does not tell it, so without one every
   * connection to the hub's host counts as the hub: stricter, never looser.
   */
  port?: number;
  /** SHA-256 of the server's leaf certificate, Electron (`sha256/…`) or Node (`AB:CD:…`) form. */
  certificateFingerprint: string;
}

export interface PinnedHub {
  /** The origin the desktop window uses, e.g. `https://127.0.0.1:9200`. */
  origin: string;
  /** The hub's leaf certificate fingerprint as the hub reports it. */
  leafFingerprint: string;
}

function bareHost(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/**
 * Trust the hub's own certificate and nothing more: the exact pinned leaf is accepted for
 * the hub's origin; any other certificate there is refused (it can only be an impostor, or
 * a hub we did not start); every other host is left to Chromium, so the pin never widens
 * what the window trusts elsewhere.
 */
export function decideCertificate(question: CertificateQuestion, hub: PinnedHub): CertificateDecision {
  const origin = new URL(hub.origin);
  const hubPort = Number(origin.port || (origin.protocol === 'https:' ? 443 : 80));
  if (bareHost(question.hostname) !== bareHost(origin.hostname)) return 'default';
  if (question.port !== undefined && question.port !== hubPort) return 'default';
  const pin = normalizeSha256Fingerprint(hub.leafFingerprint);
  const presented = normalizeSha256Fingerprint(question.certificateFingerprint);
  return pin !== null && presented === pin ? 'accept' : 'reject';
}
