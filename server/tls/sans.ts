import { isIP } from 'node:net';
import { hostname } from 'node:os';

/**
 * Brings a SAN to one spelling so that sets compare correctly: IPv6 compressed the way
 * WHATWG URL does it ('0:0:0:0:0:0:0:1' -> '::1'), brackets of an IPv6 literal dropped.
 * DNS names keep their case here; comparisons lowercase them (DNS is case-insensitive).
 */
export function normalizeSan(value: string): string {
  let san = value.trim();
  if (san.startsWith('[') && san.endsWith(']')) san = san.slice(1, -1);
  if (isIP(san) === 6) return new URL(`http://[${san}]/`).hostname.slice(1, -1);
  return san;
}

export function isIpSan(san: string): boolean {
  return isIP(san) !== 0;
}

/** The names and addresses the local leaf certificate must cover, in a stable order. */
export function desiredSans(publicHost: string): string[] {
  const seen = new Set<string>();
  const sans: string[] = [];
  for (const candidate of ['localhost', '127.0.0.1', '::1', hostname(), publicHost]) {
    const san = normalizeSan(candidate);
    const key = san.toLowerCase();
    if (san === '' || seen.has(key)) continue;
    seen.add(key);
    sans.push(san);
  }
  return sans;
}

/** Order- and case-insensitive equality of two SAN lists. */
export function sameSans(a: readonly string[], b: readonly string[]): boolean {
  const setA = new Set(a.map((s) => normalizeSan(s).toLowerCase()));
  const setB = new Set(b.map((s) => normalizeSan(s).toLowerCase()));
  return setA.size === setB.size && [...setA].every((s) => setB.has(s));
}

/**
 * DNS names and IP addresses from `X509Certificate.subjectAltName`
 * (e.g. `DNS:localhost, IP Address:0:0:0:0:0:0:0:1`). Node quotes a value JSON-style when it
 * contains a separator character, so a plain split on ', ' would be wrong for hostile certs.
 */
export function parseSubjectAltName(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  const sans: string[] = [];
  let i = 0;
  while (i < subjectAltName.length) {
    const colon = subjectAltName.indexOf(':', i);
    if (colon < 0) break;
    const type = subjectAltName.slice(i, colon);
    let value: string;
    let next: number;
    if (subjectAltName[colon + 1] === '"') {
      let end = colon + 2;
      while (end < subjectAltName.length && subjectAltName[end] !== '"') {
        end += subjectAltName[end] === '\\' ? 2 : 1;
      }
      value = JSON.parse(subjectAltName.slice(colon + 1, end + 1)) as string;
      next = end + 1;
    } else {
      const comma = subjectAltName.indexOf(', ', colon + 1);
      next = comma < 0 ? subjectAltName.length : comma;
      value = subjectAltName.slice(colon + 1, next);
    }
    if (type === 'DNS' || type === 'IP Address') sans.push(normalizeSan(value));
    i = subjectAltName.startsWith(', ', next) ? next + 2 : next + 1;
  }
  return sans;
}
