import { Agent } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ServerOptions } from 'http-proxy-3';
import { splicePreamble } from '../hosts/index.js';

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

/** The project a request is for, and the host's service secret that signs the splice line. */
export interface SpliceFor {
  projectId: string;
  secret: string;
}

const IDLE_UPSTREAM_MS = 20_000;

interface Entry extends Upstream {
  agent: Agent;
  secret: string | undefined;
}

/**
 * Kept-alive `http.Agent`s for the hosts' service ports, made on first use and kept. LIFO
 * scheduling reuses the most recently used socket (the one least likely to have been closed by
 * the host's idle timeout), and the high socket limit keeps the proxy from queueing requests
 * behind a busy project.
 *
 * With `openTunnel` (the hub's own sshd), connections to a host's tunnel forward are channels
 * opened in-process (no loopback TCP connection and pipes), one pool per project: each channel
 * starts with the signed splice line for its project, and the host agent joins it byte for byte to
 * that project's server (hosts/splice-preamble.ts). Other targets get one pool per host over TCP.
 */
export class UpstreamAgents {
  readonly #byKey = new Map<string, Entry>();
  readonly #openTunnel: OpenTunnel | undefined;

  constructor(openTunnel?: OpenTunnel) {
    this.#openTunnel = openTunnel;
  }

  for(target: { host: string; port: number }, splice?: SpliceFor): Upstream {
    const open = this.#openTunnel;
    const perProject = open !== undefined && splice !== undefined;
    const key = `${target.host}:${target.port}${perProject ? `/${splice.projectId}` : ''}`;
    let up = this.#byKey.get(key);
    // A host that joined again has a new secret: lines signed with the old one would be refused.
    if (up && perProject && up.secret !== splice.secret) {
      up.agent.destroy();
      up = undefined;
    }
    if (!up) {
      const agent = new Agent({
        keepAlive: true,
        maxSockets: 4096,
        maxFreeSockets: 256,
        scheduling: 'lifo',
        // Idle connections are closed from this side first, before the host's keep-alive timeout
        // (the host service's 30 s, a project server's 65 s on a spliced channel): no request is
        // sent on a connection the other side is closing, and a spliced channel never lingers
        // half-open on the hub after the project server let it go.
        timeout: IDLE_UPSTREAM_MS,
      });
      const t = { host: target.host, port: target.port };
      const ws: ServerOptions = { target: t };
      if (open) {
        this.#direct(agent, open, t, splice);
        // An upgraded connection is its own: not pooled, spliced like any other channel.
        const wsAgent = new Agent({ keepAlive: false });
        this.#direct(wsAgent, open, t, splice);
        ws.agent = wsAgent;
      }
      up = { agent, web: { target: t, agent }, ws, secret: perProject ? splice.secret : undefined };
      this.#byKey.set(key, up);
    }
    return up;
  }

  #direct(
    agent: Agent,
    open: OpenTunnel,
    t: { host: string; port: number },
    splice: SpliceFor | undefined,
  ): void {
    type Done = (err: Error | null, socket?: Duplex) => void;
    type Create = (options: object, cb: Done) => Duplex | undefined;
    const a = agent as unknown as { createConnection: Create };
    const tcp = a.createConnection.bind(agent);
    const withLine: (cb: Done) => Done = splice
      ? (cb) => (err, socket) => {
          // Signed when the channel opens: the line's signature is good for 60 s, and only once.
          if (socket) socket.write(splicePreamble(splice.secret, splice.projectId));
          cb(err, socket);
        }
      : (cb) => cb;
    // The forward is looked up per connection: a host reconnecting lands on another SSH
    // connection (or, for a moment, none: TCP then, which fails as it would have).
    a.createConnection = (options, cb) => (open(t.host, t.port, withLine(cb)) ? undefined : tcp(options, cb));
  }

  close(): void {
    for (const up of this.#byKey.values()) up.agent.destroy();
    this.#byKey.clear();
  }
}
