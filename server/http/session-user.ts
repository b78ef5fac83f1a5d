import type { IncomingMessage } from 'node:http';
import type { Auth } from './auth.js';
import { SESSION_COOKIE } from './auth.js';
import { cookieValue } from './cookie-header.js';

/** How long a positive session lookup is reused without asking the database again. */
export const SESSION_CACHE_MS = 5_000;
const MAX_ENTRIES = 1_000;
/**
 * The user id a session stands for. Sessions carry no user of their own yet: whoever holds one is
 * the hub's administrator, so every session is the same principal.
 */
export const SESSION_USER = 'admin';

interface Entry {
  user: string;
  /** Date.now() after which the database is asked again. */
  until: number;
  /** Auth.signOuts when the entry was made: any sign-out since drops it. */
  signOuts: number;
}

const caches = new WeakMap<Auth, Map<string, Entry>>();

/**
 * The signed-in user of a raw request (its `lp_session` cookie), or null: for code that runs
 * outside fastify, such as the project proxy, on every request.
 *
 * Positive answers are cached for SESSION_CACHE_MS per cookie value (which also spares the
 * database its `last_seen_at` write on every request). A sign-out through this process
 * (`Auth.signOut`, `Auth.signOutEverywhere`) empties the cache at once; a session that expires or is
 * deleted by another process (the CLI) stops working within SESSION_CACHE_MS. Negative answers are
 * never cached, so signing in takes effect immediately.
 */
export function sessionUserOf(
  auth: Auth,
  req: Pick<IncomingMessage, 'headers'>,
  now = Date.now(),
): { user: string } | null {
  const token = cookieValue(req.headers.cookie, SESSION_COOKIE);
  if (!token) return null;
  let cache = caches.get(auth);
  if (!cache) {
    cache = new Map();
    caches.set(auth, cache);
  }
  const signOuts = auth.signOuts;
  const hit = cache.get(token);
  if (hit && hit.until > now && hit.signOuts === signOuts) return hit;
  const principal = auth.sessionFor(token, now);
  if (principal?.kind !== 'session') {
    cache.delete(token);
    return null;
  }
  // Small and short-lived: when full, start over rather than track recency.
  if (cache.size >= MAX_ENTRIES) cache.clear();
  const until = Math.min(now + SESSION_CACHE_MS, principal.expiresAt);
  const entry: Entry = { user: SESSION_USER, until, signOuts };
  cache.set(token, entry);
  return entry;
}
