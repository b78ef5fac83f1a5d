import { createServer, type Server, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Connection, ServerChannel } from 'ssh2';
import type { Logger } from '../log/index.js';
import { channelSocket } from './channel-socket.js';
import type { ForwardDecision, ForwardGrant } from './roles.js';

/** One live reverse forward, as introspection shows it. */
export interface ForwardInfo {
  /** The bind address exactly as the client asked for it (and as forwarded-tcpip reports it). */
  bindAddress: string;
  /** The hub-side address the listener is bound to. */
  listenHost: string;
  port: number;
  kind: ForwardGrant['kind'];
  /** Bytes received from the SSH client through this forward (the host's responses). */
  bytesIn: number;
  /** Bytes sent to the SSH client through this forward (requests from hub-side peers). */
  bytesOut: number;
  /** Hub-side TCP connections open through the forward now, and in total. */
  activeConnections: number;
  totalConnections: number;
}

/**
 * Hub-wide bookkeeping of forward listeners by `host:port`: which connection holds one, and
 * the close still in progress of one being released, so that a reconnecting host waits for its
 * evicted predecessor's listener to be gone instead of failing with EADDRINUSE.
 */
export class ListenerRegistry {
  readonly #holders = new Map<string, ConnectionForwards>();
  readonly #closing = new Map<string, Promise<void>>();

  holder(key: string): ConnectionForwards | undefined {
    return this.#holders.get(key);
  }
  hold(key: string, owner: ConnectionForwards): void {
    this.#holders.set(key, owner);
  }
  /** Records that `key` is being released; `closed` settles once the port is free. */
  releasing(key: string, owner: ConnectionForwards, closed: Promise<void>): void {
    if (this.#holders.get(key) === owner) this.#holders.delete(key);
    const tracked = closed.finally(() => {
      if (this.#closing.get(key) === tracked) this.#closing.delete(key);
    });
    this.#closing.set(key, tracked);
  }
  /** Resolves when no listener on `key` is still closing. */
  async waitFree(key: string): Promise<void> {
    for (let p = this.#closing.get(key); p; p = this.#closing.get(key)) await p;
  }
}

interface Forward {
  bindAddress: string;
  requestedPort: number;
  grant: ForwardGrant;
  key: string;
  server: Server;
  port: number;
  /** Hub-side TCP sockets, and channels opened in-process (openDirect), open now. */
  sockets: Set<Socket | Duplex>;
  bytesIn: number;
  bytesOut: number;
  totalConnections: number;
}

export interface ForwardsOptions {
  client: Connection;
  registry: ListenerRegistry;
  logger: Logger;
  /** The role policy: may this connection bind `bindAddr:bindPort`, and where. */
  decide(bindAddr: string, bindPort: number): ForwardDecision;
  /** Hub-side sockets allowed open at once per SSH connection; more are dropped. */
  maxSockets: number;
}

/**
 * The reverse forwards (`ssh -R`) of one SSH connection: listens on accept, opens a
 * `forwarded-tcpip` channel per incoming TCP connection carrying exactly the bind address and
 * port the client asked for, and closes the listeners on cancel and on disconnect.
 */
export class ConnectionForwards {
  readonly #o: ForwardsOptions;
  readonly #forwards = new Map<string, Forward>();
  /** Requests still binding, by requested address:port, so a duplicate is refused. */
  readonly #pending = new Set<string>();
  #closed = false;
  #socketCount = 0;

  constructor(opts: ForwardsOptions) {
    this.#o = opts;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Forwards listening or being set up. */
  get size(): number {
    return this.#forwards.size + this.#pending.size;
  }

  /** Handles `tcpip-forward`; resolves to the bound port, rejects with a reason to log. */
  async add(bindAddr: string, bindPort: number): Promise<number> {
    if (this.#closed) throw new Error('the connection is closing');
    const decision = this.#o.decide(bindAddr, bindPort);
    if (!decision.ok) throw new Error(decision.reason);
    const { grant } = decision;
    const requestKey = `${bindAddr}\0${bindPort}`;
    if (this.#forwards.has(requestKey) || this.#pending.has(requestKey)) {
      throw new Error('this connection already forwards that address and port');
    }
    // Port 0 (the system picks) cannot collide with a listener still closing.
    const wanted = grant.port === 0 ? null : `${grant.listenHost}:${grant.port}`;
    const holder = wanted === null ? undefined : this.#o.registry.holder(wanted);
    if (holder && holder !== this) throw new Error(`${wanted} is held by another live connection`);

    this.#pending.add(requestKey);
    try {
      if (wanted !== null) await this.#o.registry.waitFree(wanted);
      if (this.#closed) throw new Error('the connection closed while the forward was set up');
      const server = await listen(grant.listenHost, grant.port);
      const port = (server.address() as { port: number }).port;
      const key = `${grant.listenHost}:${port}`;
      const fwd: Forward = {
        bindAddress: bindAddr,
        requestedPort: bindPort,
        grant,
        key,
        server,
        port,
        sockets: new Set(),
        bytesIn: 0,
        bytesOut: 0,
        totalConnections: 0,
      };
      server.on('connection', (socket) => this.#onSocket(fwd, socket));
      server.on('error', (err) => {
        this.#o.logger.warn({ err, key }, 'sshd: forward listener error');
      });
      if (this.#closed) {
        // Disconnected while listen() ran: the listener must not outlive the connection.
        this.#o.registry.releasing(key, this, closeServer(fwd));
        throw new Error('the connection closed while the forward was set up');
      }
      this.#o.registry.hold(key, this);
      this.#forwards.set(requestKey, fwd);
      return fwd.port;
    } finally {
      this.#pending.delete(requestKey);
    }
  }

  /** Handles `cancel-tcpip-forward`; false if no such forward exists on this connection. */
  cancel(bindAddr: string, bindPort: number): boolean {
    const requestKey = `${bindAddr}\0${bindPort}`;
    const fwd = this.#forwards.get(requestKey);
    if (!fwd) return false;
    this.#forwards.delete(requestKey);
    this.#o.registry.releasing(fwd.key, this, closeServer(fwd));
    return true;
  }

  /** Closes every listener and forwarded socket; resolves once the ports are free. */
  closeAll(): Promise<void> {
    this.#closed = true;
    const done: Promise<void>[] = [];
    for (const fwd of this.#forwards.values()) {
      const closed = closeServer(fwd);
      this.#o.registry.releasing(fwd.key, this, closed);
      done.push(closed);
    }
    this.#forwards.clear();
    return Promise.all(done).then(() => undefined);
  }

  list(): ForwardInfo[] {
    return [...this.#forwards.values()].map((f) => ({
      bindAddress: f.bindAddress,
      listenHost: f.grant.listenHost,
      port: f.port,
      kind: f.grant.kind,
      bytesIn: f.bytesIn,
      bytesOut: f.bytesOut,
      activeConnections: f.sockets.size,
      totalConnections: f.totalConnections,
    }));
  }

  /**
   * Opens a channel through the forward listening on `key` (`host:port`) for a peer in this
   * process (the hub's proxy), as a connection to the listener would, without the loopback TCP
   * connection and the pipes: `cb` gets the channel as a socket (see channelSocket). False when
   * this connection has no such forward.
   */
  openDirect(key: string, cb: (err: Error | null, socket?: Duplex) => void): boolean {
    let fwd: Forward | undefined;
    for (const f of this.#forwards.values()) if (f.key === key) fwd = f;
    if (!fwd || this.#closed) return false;
    if (this.#socketCount >= this.#o.maxSockets) {
      process.nextTick(cb, new Error(`too many connections through ${key}`));
      return true;
    }
    const forward = fwd;
    this.#socketCount++;
    forward.totalConnections++;
    try {
      this.#o.client.forwardOut(
        forward.bindAddress,
        forward.requestedPort === 0 ? forward.port : forward.requestedPort,
        '127.0.0.1',
        0,
        (err, channel) => {
          if (err) {
            this.#socketCount--;
            cb(err);
            return;
          }
          const socket = channelSocket(channel, { srcIP: '127.0.0.1', srcPort: 0 });
          forward.sockets.add(socket);
          socket.once('close', () => {
            this.#socketCount--;
            forward.sockets.delete(socket);
          });
          // Counted where ssh2 hands data in and takes it out: a 'data' listener would start
          // the stream flowing before its user reads (an upgraded WebSocket is piped later).
          const counted = socket as Duplex & {
            push(chunk: unknown, encoding?: BufferEncoding): boolean;
            _write(chunk: Buffer, encoding: BufferEncoding, cb: (err?: Error | null) => void): void;
          };
          const push = counted.push;
          counted.push = function (chunk, encoding) {
            if (chunk) forward.bytesIn += (chunk as Buffer).length;
            return push.call(this, chunk, encoding);
          };
          const write = counted._write;
          counted._write = function (chunk, encoding, done) {
            forward.bytesOut += chunk.length;
            write.call(this, chunk, encoding, done);
          };
          cb(null, socket);
        },
      );
    } catch (err) {
      // The SSH connection is going away under us.
      this.#socketCount--;
      process.nextTick(cb, err as Error);
    }
    return true;
  }

  #onSocket(fwd: Forward, socket: Socket): void {
    socket.on('error', (err) => {
      this.#o.logger.debug({ err, port: fwd.port }, 'sshd: forwarded socket error');
    });
    if (this.#closed || this.#socketCount >= this.#o.maxSockets) {
      socket.destroy();
      return;
    }
    // Without it, small request/response exchanges through the tunnel stall on Nagle + delayed ACK.
    socket.setNoDelay(true);
    this.#socketCount++;
    fwd.sockets.add(socket);
    fwd.totalConnections++;
    socket.once('close', () => {
      this.#socketCount--;
      fwd.sockets.delete(socket);
    });
    // Hold incoming bytes until the channel exists; pipe() resumes the socket.
    socket.pause();
    try {
      this.#o.client.forwardOut(
        fwd.bindAddress,
        fwd.requestedPort === 0 ? fwd.port : fwd.requestedPort,
        socket.remoteAddress ?? '127.0.0.1',
        socket.remotePort ?? 0,
        (err, channel) => {
          if (err) {
            this.#o.logger.debug({ err, port: fwd.port }, 'sshd: client refused a forwarded connection');
            socket.destroy();
            return;
          }
          this.#splice(fwd, socket, channel as ServerChannel);
        },
      );
    } catch (err) {
      // The SSH connection is going away under us; the socket has nowhere to go.
      this.#o.logger.debug({ err, port: fwd.port }, 'sshd: could not open a forwarded channel');
      socket.destroy();
    }
  }

  #splice(fwd: Forward, socket: Socket, channel: ServerChannel): void {
    channel.on('error', (err: Error) => {
      this.#o.logger.debug({ err, port: fwd.port }, 'sshd: forwarded channel error');
      socket.destroy();
    });
    if (socket.destroyed) {
      channel.close();
      return;
    }
    socket.on('data', (chunk: Buffer) => {
      fwd.bytesOut += chunk.length;
    });
    channel.on('data', (chunk: Buffer) => {
      fwd.bytesIn += chunk.length;
    });
    socket.pipe(channel);
    channel.pipe(socket);
    // Either side going away for good takes the other with it, after what pipe() handed it was
    // delivered. The channel's 'close' comes after its 'end' (its data is all in the socket), and
    // end() flushes the socket. The socket's 'close' can come while the channel, ended by pipe(),
    // still holds a chunk waiting for the client's SSH window; ssh2 discards it once close() was
    // sent, so the channel closes on 'finish' then (ssh2 closes a server channel there itself).
    channel.once('close', () => {
      if (!socket.destroyed) socket.end();
    });
    socket.once('close', () => {
      if (channel.writableEnded && !channel.writableFinished && !channel.destroyed) {
        channel.once('finish', () => channel.close());
      } else {
        channel.close();
      }
    });
  }
}

function listen(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer({ pauseOnConnect: false });
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    // exclusive: a cluster worker must not share the port; ipv6Only off keeps '::' dual-stack.
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve(server);
    });
  });
}

function closeServer(fwd: Forward): Promise<void> {
  return new Promise((resolve) => {
    for (const s of fwd.sockets) {
      try {
        s.destroy();
      } catch {
        // A channel of a connection already gone: ssh2 closes it itself.
      }
    }
    // close() stops accepting at once; its callback waits for the (now destroyed) sockets.
    fwd.server.close(() => resolve());
  });
}
