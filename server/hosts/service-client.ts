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

/** How a streamed request to a host's service ended (the lines themselves went to `onLine`). */
export type StreamReply =
  /** HTTP 200 and the body ended cleanly; whether it said what the caller needed is the caller's call. */
  | { kind: 'ended' }
  /** The host answered, but not 200 (its JSON error body, or the text that came). */
  | { kind: 'refused'; status: number; body: unknown }
  /** No answer, or the stream was cut off or went silent: `error` says which. */
  | { kind: 'broken'; error: string };

export interface StreamOptions {
  body?: unknown;
  identity?: SignedIdentity;
  /** Each NDJSON line of a 200 body, parsed; a line that is not JSON arrives as its text. */
  onLine: (line: unknown) => void;
  /** The stream counts as broken after this long without a byte (a dead tunnel sends nothing). */
  idleTimeoutMs?: number;
  /** Aborts the request (the hub stopping); the reply is then `broken`. */
  signal?: AbortSignal;
}

/**
 * One signed request whose 200 answer is an NDJSON stream (backups, restores: they run for
 * minutes and report as they go). Never throws: a host or tunnel that goes away mid-stream is
 * an expected state, reported as `broken`, never as a clean end.
 */
export function streamHostService(
  to: ServiceEndpoint,
  method: string,
  path: string,
  opts: StreamOptions,
): Promise<StreamReply> {
  const idleMs = opts.idleTimeoutMs ?? 120_000;
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve) => {
    let settled = false;
    // Why we cut the request ourselves; the errors Node then reports ("aborted") say less.
    let cause: string | null = null;
    const settle = (r: StreamReply) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(r.kind === 'broken' && cause !== null ? { kind: 'broken', error: cause } : r);
    };
    const req = request(
      {
        host: '127.0.0.1',
        port: to.port,
        path,
        method,
        agent: false,
        timeout: idleMs,
        headers: {
          [SIGNATURE_HEADER]: signServiceRequest(to.secret, method, path, Date.now(), opts.identity),
          accept: 'application/x-ndjson',
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            settle({ kind: 'refused', status: res.statusCode ?? 0, body: parseBody(chunks) }),
          );
          res.on('error', (err) => settle({ kind: 'broken', error: err.message }));
          return;
        }
        res.setEncoding('utf8');
        let pending = '';
        const emit = (text: string) => {
          const line = text.trim();
          if (line === '') return;
          opts.onLine(parseLine(line));
        };
        res.on('data', (chunk: string) => {
          pending += chunk;
          let nl = pending.indexOf('\n');
          while (nl >= 0) {
            emit(pending.slice(0, nl));
            pending = pending.slice(nl + 1);
            nl = pending.indexOf('\n');
          }
        });
        res.on('end', () => {
          emit(pending);
          settle({ kind: 'ended' });
        });
        res.on('error', (err) => settle({ kind: 'broken', error: `the stream broke off: ${err.message}` }));
        // A cut connection closes the response without 'end' (chunked encoding never finished).
        res.on('close', () => {
          if (!res.complete) settle({ kind: 'broken', error: 'the connection closed mid-stream' });
        });
      },
    );
    const cut = (why: string) => {
      cause ??= why;
      req.destroy(new Error(why));
    };
    const onAbort = () => cut('cancelled (the hub is stopping)');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();
    req.on('timeout', () => cut(`nothing came for ${idleMs / 1000} s (the host or its tunnel went silent)`));
    req.on('error', (err: NodeJS.ErrnoException) =>
      settle({ kind: 'broken', error: err.code && err.code !== 'ECONNRESET' ? err.code : err.message }),
    );
    req.end(payload);
  });
}

function parseBody(chunks: Buffer[]): unknown {
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? null : parseLine(text);
}

function parseLine(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Not JSON (a proxy's error page, a stray log line): the caller gets the text as it came.
    return text;
  }
}
