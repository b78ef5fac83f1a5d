import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { rootCertificates } from 'node:tls';
import type { Config } from '../config/index.js';
import { AGENT_LOCK_PORT, readLiveLock } from '../db/index.js';
import { readSecret } from '../secrets/index.js';
import { fingerprintOfPem } from '../tls/index.js';

/** No hub holds the data dir's lock: there is nothing to talk to. */
export class HubNotRunningError extends Error {
  constructor(readonly dataDir: string) {
    super(`No Launchpad hub is running on the data dir ${dataDir}. Start it with \`launchpad --server\`.`);
    this.name = 'HubNotRunningError';
  }
}

export interface HubResponse {
  status: number;
  body: unknown;
}

/**
 * A client for the hub running on `config`'s data dir, as its admin: it reads the admin
 * secret and the certificate from the data dir and pins the hub's leaf fingerprint, so the
 * secret is only ever sent to our own hub.
 */
export function hubClient(config: Config) {
  const lock = readLiveLock(config.dataDir);
  if (!lock) throw new HubNotRunningError(config.dataDir);
  if (lock.httpsPort === AGENT_LOCK_PORT) {
    throw new Error(
      `The data dir ${config.dataDir} belongs to a host agent (PID ${lock.pid}), not a hub: run this command on the hub's machine.`,
    );
  }
  const secret = readSecret(config.layout.adminSecret);
  if (!secret)
    throw new Error(
      `The admin secret ${config.layout.adminSecret} is missing; restart the hub to recreate it.`,
    );
  const certPem = config.tls?.certPath
    ? readFileSync(config.tls.certPath, 'utf8')
    : readFileSync(`${config.layout.tls}/leaf.crt`, 'utf8');
  const trusted = config.tls
    ? [certPem, ...rootCertificates]
    : [readFileSync(`${config.layout.tls}/ca.crt`, 'utf8')];
  const pinned = fingerprintOfPem(certPem);

  return {
    lock,
    /** `timeoutMs` (default 10 s): how long to wait for the answer (a restore answers when it is done). */
    call(method: string, path: string, body?: unknown, timeoutMs = 10_000): Promise<HubResponse> {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      return new Promise((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: lock.httpsPort,
            method,
            path,
            ca: trusted,
            checkServerIdentity: (_host, cert) =>
              cert.fingerprint256 === pinned
                ? undefined
                : new Error(
                    `The server on port ${lock.httpsPort} is not this data dir's hub (certificate mismatch)`,
                  ),
            headers: {
              authorization: `Bearer ${secret}`,
              accept: 'application/json',
              ...(payload !== undefined
                ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
                : {}),
            },
            timeout: timeoutMs,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              const text = Buffer.concat(chunks).toString('utf8');
              let parsed: unknown = text;
              try {
                parsed = JSON.parse(text);
              } catch {
                // Not JSON (should not happen on /api); hand back the text for the error message.
                parsed = text;
              }
              resolve({ status: res.statusCode ?? 0, body: parsed });
            });
          },
        );
        req.on('timeout', () =>
          req.destroy(
            new Error(
              `The hub on port ${lock.httpsPort} did not answer in ${Math.round(timeoutMs / 1000)} s`,
            ),
          ),
        );
        req.on('error', reject);
        req.end(payload);
      });
    },
  };
}
