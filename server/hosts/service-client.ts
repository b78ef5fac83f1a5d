import { request } from 'node:http';
import { SIGNATURE_HEADER, type SignedIdentity, signServiceRequest } from './service-signature.js';

/** Where the hub reaches a host's service: 127.0.0.1:<port> (the tunnel's hub end, or this machine's service). */
export interface ServiceEndpoint {
  port: number;
  /** The per-host service secret the request is signed with. */
  secret: string;
}

export type ServiceReply =
  | { ok: true; status: number; body: unknown }
  /** No HTTP answer at all (refused, reset, timed out): `error` says which. */
  | { ok: false; error: string };

/**
 * One signed JSON request from the hub to a host's service (project control). Never throws:
 * a host that does not answer is an expected state the caller reports.
 */
export function callHostService(
  to: ServiceEndpoint,
  method: string,
  path: string,
  opts: { body?: unknown; identity?: SignedIdentity; timeoutMs?: number } = {},
): Promise<ServiceReply> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: to.port,
        path,
        method,
        agent: false,
        timeout: timeoutMs,
        headers: {
          [SIGNATURE_HEADER]: signServiceRequest(to.secret, method, path, Date.now(), opts.identity),
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => resolve({ ok: false, error: err.message }));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : null;
          } catch {
            // Not JSON (a proxy's error page, say): the caller gets the text as it came.
            body = text;
          }
          resolve({ ok: true, status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${Math.round(timeoutMs / 1000)} s`)));
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, error: err.code ?? err.message }));
    req.end(payload);
  });
}

/** The `message` of a `{error:{message}}` body, or a description of what came instead. */
export function serviceErrorMessage(reply: ServiceReply): string {
  if (!reply.ok) return `the host did not answer: ${reply.error}`;
  const body = reply.body as { error?: { message?: unknown } } | null;
  const message = body?.error?.message;
  return typeof message === 'string' ? message : `the host answered HTTP ${reply.status}`;
}
