import { apiErrorSchema, type JoinRequest, type JoinResponse, joinResponseSchema } from '../api/index.js';
import { HubUnreachableError, JoinRefusedError } from './errors.js';
import { type PinnedEndpoint, pinnedRequest } from './pinned-tls.js';

/** `POST /api/hosts/join` on the pinned hub. Rejects with JoinRefusedError for the hub's refusals. */
export async function joinOverHttps(endpoint: PinnedEndpoint, request: JoinRequest): Promise<JoinResponse> {
  const res = await pinnedRequest(endpoint, 'POST', '/api/hosts/join', { body: request, timeoutMs: 30_000 });
  if (res.status === 200 || res.status === 201) return parseJoinResponse(res.body);
  const err = apiErrorSchema.safeParse(res.body);
  if (err.success) throw new JoinRefusedError(err.data.error.code, err.data.error.message);
  if (res.status === 404) {
    throw new JoinRefusedError(
      'not_a_launchpad_hub',
      'the server does not offer joining; is it a Launchpad hub in local-network or cloud mode?',
    );
  }
  throw new HubUnreachableError(`the hub answered the join with HTTP ${res.status} and no error message`);
}

/** Checks the hub's join answer against the contract; an answer that does not fit is the hub's fault. */
export function parseJoinResponse(body: unknown): JoinResponse {
  const parsed = joinResponseSchema.safeParse(body);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((i) => i.path.join('.')))].join(', ');
    throw new HubUnreachableError(
      `the hub's join answer is not what this agent understands (fields: ${fields}); are hub and host the same Launchpad version?`,
    );
  }
  return parsed.data;
}

export type SelfCheck =
  | { kind: 'known' }
  | { kind: 'removed' }
  /** Could not tell (hub down, another error): the caller keeps trying. */
  | { kind: 'unknown'; reason: string };

/** `GET /api/hosts/self` with the host's credential: does the hub still know this host? */
export async function checkSelf(
  endpoint: PinnedEndpoint,
  hostId: string,
  credential: string,
): Promise<SelfCheck> {
  try {
    const res = await pinnedRequest(endpoint, 'GET', '/api/hosts/self', {
      headers: { authorization: `Host ${hostId}:${credential}` },
    });
    if (res.status === 200) return { kind: 'known' };
    const err = apiErrorSchema.safeParse(res.body);
    if (res.status === 410 && err.success && err.data.error.code === 'host_removed')
      return { kind: 'removed' };
    return { kind: 'unknown', reason: err.success ? err.data.error.code : `HTTP ${res.status}` };
  } catch (err) {
    // A pin mismatch here means someone else answers at the hub's address now: not a removal.
    return { kind: 'unknown', reason: (err as Error).message };
  }
}

/**
 * `POST /api/hosts/self/error`: tells the hub what keeps this host's tunnel down (or null when it
 * is up again), so the Hosts page can show it. True when the hub recorded it; never throws (the
 * hub may be unreachable too, and the next attempt reports again).
 */
export async function reportAgentError(
  endpoint: PinnedEndpoint,
  hostId: string,
  credential: string,
  error: string | null,
): Promise<boolean> {
  try {
    const res = await pinnedRequest(endpoint, 'POST', '/api/hosts/self/error', {
      headers: { authorization: `Host ${hostId}:${credential}` },
      body: { error: error === null ? null : error.slice(0, 500) },
    });
    return res.status === 200;
  } catch {
    // Unreachable or a pin mismatch: nothing to record now; the tunnel's next failure tries again.
    return false;
  }
}
