import type { HostView } from '../../api/index.js';
import type { ProbeResult } from '../../hosts/index.js';
import { type CheckResult, result } from '../types.js';

/** How the hub reaches a joined host's service: its tunnel's loopback end, and the signing secret. */
export interface RouteTarget {
  port: number | null;
  /** A secret: never put it in a message. */
  secret: string;
}

/** A signed GET /healthz to 127.0.0.1:<port> (hosts' probeHealth). */
export type RouteProbe = (port: number, secret: string) => Promise<ProbeResult>;

function base(host: HostView, kind: 'tunnel' | 'route') {
  return {
    id: `host-${kind}:${host.id}`,
    title: kind === 'tunnel' ? `Tunnel of ${host.name}` : `Route to ${host.name}`,
    scope: 'host' as const,
    subject: { kind: 'host' as const, id: host.id, name: host.name },
  };
}

function startAdvice(host: HostView): string {
  return `Check that ${host.name} is switched on and runs Launchpad (\`launchpad --server\` on its data dir), and that it reaches this hub’s SSH port`;
}

/** The tunnel as the hub's TunnelMonitor sees it: connected (with its RTT), offline, or never connected. */
export function checkHostTunnel(host: HostView): CheckResult {
  const b = base(host, 'tunnel');
  const agent = host.agentError ? `; the host reports: ${host.agentError.message}` : '';
  switch (host.state) {
    case 'online': {
      const rtt =
        host.rttMs === null ? 'round trip not measured yet' : `round trip ${Math.round(host.rttMs)} ms`;
      if (host.lastError) {
        return result(
          b,
          'warn',
          `Connected, but its health check failed: ${host.lastError}`,
          `Restart Launchpad on ${host.name} and look at its log`,
        );
      }
      return result(b, 'ok', `Connected (${rtt})`);
    }
    case 'never-connected':
      return result(b, 'warn', `Joined, but has not connected yet${agent}`, startAdvice(host));
    case 'offline': {
      const seen = host.lastSeenAt ? ` since ${host.lastSeenAt}` : '';
      return result(b, 'error', `Offline${seen}${agent}`, startAdvice(host));
    }
  }
}

/**
 * The route the project proxy uses: a signed request to the hub's loopback end of the host's
 * tunnel, which only a live tunnel and a working host service answer. A host that never
 * connected has no route yet: a warning, like its tunnel.
 */
export async function checkHostRoute(
  host: HostView,
  target: RouteTarget | null,
  probe: RouteProbe,
): Promise<CheckResult> {
  const b = base(host, 'route');
  if (host.state === 'never-connected') {
    return result(b, 'warn', 'No route yet: the host has not connected', startAdvice(host));
  }
  if (target === null || target.port === null) {
    return result(
      b,
      'error',
      'The host has no tunnel port assigned on this hub',
      `Remove ${host.name} and join it again with a new token`,
    );
  }
  const r = await probe(target.port, target.secret);
  if (r.ok) return result(b, 'ok', `GET /healthz through 127.0.0.1:${target.port} answered`);
  const fix =
    host.state === 'online'
      ? `The tunnel is up but the host’s service does not answer: restart Launchpad on ${host.name} and look at its log`
      : startAdvice(host);
  return result(b, 'error', `${r.error} (127.0.0.1:${target.port})`, fix);
}
