import type { HostView } from '../../server/api/index.js';

/**
 * Why a host is not online, as far as the hub can tell: what the agent last reported, whether a
 * tunnel ever came up, and when it went away. The panel that shows it turns each kind into steps.
 */
export type Diagnosis =
  /** The agent's pins (from its token) do not match this hub's certificate or SSH host key. */
  | { kind: 'wrong-hub'; lastError: string }
  | { kind: 'token-expired'; lastError: string }
  /** Joined, but its tunnel never came up: usually the SSH port is not reachable from the host. */
  | { kind: 'never-connected'; lastError: string | null }
  /** Was online; `lostAt` is when the hub last saw it (null when it does not know). */
  | { kind: 'lost'; lostAt: string | null; lastError: string | null };

const WRONG_HUB = /fingerprint|\bpin(s|ned)?\b|host key/i;
const TOKEN_EXPIRED = /\bexpired\b/i;

/** Null for hosts that need no help: online ones, and the hub's own machine (no tunnel to check). */
export function diagnoseHost(host: HostView): Diagnosis | null {
  if (host.state === 'online' || host.thisMachine) return null;
  // What the agent reported about itself is the most specific, then the hub's own probe error;
  // either is more specific than the state, so it comes first.
  const lastError = host.agentError?.message ?? host.lastError;
  if (lastError && WRONG_HUB.test(lastError)) return { kind: 'wrong-hub', lastError };
  if (lastError && TOKEN_EXPIRED.test(lastError)) return { kind: 'token-expired', lastError };
  if (host.state === 'never-connected') return { kind: 'never-connected', lastError };
  return { kind: 'lost', lostAt: host.since ?? host.lastSeenAt, lastError };
}
