import { request } from 'node:http';
import { SIGNATURE_HEADER, signServiceRequest } from './service-signature.js';

export type ProbeResult = { ok: true; rttMs: number } | { ok: false; rttMs: number | null; error: string };

const HEALTH_PATH = '/healthz';

/**
 * One signed `GET /healthz` to a host's service through its reverse tunnel: plain HTTP to the
 * hub's own loopback end of the tunnel (127.0.0.1:<host http port>); the SSH channel carries it
 * to the host. The round trip time covers hub → sshd channel → host service → back.
 */
export function probeHealth(port: number, serviceSecret: string, timeoutMs = 5000): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: HEALTH_PATH,
        method: 'GET',
        agent: false,
        timeout: timeoutMs,
        headers: { [SIGNATURE_HEADER]: signServiceRequest(serviceSecret, 'GET', HEALTH_PATH) },
      },
      (res) => {
        // The body is not needed, only the end of the response.
        res.resume();
        res.on('error', (err) =>
          resolve({ ok: false, rttMs: null, error: `health check failed: ${err.message}` }),
        );
        res.on('end', () => {
          const rttMs = elapsed();
          if (res.statusCode === 200) resolve({ ok: true, rttMs });
          else
            resolve({
              ok: false,
              rttMs,
              error:
                res.statusCode === 403
                  ? 'the host refused the hub’s signed health check (HTTP 403): its service secret or clock differs from the hub’s'
                  : `the host answered the health check with HTTP ${res.statusCode}`,
            });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs / 1000} s`)));
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve({
        ok: false,
        rttMs: null,
        error: `health check through the tunnel failed: ${err.code ?? err.message}`,
      }),
    );
    req.end();
  });
}
