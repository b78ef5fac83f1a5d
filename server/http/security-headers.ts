import { isIP } from 'node:net';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Host header without the port, brackets of IPv6 removed. */
function hostName(hostHeader: string | undefined): string {
  if (!hostHeader) return '';
  if (hostHeader.startsWith('[')) return hostHeader.slice(1, hostHeader.indexOf(']'));
  return hostHeader.split(':')[0] ?? '';
}

/**
 * Headers on every hub response. HSTS only for a custom (presumably trusted) certificate
 * reached by a DNS name: pinning HTTPS on an IP, on localhost, or before the user trusted
 * the local CA would lock them out of the "proceed anyway" path for a year.
 */
export function securityHeaders(hostHeader: string | undefined, customCert: boolean): Record<string, string> {
  const headers: Record<string, string> = {
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
  };
  const host = hostName(hostHeader);
  if (customCert && host !== '' && isIP(host) === 0 && host !== 'localhost') {
    headers['strict-transport-security'] = 'max-age=31536000';
  }
  return headers;
}
