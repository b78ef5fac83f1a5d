import { X509Certificate } from 'node:crypto';
import { request } from 'node:http';
import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { HubUnreachableError, PinMismatchError } from './errors.js';

/** Where the hub is and the SHA-256 (colon hex) of the certificate that vouches for it. */
export interface PinnedEndpoint {
  host: string;
  port: number;
  /** The local CA's fingerprint, or the leaf's for a custom certificate. */
  pin: string;
}

const CONNECT_TIMEOUT_MS = 10_000;
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * Whether a presented chain (leaf first) is vouched for by the pinned certificate: either the
 * leaf is the pin, or each certificate from the leaf up is signed by the next one until one of
 * them is the pin. Comparing fingerprints alone would not do: the CA certificate is public, and
 * anyone could send it after their own leaf. Returns null when trusted, else why not.
 */
export function checkChainAgainstPin(chain: X509Certificate[], pin: string, now = new Date()): string | null {
  const leaf = chain[0];
  if (!leaf) return 'no certificate presented';
  if (now < new Date(leaf.validFrom) || now > new Date(leaf.validTo))
    return 'the certificate is not valid now';
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i] as X509Certificate;
    if (cert.fingerprint256 === pin) return null;
    const issuer = chain[i + 1];
    if (!issuer) break;
    if (!cert.checkIssued(issuer) || !cert.verify(issuer.publicKey))
      return 'the chain is not signed in order';
  }
  return 'no certificate in the chain matches the pin';
}

/** The certificates the server sent, leaf first, as Node collected them. */
function peerChain(socket: TLSSocket): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  // A self-signed certificate is its own issuer: stop at the first repeat.
  while (cert?.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(new X509Certificate(cert.raw));
    cert = cert.issuerCertificate;
  }
  return chain;
}

/**
 * A TLS connection to the hub whose certificate chain was checked against the pin before it is
 * handed out: nothing is written on it until then. Node's CA verification is off on purpose —
 * the pin is the trust anchor (k3s-style), so no system CA and no host name is needed.
 * Rejects with PinMismatchError (the connection is closed unused) or HubUnreachableError.
 */
export function connectPinned(endpoint: PinnedEndpoint): Promise<TLSSocket> {
  const where = `${endpoint.host}:${endpoint.port}`;
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: endpoint.host,
      port: endpoint.port,
      // SNI is for names only; an IP address there is a protocol error.
      ...(isIP(endpoint.host) ? {} : { servername: endpoint.host }),
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const fail = (err: Error) => {
      socket.off('timeout', onTimeout);
      socket.off('error', onError);
      socket.destroy();
      reject(err);
    };
    const onTimeout = () =>
      fail(
        new HubUnreachableError(
          `cannot reach the hub at ${where}: no answer in ${CONNECT_TIMEOUT_MS / 1000} s`,
        ),
      );
    const onError = (err: NodeJS.ErrnoException) =>
      fail(new HubUnreachableError(`cannot reach the hub at ${where}: ${err.code ?? err.message}`));
    socket.setTimeout(CONNECT_TIMEOUT_MS);
    socket.on('timeout', onTimeout);
    socket.on('error', onError);
    socket.once('secureConnect', () => {
      if (checkChainAgainstPin(peerChain(socket), endpoint.pin) !== null) {
        fail(new PinMismatchError('TLS'));
        return;
      }
      socket.setTimeout(0);
      socket.off('timeout', onTimeout);
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

export interface PinnedResponse {
  status: number;
  /** Parsed JSON, or undefined when the body is not JSON. */
  body: unknown;
}

/**
 * One HTTP request over a connection verified by connectPinned: the request (and with it any
 * secret in its headers or body) is only written once the pin check has passed.
 */
export async function pinnedRequest(
  endpoint: PinnedEndpoint,
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<PinnedResponse> {
  const socket = await connectPinned(endpoint);
  const payload = opts.body === undefined ? undefined : Buffer.from(JSON.stringify(opts.body));
  const where = `${endpoint.host}:${endpoint.port}`;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: endpoint.host,
        port: endpoint.port,
        method,
        path,
        createConnection: () => socket,
        headers: {
          accept: 'application/json',
          connection: 'close',
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          ...opts.headers,
        },
        timeout: opts.timeoutMs ?? CONNECT_TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) {
            req.destroy(new HubUnreachableError(`the server at ${where} sent an oversized answer`));
            return;
          }
          chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown;
          try {
            body = JSON.parse(text);
          } catch {
            // Not JSON: not a Launchpad API answer; callers treat `undefined` as such.
            body = undefined;
          }
          socket.destroy();
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new HubUnreachableError(`the hub at ${where} did not answer in time`)),
    );
    req.on('error', (err) =>
      reject(
        err instanceof HubUnreachableError
          ? err
          : new HubUnreachableError(`the hub at ${where}: ${err.message}`),
      ),
    );
    req.end(payload);
  });
}
