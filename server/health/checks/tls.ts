import { type CheckResult, result } from '../types.js';

const DAY_MS = 86_400_000;
/** Less than this many days left is a warning: time to renew (or for the local CA to re-issue). */
export const TLS_WARN_DAYS = 30;

const BASE = { id: 'tls', title: 'TLS certificate', scope: 'hub', subject: null } as const;

/** Days left on the hub's certificate: < 30 warn, expired error. */
export function checkTls(cert: { notAfter: Date; custom: boolean }, now: Date = new Date()): CheckResult {
  const msLeft = cert.notAfter.getTime() - now.getTime();
  const days = Math.floor(msLeft / DAY_MS);
  const until = cert.notAfter.toISOString().slice(0, 10);
  // The local CA re-issues its leaf at start-up when it is close to expiry; a custom one is yours to renew.
  const renew = cert.custom
    ? 'Renew your certificate, point COCALC_TLS_CERT / COCALC_TLS_KEY at the new files, and restart the hub'
    : 'Restart the hub: it issues a fresh certificate from its local CA';
  if (msLeft <= 0) {
    return result(
      BASE,
      'error',
      `The certificate expired on ${until}: browsers and hosts refuse the hub`,
      renew,
    );
  }
  if (days < TLS_WARN_DAYS) {
    return result(
      BASE,
      'warn',
      `The certificate expires in ${days} day${days === 1 ? '' : 's'} (${until})`,
      renew,
    );
  }
  return result(BASE, 'ok', `Valid for ${days} more days (until ${until})`);
}
