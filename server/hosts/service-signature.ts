import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The hub signs every request it sends to a host's service port, so that port is useless to
 * anyone who reaches it without the hub. Header: `x-launchpad-signature: v1.<unix ms>.<nonce>.<hex hmac>`,
 * the HMAC-SHA256 (key: the per-host service secret from the join) of
 * `v1.<unix ms>.<nonce>.<METHOD> <path-with-query>`.
 */
export const SIGNATURE_HEADER = 'x-launchpad-signature';
/** How long a signature is accepted (clock skew between hub and host included). */
export const SIGNATURE_MAX_AGE_MS = 60_000;

function mac(secret: string, ts: number, nonce: string, method: string, path: string): string {
  return createHmac('sha256', secret)
    .update(`v1.${ts}.${nonce}.${method.toUpperCase()} ${path}`)
    .digest('hex');
}

export function signServiceRequest(secret: string, method: string, path: string, now = Date.now()): string {
  const nonce = randomBytes(12).toString('base64url');
  return `v1.${now}.${nonce}.${mac(secret, now, nonce, method, path)}`;
}

export type SignatureCheck =
  | { ok: true }
  | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'bad-signature' | 'replayed' };

/**
 * Checks a signature header on the host side. `seen` remembers nonces for the validity window so
 * a captured request cannot be replayed; pass one instance per host service.
 */
export class SignatureVerifier {
  private readonly seen = new Map<string, number>();

  constructor(private readonly secret: string) {}

  verify(header: string | undefined, method: string, path: string, now = Date.now()): SignatureCheck {
    if (!header) return { ok: false, reason: 'missing' };
    const m = /^v1\.(\d{1,15})\.([A-Za-z0-9_-]{8,64})\.([0-9a-f]{64})$/.exec(header);
    if (!m) return { ok: false, reason: 'malformed' };
    const ts = Number(m[1]);
    const nonce = m[2] as string;
    if (Math.abs(now - ts) > SIGNATURE_MAX_AGE_MS) return { ok: false, reason: 'expired' };
    const expected = Buffer.from(mac(this.secret, ts, nonce, method, path), 'hex');
    const given = Buffer.from(m[3] as string, 'hex');
    if (!timingSafeEqual(expected, given)) return { ok: false, reason: 'bad-signature' };
    this.prune(now);
    if (this.seen.has(nonce)) return { ok: false, reason: 'replayed' };
    this.seen.set(nonce, ts);
    return { ok: true };
  }

  private prune(now: number): void {
    for (const [nonce, ts] of this.seen)
      if (Math.abs(now - ts) > SIGNATURE_MAX_AGE_MS) this.seen.delete(nonce);
  }
}
