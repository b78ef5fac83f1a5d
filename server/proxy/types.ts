import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log/index.js';

/** Where a project's requests go, as the project registry sees it right now. */
export type ProjectRoute =
  | { kind: 'unknown' }
  | { kind: 'host-offline'; projectName: string; hostName: string; lastSeenAt: string | null }
  | {
      kind: 'not-running';
      projectName: string;
      state: 'stopped' | 'starting' | 'error';
      error: string | null;
    }
  | {
      kind: 'ok';
      target: { host: string; port: number };
      /** The host's service secret: the proxy signs each request with it. */
      secret: string;
      /** The host's name, for the page shown when it does not answer (else the target is named). */
      hostName?: string;
    };

export interface ProjectProxyDeps {
  resolve(projectId: string): ProjectRoute;
  /**
   * The signed-in user of this request (session cookie), or null. Also asked again, with the
   * upgrade request's headers, for WebSockets already open (see ProjectProxy.recheckSessions).
   */
  authenticate(req: Pick<IncomingMessage, 'headers'>): { user: string } | null;
  /** Start the project (used by the Start button); resolves when started or throws with a message. */
  start(projectId: string, user: string): Promise<void>;
  /** Called on traffic (at most once per 60 s per project): the project was active. */
  touch(projectId: string): void;
  /** Called when the host answers that the project is not running there (e.g. the host restarted). */
  notRunning?(projectId: string): void;
  /**
   * Opens a connection to `host:port` in-process when that port is a tunnel forward of this
   * process's sshd (no loopback TCP connection); false: connect over TCP.
   */
  openTunnel?(host: string, port: number, cb: (err: Error | null, socket?: Duplex) => void): boolean;
  logger: Logger;
}

export interface ProjectProxyOptions {
  /** How long the host may take to answer a request with its headers; then 502. Default 60 s. */
  responseTimeoutMs?: number;
  /** Least time between two `touch` calls for one project. Default 60 s. */
  touchIntervalMs?: number;
  /**
   * How often open WebSockets are checked against their sessions, for what the hub is not told
   * of: a session that expired, or one deleted by another process (the CLI). Default 60 s.
   */
  sessionRecheckMs?: number;
}

export interface ProjectProxy {
  /** Whether `url` is a project's: its first path segment is a project id. */
  matches(url: string): boolean;
  web(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /**
   * Ends every open WebSocket whose session has ended (signed out, expired): a terminal must not
   * stay open after "Sign out everywhere". Returns how many were ended.
   */
  recheckSessions(): number;
  /** Ends upgraded (WebSocket) connections and the kept-alive connections to hosts. */
  close(): void;
}
