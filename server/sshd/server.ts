import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import ssh2, { type ClientInfo, type Connection } from 'ssh2';
import type { Db } from '../db/index.js';
import type { Logger } from '../log/index.js';
import { authenticate } from './auth.js';
import { type ConnectionInfo, ConnectionRegistry } from './connections.js';
import { ListenerRegistry } from './forwards.js';
import type { HostKey } from './host-key.js';
import { type SshKeyRecord, SshKeysRepo } from './keys-repo.js';
import { DEFAULT_LIMITS, type SshdLimits } from './limits.js';
import type { PairingHandler } from './pairing.js';
import { serveConnection } from './serve-connection.js';
import { SftpJail } from './sftp-jail.js';
import { FailureThrottle } from './throttle.js';

export interface StartSshdOptions {
  /** The hub's sqlite connection, migrated (ssh_keys is read at every authentication). */
  db: Db;
  /** From ensureHostKey(). */
  hostKey: Pick<HostKey, 'privateKeyPem'>;
  /** Listen address: '0.0.0.0' on a LAN hub, '127.0.0.1' in cloud mode. */
  host: string;
  /** Listen port (base+1); 0 picks a free one (tests). */
  port: number;
  /** The SFTP root (`<data dir>/backup-repo`); created 0700 if missing. */
  sftpRoot: string;
  /** Where tunnel keys' SSH ports are bound (default: `host`). HTTP ports are always on 127.0.0.1. */
  tunnelSshBindAddress?: string;
  /** The pairing command; without it pairing keys get `{"error": …}` and exit 1. */
  pairingHandler?: PairingHandler;
  logger: Logger;
  limits?: Partial<SshdLimits>;
}

export interface SshdStatus {
  /** True while the listener is bound. */
  listening: boolean;
  host: string;
  /** The bound port (the requested one while not listening). */
  port: number;
  /** Why the last listen attempt failed, e.g. "EADDRINUSE: address already in use 0.0.0.0:9201". */
  lastError?: string;
  /** Listen retries since start. */
  restarts: number;
  /** Authenticated connections now. */
  connections: number;
}

export interface SshdEvents {
  /** The listener is bound (again), on `port`. */
  listening: [port: number];
  /** Anything in status() changed. */
  status: [status: SshdStatus];
}

export interface SshdHandle {
  /** The bound port (the requested one while not listening). */
  readonly port: number;
  status(): SshdStatus;
  /** Live authenticated connections with their forwards. */
  connections(): ConnectionInfo[];
  /**
   * Revokes the key in the db and disconnects its live connections; resolves once their forward
   * ports are free. True if the key was active or had connections.
   */
  revokeKey(fingerprint: string): Promise<boolean>;
  /** Disconnects a key's live connections without touching the db (e.g. after SshKeysRepo.revokeByOwner). */
  disconnectKey(fingerprint: string): Promise<number>;
  /**
   * For a client in this process (the hub's proxy): opens a channel through the reverse forward
   * listening on `host:port`, as a TCP connection to that port would, but without one. False
   * when no connection of this sshd holds that forward (connect over TCP then); otherwise `cb`
   * gets the channel as a socket, or the error.
   */
  openForward(host: string, port: number, cb: (err: Error | null, socket?: Duplex) => void): boolean;
  on<E extends keyof SshdEvents>(event: E, listener: (...args: SshdEvents[E]) => void): this;
  off<E extends keyof SshdEvents>(event: E, listener: (...args: SshdEvents[E]) => void): this;
  once<E extends keyof SshdEvents>(event: E, listener: (...args: SshdEvents[E]) => void): this;
  /** Stops listening, disconnects everyone, closes every forward. Safe to call twice. */
  close(): Promise<void>;
}

/** Per-TCP-connection state between accept and authentication. */
interface Pending {
  socket: Socket;
  authTimer: NodeJS.Timeout;
  authenticated: boolean;
}

/**
 * Starts the embedded SSH server. Never throws for a listener problem: a failed listen (port
 * taken, address gone) is reported in status() and retried with backoff (0.5 s doubling to
 * 30 s by default), so the hub keeps serving HTTPS meanwhile. Resolves after the first listen
 * attempt, whether it bound or not. Throws only for bad options (an unreadable host key, an
 * SFTP root that cannot be created).
 */
export async function startSshd(opts: StartSshdOptions): Promise<SshdHandle> {
  const limits: SshdLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const logger = opts.logger;
  const keys = new SshKeysRepo(opts.db);
  mkdirSync(opts.sftpRoot, { recursive: true, mode: 0o700 });
  const jail = await SftpJail.open(opts.sftpRoot);
  const tunnelSshBindAddress = opts.tunnelSshBindAddress ?? opts.host;
  const throttle = new FailureThrottle({
    maxFailures: limits.maxAuthFailures,
    windowMs: limits.failureWindowMs,
    blockMs: limits.failureBlockMs,
    exempt: limits.throttleExempt,
  });
  const registry = new ConnectionRegistry();
  const listeners = new ListenerRegistry();
  const sockets = new Set<Socket>();
  const pending = new Map<string, Pending>();
  let unauthenticated = 0;
  let nextId = 1;
  let closing = false;

  const ssh = new ssh2.Server({
    hostKeys: [opts.hostKey.privateKeyPem],
    // No version in the banner: nothing for a scanner to match against advisories.
    ident: 'Launchpad',
    keepaliveInterval: limits.keepaliveIntervalMs,
    keepaliveCountMax: limits.keepaliveCountMax,
  });
  ssh.on('error', (err: Error) => logger.warn({ err }, 'sshd: ssh2 server error'));

  /** Drops at accept can come in floods; their log lines are limited to one per kind per 10 s. */
  const dropLog = rateLimited(10_000);

  // ---- listener with bounded-backoff retry -------------------------------------------------
  let listener: NetServer | null = null;
  let boundPort = opts.port;
  let listening = false;
  let lastError: string | undefined;
  let restarts = 0;
  let retryDelay = limits.retryInitialMs;
  let retryTimer: NodeJS.Timeout | null = null;

  const status = (): SshdStatus => ({
    listening,
    host: opts.host,
    port: boundPort,
    ...(lastError === undefined ? {} : { lastError }),
    restarts,
    connections: registry.all().length,
  });
  const statusChanged = () => handle.emit('status', status());

  const listenOnce = (): Promise<void> =>
    new Promise((resolve) => {
      const srv = createServer(onSocket);
      let failed = false;
      srv.on('error', (err: NodeJS.ErrnoException) => {
        if (err.syscall === 'accept' && listener === srv) {
          // One failed accept (EMFILE, ECONNABORTED) is no reason to drop the listener.
          if (dropLog('accept-error')) logger.warn({ err }, 'sshd: accept failed');
          return;
        }
        if (failed) return;
        failed = true;
        listening = false;
        listener = null;
        lastError = `${err.code ?? 'ERROR'}: ${err.message}`;
        logger.error(
          { err, host: opts.host, port: opts.port, retryInMs: retryDelay },
          'sshd: listener failed',
        );
        srv.close();
        scheduleRetry();
        statusChanged();
        resolve();
      });
      srv.listen({ host: opts.host, port: opts.port }, () => {
        if (closing) {
          // close() ran while this (retry) listen was under way.
          srv.close();
          resolve();
          return;
        }
        listener = srv;
        listening = true;
        lastError = undefined;
        retryDelay = limits.retryInitialMs;
        boundPort = (srv.address() as { port: number }).port;
        logger.info({ host: opts.host, port: boundPort }, 'sshd: listening');
        handle.emit('listening', boundPort);
        statusChanged();
        resolve();
      });
    });

  const scheduleRetry = () => {
    if (closing || retryTimer) return;
    const delay = retryDelay;
    retryDelay = Math.min(retryDelay * 2, limits.retryMaxMs);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      if (closing) return;
      restarts++;
      void listenOnce();
    }, delay);
  };

  // ---- accept: throttle, caps, auth timeout, then hand the socket to ssh2 -------------------

  function onSocket(socket: Socket): void {
    socket.on('error', (err) => logger.debug({ err }, 'sshd: socket error'));
    const remoteAddress = socket.remoteAddress ?? '';
    if (closing || !remoteAddress) {
      socket.destroy();
      return;
    }
    if (throttle.isBlocked(remoteAddress)) {
      if (dropLog(`blocked:${remoteAddress}`)) {
        logger.warn({ remoteAddress }, 'sshd: dropping connections from a throttled address');
      }
      socket.destroy();
      return;
    }
    if (unauthenticated >= limits.maxUnauthenticated) {
      if (dropLog('unauthenticated-cap')) {
        logger.warn(
          { remoteAddress, max: limits.maxUnauthenticated },
          'sshd: too many unauthenticated connections; dropping new ones',
        );
      }
      socket.destroy();
      return;
    }
    unauthenticated++;
    sockets.add(socket);
    socket.setNoDelay(true);
    const key = `${remoteAddress}|${socket.remotePort}`;
    const state: Pending = {
      socket,
      authenticated: false,
      authTimer: setTimeout(() => {
        logger.info({ remoteAddress }, 'sshd: no authentication in time; dropping the connection');
        socket.destroy();
      }, limits.authTimeoutMs),
    };
    pending.set(key, state);
    socket.once('close', () => {
      sockets.delete(socket);
      clearTimeout(state.authTimer);
      if (pending.get(key) === state) pending.delete(key);
      if (!state.authenticated) unauthenticated--;
    });
    ssh.injectSocket(socket);
  }

  ssh.on('connection', (client: Connection, info: ClientInfo) => {
    client.on('error', (err: Error & { level?: string }) => {
      logger.debug({ err, remoteAddress: info.ip }, 'sshd: connection error');
    });
    const key = `${info.ip}|${info.port}`;
    const state = pending.get(key);
    if (!state) {
      client.end();
      return;
    }
    pending.delete(key);
    let accepted: SshKeyRecord | undefined;
    let authFailures = 0;
    client.on('authentication', (ctx) => {
      if (authFailures >= limits.maxAuthTries) {
        // Requests the client pipelined before our disconnect arrives: not even looked at.
        ctx.reject(['publickey']);
        return;
      }
      try {
        authenticate(ctx, {
          keys,
          throttle,
          logger,
          remoteAddress: info.ip,
          admit: (k) =>
            k.role !== 'tunnel' && registry.countForKey(k.fingerprint) >= limits.maxConnectionsPerKey
              ? `already ${limits.maxConnectionsPerKey} connections with this key`
              : null,
          onAccepted: (k) => {
            accepted = k;
          },
          onFailure: () => {
            authFailures++;
            if (authFailures === limits.maxAuthTries) {
              logger.warn({ remoteAddress: info.ip }, 'sshd: too many failed attempts on one connection');
              // After the failure reply has gone out.
              setImmediate(() => client.end());
            }
          },
        });
      } catch (err) {
        // A db error must not leave the client hanging, nor escape into ssh2's parser.
        logger.error({ err, remoteAddress: info.ip }, 'sshd: authentication failed with an error');
        ctx.reject(['publickey']);
      }
    });
    client.once('ready', () => {
      if (!accepted || closing) {
        client.end();
        return;
      }
      state.authenticated = true;
      unauthenticated--;
      clearTimeout(state.authTimer);
      serveConnection({
        id: nextId++,
        client,
        socket: state.socket,
        info,
        key: accepted,
        limits,
        logger,
        keys,
        registry,
        listeners,
        jail,
        tunnelSshBindAddress,
        pairingHandler: opts.pairingHandler,
        onChange: statusChanged,
      });
    });
  });

  // ---- revocation done elsewhere (repo.revoke, expiry) reaches live connections too ----------
  const recheck = setInterval(() => {
    for (const c of registry.all()) {
      let active: boolean;
      try {
        active = keys.findActiveByFingerprint(c.fingerprint) !== undefined;
      } catch (err) {
        logger.warn({ err }, 'sshd: could not re-check keys');
        return;
      }
      if (!active) void c.close('key revoked or expired');
    }
  }, limits.keyRecheckMs);
  recheck.unref();

  class Handle extends EventEmitter implements SshdHandle {
    get port(): number {
      return boundPort;
    }
    status(): SshdStatus {
      return status();
    }
    connections(): ConnectionInfo[] {
      return registry.all().map((c) => c.info());
    }
    async disconnectKey(fingerprint: string): Promise<number> {
      const conns = registry.ofKey(fingerprint);
      await Promise.all(conns.map((c) => c.close('key disconnected')));
      return conns.length;
    }
    openForward(host: string, port: number, cb: (err: Error | null, socket?: Duplex) => void): boolean {
      const key = `${host}:${port}`;
      return listeners.holder(key)?.openDirect(key, cb) ?? false;
    }
    async revokeKey(fingerprint: string): Promise<boolean> {
      const revoked = keys.revoke(fingerprint);
      const conns = registry.ofKey(fingerprint);
      if (revoked) logger.info({ fingerprint }, 'sshd: key revoked');
      await Promise.all(conns.map((c) => c.close('key revoked')));
      return revoked || conns.length > 0;
    }
    async close(): Promise<void> {
      if (closing) return;
      closing = true;
      clearInterval(recheck);
      if (retryTimer) clearTimeout(retryTimer);
      const current = listener;
      const stopped = new Promise<void>((resolve) => {
        if (current) current.close(() => resolve());
        else resolve();
      });
      listening = false;
      const forwardsFreed = Promise.all(registry.all().map((c) => c.close('sshd stopping')));
      for (const s of sockets) s.destroy();
      await Promise.all([stopped, forwardsFreed]);
      logger.info('sshd: stopped');
    }
  }
  const handle = new Handle();

  await listenOnce();
  return handle;
}

/** A gate that opens once per `ms` per key: repeated drops are logged without flooding the log. */
function rateLimited(ms: number): (key: string) => boolean {
  const last = new Map<string, number>();
  return (key) => {
    const now = Date.now();
    if ((last.get(key) ?? 0) > now - ms) return false;
    if (last.size > 1000) last.clear();
    last.set(key, now);
    return true;
  };
}
