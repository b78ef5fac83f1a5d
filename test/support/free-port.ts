// Free ports on 127.0.0.1 for the hubs the tests start (vitest and Playwright alike: nothing here
// may import a test runner).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { MAX_BASE_PORT, TUNNEL_PORT_COUNT, TUNNEL_PORT_OFFSET } from '../../server/api/index.js';

/** The port bound on 127.0.0.1 (0 = any free one) and released again, or null when it is taken. */
export function listenOnce(port: number, host = '127.0.0.1'): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(null));
    srv.listen({ port, host, exclusive: true }, () => {
      const addr = srv.address();
      const got = typeof addr === 'object' && addr ? addr.port : null;
      srv.close(() => resolve(got));
    });
  });
}

/** A port that is free on 127.0.0.1 right now. */
export async function freePort(): Promise<number> {
  const port = await listenOnce(0);
  if (port === null) throw new Error('cannot bind an ephemeral port on 127.0.0.1');
  return port;
}

/** The lowest port the kernel gives outgoing connections (Linux's default where it cannot be read). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : 32_768;
  } catch {
    // Not Linux: its range is not in /proc; assume Linux's default.
    return 32_768;
  }
}

const LOWEST_BASE_PORT = 10_000;

/**
 * A base port P for a hub: P (HTTPS) and P+1 (SSH) free, and P with its whole host tunnel range
 * below the ports the kernel picks for outgoing connections. A tunnel port in that range can be
 * held by any connection's local end at the moment a host asks for it, and the hub must refuse
 * the host then (seen once in CI: "Unable to bind to 127.0.0.1:34287"); below it only a listener
 * can hold one.
 */
export async function freeBasePort(): Promise<number> {
  const below = Math.min(ephemeralLow(), MAX_BASE_PORT + TUNNEL_PORT_OFFSET + TUNNEL_PORT_COUNT);
  const highest = below - TUNNEL_PORT_OFFSET - TUNNEL_PORT_COUNT;
  for (let i = 0; i < 50; i++) {
    const p =
      highest > LOWEST_BASE_PORT
        ? LOWEST_BASE_PORT + Math.floor(Math.random() * (highest - LOWEST_BASE_PORT))
        : await freePort();
    if (p <= MAX_BASE_PORT && (await listenOnce(p)) !== null && (await listenOnce(p + 1)) !== null) return p;
  }
  throw new Error('no free base port (P and P+1) found on 127.0.0.1');
}
