import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { PROJECT_TOKEN_HEADER } from '../control-contract.js';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Whether a request may reach this project server: with a token configured, only requests
 * carrying it (added by the host service, never by a browser) pass. Both sides are hashed
 * first so the comparison takes the same time whatever the length of what was sent.
 */
export function tokenGuard(token: string | undefined): (headers: IncomingHttpHeaders) => boolean {
  if (token === undefined) return () => true;
  const expected = digest(token);
  return (headers) => {
    const given = headers[PROJECT_TOKEN_HEADER];
    return typeof given === 'string' && timingSafeEqual(digest(given), expected);
  };
}
