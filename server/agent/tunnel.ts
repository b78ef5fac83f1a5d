import { EventEmitter } from 'node:events';
import { type Socket, connect as tcpConnect } from 'node:net';
import type { Duplex, Writable } from 'node:stream';
import ssh2, { type ClientChannel, type TcpConnectionDetails } from 'ssh2';
import type { Logger } from '../log/index.js';
import { channelSocket } from '../sshd/channel-socket.js';
import { Backoff } from './backoff.js';
import { pinnedHostKey } from './ssh-host-key.js';
import { SSH_USER } from './ssh-join.js';

export interface TunnelOptions {
  sshd: { host: string; port: number };
  /** OpenSSH fingerprint of the hub's host key (from the join token). */
  hostKeyPin: string;
  /** The tunnel key, OpenSSH private key format. */
  privateKey: string;
  /** The two hub ports assigned at the join. */
  ports: { http: number; ssh: number };
  /** Where connections to the HTTP port go: the host service on 127.0.0.1. */
  servicePort: number;
  /**
   * The host service's HTTP server in this process, when it is: each forwarded channel is handed
   * to it as its socket (no loopback TCP connection and pipes); `servicePort` is then unused.
   */
  serve?: (socket: Duplex) => void;
  logger: Logger;
  /** Asked after the hub refused the key: true when the hub says this host was removed. */
  isRemoved: () => Promise<boolean>;
  backoff?: Backoff;
  /** SSH keepalive: a ping after this much silence, the connection dropped after 3 unanswered. */
  keepaliveIntervalMs?: number;
  /** While the hub is unreachable, how often to check whether its port opened again. */
  probeIntervalMs?: number;
}

export type TunnelState = 'connecting' | 'online' | 'offline' | 'removed' | 'stopped';

/** What a connection to the host's SSH tunnel port gets until SSH into projects exists. */
export const SSH_NOT_ENABLED_BANNER = 'SSH access is not enabled on this host yet.\r\n';

/**
 * Where the hub's sshd lets a tunnel key bind its SSH port: the hub's own listen address, all
 * interfaces on a LAN hub, loopback in cloud mode. The host cannot tell which, so it asks for
 * the first and falls back to the second (and remembers what worked).
 */
const SSH_BIND_CANDIDATES = ['0.0.0.0', '127.0.0.1'];

/**
 * The host's one SSH connection to the hub, carrying both reverse forwards: the hub's
 * 127.0.0.1:<http port> to the host service, and <ssh port> to a banner for now. Reconnects on
 * any loss with exponential backoff and jitter (1 s to 30 s), indefinitely, logging each state
 * change once; stops for good only when the hub says the host was removed ('removed' event).
 */
export class Tunnel extends EventEmitter<{
  state: [TunnelState, string | null];
  removed: [];
  /** A connection attempt failed and another is scheduled; the reason says why. */
  retry: [string];
}> {
  readonly #o: TunnelOptions;
  readonly #backoff: Backoff;
  readonly #log: Logger;
  #state: TunnelState = 'offline';
  #client: ssh2.Client | null = null;
  #retryTimer: NodeJS.Timeout | null = null;
  #probeTimer: NodeJS.Timeout | null = null;
  /** Counts waits between attempts, so a probe still in flight from an earlier wait is ignored. */
  #wait = 0;
  #sshBind: string | null = null;
  /** The last failure reason logged at warn level, so a repeating one is logged once. */
  #loggedReason: string | null = null;
  #closed: Promise<void> = Promise.resolve();

  constructor(opts: TunnelOptions) {
    super();
    this.#o = opts;
    this.#backoff = opts.backoff ?? new Backoff();
    this.#log = opts.logger;
  }

  get state(): TunnelState {
    return this.#state;
  }

  start(): void {
    if (this.#state !== 'offline' || this.#client) return;
    this.#connect();
  }

  /** Closes the connection (the hub frees the forwards) and stops reconnecting. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#clearTimers();
    const client = this.#client;
    this.#setState('stopped', null);
    if (client) {
      // A hub that stopped answering never completes the SSH disconnect: do not wait for it.
      const forced = setTimeout(() => client.destroy(), 2000);
      client.end();
      await this.#closed;
      clearTimeout(forced);
    }
  }

  #setState(state: TunnelState, reason: string | null): void {
    if (this.#state === state) return;
    const was = this.#state;
    this.#state = state;
    if (state === 'online') {
      this.#loggedReason = null;
      this.#log.info({ ports: this.#o.ports, sshd: this.#o.sshd, sshBind: this.#sshBind }, 'tunnel: online');
    } else if (state === 'offline' && was === 'online') {
      // The retry that follows has the same reason: this line says it already.
      this.#loggedReason = reason;
      this.#log.warn({ reason }, 'tunnel: lost the connection to the hub; reconnecting');
    } else if (state === 'stopped') {
      this.#log.info('tunnel: stopped');
    }
    this.emit('state', state, reason);
  }

  #clearTimers(): void {
    this.#wait++;
    if (this.#retryTimer) clearTimeout(this.#retryTimer);
    if (this.#probeTimer) clearTimeout(this.#probeTimer);
    this.#retryTimer = null;
    this.#probeTimer = null;
  }

  #connect(): void {
    this.#clearTimers();
    if (this.#state === 'stopped' || this.#state === 'removed') return;
    this.#setState('connecting', null);
    const client = new ssh2.Client();
    this.#client = client;
    let reason = 'the connection closed';
    let authRefused = false;
    /** The TCP connect itself failed (refused, unreachable): the port is worth probing. */
    let unreachable = false;
    let wrongHost = false;
    this.#closed = new Promise((resolve) => client.once('close', () => resolve()));

    client.on('error', (err: Error & { level?: string; code?: string }) => {
      reason = err.message;
      if (err.level === 'client-authentication') authRefused = true;
      if (
        err.level === 'client-socket' &&
        ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT'].includes(err.code ?? '')
      ) {
        unreachable = true;
      }
    });
    client.on('ready', () => {
      this.#forward(client).then(
        () => {
          if (this.#client !== client) return;
          this.#backoff.reset();
          this.#setState('online', null);
        },
        (err: Error) => {
          reason = err.message;
          client.end();
        },
      );
    });
    client.on('tcp connection', (info, accept, reject) => this.#onForwarded(info, accept, reject));
    client.on('close', () => {
      if (this.#client !== client) return;
      this.#client = null;
      if (this.#state === 'stopped' || this.#state === 'removed') return;
      if (wrongHost) reason = "the hub's SSH host key does not match the pin from the join token";
      this.#setState('offline', reason);
      if (authRefused) void this.#afterAuthRefused(reason);
      else this.#scheduleRetry(reason, unreachable);
    });

    client.connect({
      host: this.#o.sshd.host,
      port: this.#o.sshd.port,
      username: SSH_USER,
      privateKey: this.#o.privateKey,
      ...pinnedHostKey(this.#o.hostKeyPin, () => {
        wrongHost = true;
      }),
      keepaliveInterval: this.#o.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: 3,
      readyTimeout: 15_000,
    });
    // Small request/response exchanges through the tunnel stall on Nagle + delayed ACK.
    client.setNoDelay(true);
  }

  /** Both reverse forwards; the HTTP one is required, the SSH one best effort (logged). */
  async #forward(client: ssh2.Client): Promise<void> {
    const forwardIn = (addr: string, port: number) =>
      new Promise<void>((resolve, reject) => {
        client.forwardIn(addr, port, (err) => (err ? reject(err) : resolve()));
      });
    try {
      await forwardIn('127.0.0.1', this.#o.ports.http);
    } catch (err) {
      throw new Error(
        `the hub refused the HTTP tunnel port ${this.#o.ports.http}: ${(err as Error).message}`,
      );
    }
    const candidates = this.#sshBind ? [this.#sshBind] : SSH_BIND_CANDIDATES;
    for (const addr of candidates) {
      try {
        await forwardIn(addr, this.#o.ports.ssh);
        this.#sshBind = addr;
        return;
      } catch (err) {
        this.#log.debug({ err, addr, port: this.#o.ports.ssh }, 'tunnel: SSH port refused on this address');
      }
    }
    this.#log.warn(
      { port: this.#o.ports.ssh },
      'tunnel: the hub refused the SSH tunnel port; HTTP only for now',
    );
  }

  #onForwarded(info: TcpConnectionDetails, accept: () => ClientChannel, reject: () => void): void {
    if (info.destPort === this.#o.ports.ssh) {
      const channel = accept();
      channel.on('error', (err: Error) => this.#log.debug({ err }, 'tunnel: ssh-port channel error'));
      channel.end(SSH_NOT_ENABLED_BANNER);
      channel.once('finish', () => channel.close());
      return;
    }
    if (info.destPort !== this.#o.ports.http) {
      reject();
      return;
    }
    if (this.#o.serve) {
      const channel = accept();
      channel.on('error', (err: Error) => this.#log.debug({ err }, 'tunnel: forwarded channel error'));
      this.#o.serve(channelSocket(channel, info));
      return;
    }
    const local: Socket = tcpConnect({ host: '127.0.0.1', port: this.#o.servicePort });
    local.setNoDelay(true);
    local.once('error', (err) => {
      this.#log.warn({ err, servicePort: this.#o.servicePort }, 'tunnel: cannot reach the host service');
      reject();
    });
    local.once('connect', () => {
      local.removeAllListeners('error');
      const channel = accept();
      local.on('error', (err) => {
        this.#log.debug({ err }, 'tunnel: host service socket error');
        channel.close();
      });
      channel.on('error', (err: Error) => {
        this.#log.debug({ err }, 'tunnel: forwarded channel error');
        local.destroy();
      });
      local.pipe(channel);
      channel.pipe(local);
      // One side gone for good takes the other with it, but only after what pipe() already
      // handed it was delivered. The host service closes its socket right after a response's
      // last bytes; pipe() then ends the channel, yet ssh2 holds that last chunk until the hub
      // opens its window again (a large download outruns the window), and close() before that
      // discards it: the hub saw a body cut short and cut its client ("Error: aborted").
      channel.once('close', () => afterFlush(local, () => local.destroy()));
      local.once('close', () => afterFlush(channel, () => channel.close()));
    });
  }

  #logFailure(reason: string, retryInMs: number): void {
    if (reason !== this.#loggedReason) {
      this.#loggedReason = reason;
      this.#log.warn({ reason, retryInMs }, 'tunnel: cannot connect to the hub; retrying');
    } else {
      this.#log.debug({ reason, retryInMs }, 'tunnel: still cannot connect to the hub');
    }
  }

  #scheduleRetry(reason: string, unreachable: boolean): void {
    this.emit('retry', reason);
    const delay = this.#backoff.next();
    this.#logFailure(reason, delay);
    this.#retryTimer = setTimeout(() => this.#connect(), delay);
    // A hub that was down comes back at some point inside a long backoff; reconnect as soon as
    // its port opens again (a TCP connect costs nothing), so a restart is recovered in seconds.
    if (unreachable) this.#probeUntilOpen(this.#wait);
  }

  /**
   * Checks the sshd port every second while waiting; the attempt that failed saw it closed, so
   * finding it open is the hub coming back: reconnect at once.
   */
  #probeUntilOpen(wait: number): void {
    const interval = this.#o.probeIntervalMs ?? 1000;
    this.#probeTimer = setTimeout(() => {
      this.#probeTimer = null;
      const socket = tcpConnect({ host: this.#o.sshd.host, port: this.#o.sshd.port });
      socket.setTimeout(interval);
      let settled = false;
      const done = (open: boolean) => {
        socket.destroy();
        if (settled || wait !== this.#wait) return;
        settled = true;
        if (open) this.#connect();
        else this.#probeUntilOpen(wait);
      };
      socket.once('connect', () => done(true));
      socket.once('timeout', () => done(false));
      socket.once('error', () => done(false));
    }, interval);
  }

  async #afterAuthRefused(reason: string): Promise<void> {
    let removed = false;
    try {
      removed = await this.#o.isRemoved();
    } catch (err) {
      this.#log.warn({ err }, 'tunnel: could not ask the hub whether this host still exists');
    }
    if (this.#state === 'stopped') return;
    if (removed) {
      this.#setState('removed', 'host removed');
      this.emit('removed');
      return;
    }
    this.#scheduleRetry(`the hub refused the tunnel key (${reason})`, false);
  }
}

/**
 * Runs `then` once `stream` delivered what was written to it, when it is ending (pipe() ends it
 * when its source ends); at once when it is not (its source failed: nothing more is owed).
 */
function afterFlush(stream: Writable, then: () => void): void {
  if (stream.writableEnded && !stream.writableFinished && !stream.destroyed) stream.once('finish', then);
  else then();
}
