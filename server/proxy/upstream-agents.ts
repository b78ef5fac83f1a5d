import { Agent } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ServerOptions } from 'http-proxy-3';

/** See ProjectProxyDeps.openTunnel. */
export type OpenTunnel = (
  host: string,
  port: number,
  cb: (err: Error | null, socket?: Duplex) => void,
) => boolean;

export interface Upstream {
  /** Per-request options for http-proxy-3's `web`: the target and its kept-alive agent. */
  web: ServerOptions;
  /** For `ws`: the target, and an agent that pools nothing (an upgraded connection is its own). */
  ws: ServerOptions;
}

/**
 * One kept-alive `http.Agent` per host target (`host:port`), made on first use and kept: a hub has
 * few hosts, and a host keeps its tunnel port. LIFO scheduling reuses the most recently used
 * socket (the one least likely to have been closed by the host's idle timeout), and the high
 * socket limit keeps the proxy from queueing requests behind a busy project.
 */
export class UpstreamAgents {
  readonly #byTarget = new Map<string, Upstream & { agent: Agent }>();
  readonly #openTunnel: OpenTunnel | undefined;

  /**
   * With `openTunnel`, connections to a target that is a tunnel forward of this process's sshd
   * are channels opened in-process (no loopback TCP connection and pipes); others go over TCP.
   */
  constructor(openTunnel?: OpenTunnel) {
    this.#openTunnel = openTunnel;
  }

  for(target: { host: string; port: number }): Upstream {
    const key = `${target.host}:${target.port}`;
    let up = this.#byTarget.get(key);
    if (!up) {
      const agent = new Agent({ keepAlive: true, maxSockets: 4096, maxFreeSockets: 256, scheduling: 'lifo' });
      const t = { host: target.host, port: target.port };
      const ws: ServerOptions = { target: t };
      const open = this.#openTunnel;
      if (open) {
        this.#direct(agent, open, t);
        const wsAgent = new Agent({ keepAlive: false });
        this.#direct(wsAgent, open, t);
        ws.agent = wsAgent;
      }
      up = { agent, web: { target: t, agent }, ws };
      this.#byTarget.set(key, up);
    }
    return up;
  }

  #direct(agent: Agent, open: OpenTunnel, t: { host: string; port: number }): void {
    type Create = (options: object, cb: (err: Error | null, socket?: Duplex) => void) => Duplex | undefined;
    const a = agent as unknown as { createConnection: Create };
    const tcp = a.createConnection.bind(agent);
    // The forward is looked up per connection: a host reconnecting lands on another SSH
    // connection (or, for a moment, none: TCP then, which fails as it would have).
    a.createConnection = (options, cb) => (open(t.host, t.port, cb) ? undefined : tcp(options, cb));
  }

  close(): void {
    for (const up of this.#byTarget.values()) up.agent.destroy();
    this.#byTarget.clear();
  }
}
