import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import {
  freeBasePort,
  freePort,
  type HubProcess,
  hubFetch,
  listeningPorts,
  startHub,
  tryConnect,
  withHubHarness,
} from './support/hub-process.js';

withHubHarness();

function plainGet(port: number, path: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A port that is neither the base port nor derived from it (HTTPS, SSH, host tunnels). */
async function freeHttpPort(base: number): Promise<number> {
  for (;;) {
    const p = await freePort();
    if (p < base || p > base + 1010) return p;
  }
}

/** The hub's listening ports without its in-process host service (127.0.0.1, port from its log). */
async function publicPorts(hub: HubProcess): Promise<number[] | null> {
  const line = await hub.waitForLog((l) => l.msg === 'this machine: host service listening on 127.0.0.1');
  return listeningPorts(hub.pid)?.filter((p) => p !== line.servicePort) ?? null;
}

describe.concurrent('plain-HTTP redirect port', () => {
  it('with COCALC_HTTP_PORT, plain HTTP gets a 308 to the same path on HTTPS', async () => {
    const base = await freeBasePort();
    const httpPort = await freeHttpPort(base);
    const hub = await startHub({ port: base, env: { COCALC_HTTP_PORT: String(httpPort) } });

    const res = await plainGet(httpPort, '/api/status?x=1');
    expect(res.status).toBe(308);
    expect(res.location).toBe(`https://127.0.0.1:${base}/api/status?x=1`);
    // And the redirect target answers.
    const status = await hubFetch(base, '/api/status?x=1', { ca: hub.caPem });
    expect(status.json.ports).toMatchObject({ https: base, http: httpPort });
    const ports = await publicPorts(hub);
    if (ports) expect(ports).toEqual([base, httpPort].sort((a, b) => a - b));
    expect(await hub.stop('SIGTERM')).toBe(0);
  });

  it('without COCALC_HTTP_PORT nothing listens for plain HTTP', async () => {
    const base = await freeBasePort();
    const httpPort = await freeHttpPort(base);
    const hub = await startHub({ port: base });
    expect(await tryConnect(httpPort)).toBe('ECONNREFUSED');
    const status = await hubFetch(base, '/api/status', { ca: hub.caPem });
    expect(status.json.ports.http).toBeNull();
    // The hub's only listening socket is HTTPS on the base port (besides this machine's loopback host service).
    const ports = await publicPorts(hub);
    if (ports) expect(ports).toEqual([base]);
    expect(await hub.stop('SIGTERM')).toBe(0);
  });
});
