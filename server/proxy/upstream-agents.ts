import { Agent } from 'node:http';
import type { ServerOptions } from 'http-proxy-3';

export interface Upstream {
  /** Per-request options for http-proxy-3's `web`: the target and its kept-alive agent. */
  web: ServerOptions;
  /** For `ws`: the target alone (an upgraded connection is its own, not a pooled one). */
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

  for(target: { host: string; port: number }): Upstream {
    const key = `${target.host}:${target.port}`;
    let up = this.#byTarget.get(key);
    if (!up) {
      const agent = new Agent({ keepAlive: true, maxSockets: 4096, maxFreeSockets: 256, scheduling: 'lifo' });
      const t = { host: target.host, port: target.port };
      up = { agent, web: { target: t, agent }, ws: { target: t } };
      this.#byTarget.set(key, up);
    }
    return up;
  }

  close(): void {
    for (const up of this.#byTarget.values()) up.agent.destroy();
    this.#byTarget.clear();
  }
}
