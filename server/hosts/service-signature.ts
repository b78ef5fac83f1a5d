import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The hub signs every request it sends to a host's service port, so that port is useless to
 * anyone who reaches it without the hub. Header:
 * `x-launchpad-signature: v1.<unix ms>.<nonce>.<project or ->.<user or ->.<hex hmac>`,
 * the HMAC-SHA256 (key: the per-host service secret from the join) of
 * `v1.<unix ms>.<nonce>.<project>.<user>.<METHOD> <path-with-query>`.
 * The project and user are the signed identity: the host routes `/conat` to that project and the
 * project knows who is asking. Both are `-` on the hub's own requests (health probes, control).
 */
export const SIGNATURE_HEADER = 'x-launchpad-signature';
/** How long a signature is accepted (clock skew between hub and host included). */
export const SIGNATURE_MAX_AGE_MS = 60_000;

export interface SignedIdentity {
  /** The project the request is for (a uuid), when it is for one. */
  projectId?: string | undefined;
  /** The signed-in user (an opaque id without dots), when a person is behind the request. */
  user?: string | undefined;
}

const NONE = '-';
// Identity fields travel in a dot-separated header: no dots, nothing unprintable.
const FIELD = /^[A-Za-z0-9_:@+=-]{1,128}$/;

function mac(
  secret: string,
  ts: number,
  nonce: string,
  project: string,
  user: string,
  method: string,
  path: string,
): string {
  return createHmac('sha256', secret)
    .update(`v1.${ts}.${nonce}.${project}.${user}.${method.toUpperCase()} ${path}`)
    .digest('hex');
}

function field(value: string | undefined, name: string): string {
  if (value === undefined) return NONE;
  if (!FIELD.test(value) || value === NONE) throw new Error(`cannot sign ${name} ${JSON.stringify(value)}`);
  return value;
}

// Nonces need to be unique, not secret (the HMAC covers them): a random per-process prefix and a
// counter, instead of 12 random bytes per request (randomFillSync was 2-3 % of the hub's proxy time).
const NONCE_PREFIX = randomBytes(9).toString('base64url');
let nonceCounter = 0;

export function signServiceRequest(
  secret: string,
  method: string,
  path: string,
  now = Date.now(),
  identity: SignedIdentity = {},
): string {
  nonceCounter += 1;
  const nonce = `${NONCE_PREFIX}${nonceCounter.toString(36)}`;
  const project = field(identity.projectId, 'project');
  const user = field(identity.user, 'user');
  return `v1.${now}.${nonce}.${project}.${user}.${mac(secret, now, nonce, project, user, method, path)}`;
}

export type SignatureCheck =
  | { ok: true; projectId: string | null; user: string | null }
  | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'bad-signature' | 'replayed' };

const HEADER_RE =
  /^v1\.(\d{1,15})\.([A-Za-z0-9_-]{8,64})\.([A-Za-z0-9_:@+=-]{1,128})\.([A-Za-z0-9_:@+=-]{1,128})\.([0-9a-f]{64})$/;

/**
 * Checks a signature header on the host side. `seen` remembers nonces for the validity window so
 * a captured request cannot be replayed; pass one instance per host service.
 */
export class SignatureVerifier {
  // Insertion-ordered: nonces arrive in (nearly) time order, so pruning stops at the first fresh one
  // and costs O(expired) instead of a scan of every nonce on every request.
  private readonly seen = new Map<string, number>();

  constructor(private readonly secret: string) {}

  verify(header: string | undefined, method: string, path: string, now = Date.now()): SignatureCheck {
    if (!header) return { ok: false, reason: 'missing' };
    const m = HEADER_RE.exec(header);
    if (!m) return { ok: false, reason: 'malformed' };
    const ts = Number(m[1]);
    const nonce = m[2] as string;
    const project = m[3] as string;
    const user = m[4] as string;
    if (Math.abs(now - ts) > SIGNATURE_MAX_AGE_MS) return { ok: false, reason: 'expired' };
    const expected = Buffer.from(mac(this.secret, ts, nonce, project, user, method, path), 'hex');
    const given = Buffer.from(m[5] as string, 'hex');
    if (!timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
    this.prune(now);
    if (this.seen.has(nonce)) return { ok: false, reason: 'replayed' };
    this.seen.set(nonce, ts);
    return { ok: true, projectId: project === NONE ? null : project, user: user === NONE ? null : user };
  }

  private prune(now: number): void {
    for (const [nonce, ts] of this.seen) {
      // Keep twice the window: a nonce signed up to 60 s in the future (skew) must stay remembered.
      if (now - ts <= 2 * SIGNATURE_MAX_AGE_MS) break;
      this.seen.delete(nonce);
    }
  }
}
