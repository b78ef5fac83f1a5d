import type { Duplex } from 'node:stream';
import type { Channel } from 'ssh2';

/** What node:http (server and client) and http-proxy-3 call on a socket beyond Duplex. */
export interface ChannelSocket extends Duplex {
  remoteAddress: string;
  remotePort: number;
  /** The inactivity timeout set last (0: none), as net.Socket has it (http.Agent reads it). */
  timeout: number;
  setTimeout(ms: number, onTimeout?: () => void): this;
  setNoDelay(noDelay?: boolean): this;
  setKeepAlive(enable?: boolean, initialDelay?: number): this;
  destroySoon(): void;
  ref(): this;
  unref(): this;
}

/**
 * Makes a forwarded SSH channel usable as an HTTP server's socket (`server.emit('connection')`:
 * the agent's host service reads requests straight from the tunnel) or an HTTP client's (an
 * http.Agent's `createConnection`: the hub's proxy writes into the tunnel), instead of through a
 * loopback TCP connection and two pipes. Adds what node:http and http-proxy-3 expect of a net.Socket:
 * - `setTimeout` (the server's keep-alive idle timeout): an inactivity timer refreshed by bytes
 *   in either direction, emitting 'timeout';
 * - `setNoDelay`/`setKeepAlive`/`ref`/`unref`: no-ops (the SSH connection's own socket has
 *   TCP_NODELAY and keeps the process alive as it is);
 * - `destroySoon` (http-proxy-3 after a WebSocket's upstream went away): end, close once flushed;
 * - `remoteAddress`/`remotePort`: the hub-side peer the forward reported.
 * And it closes the channel once both directions ended, as a TCP socket would be: ssh2 only
 * sends EOF for a client channel's end() (a server channel closes on its own 'finish'). Never
 * close() before 'finish': ssh2 holds the last chunk until the peer opens its window again and
 * discards it once close() was sent.
 */
export function channelSocket(channel: Channel, peer: { srcIP: string; srcPort: number }): ChannelSocket {
  const socket = channel as unknown as ChannelSocket & {
    push(chunk: unknown, encoding?: BufferEncoding): boolean;
    _write(chunk: unknown, encoding: BufferEncoding, cb: (err?: Error | null) => void): void;
  };
  socket.remoteAddress = peer.srcIP;
  socket.remotePort = peer.srcPort;
  socket.timeout = 0;

  let timer: NodeJS.Timeout | null = null;
  const clearTimer = () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  socket.setTimeout = function (ms: number, onTimeout?: () => void) {
    clearTimer();
    this.timeout = ms;
    if (onTimeout) this.once('timeout', onTimeout);
    if (ms > 0) {
      timer = setTimeout(() => {
        timer = null;
        this.emit('timeout');
      }, ms);
      timer.unref();
    }
    return this;
  };
  // Activity in either direction keeps the timer off, as net.Socket's does. Wrapped rather than
  // watched with a 'data' listener: that would start the stream flowing (an upgrade handler pipes
  // it later, and bytes before then would be lost).
  const push = socket.push;
  socket.push = function (chunk, encoding) {
    timer?.refresh();
    const more = push.call(this, chunk, encoding);
    // ssh2 pushes the end when the peer sent EOF or closed the channel.
    if (chunk === null) process.nextTick(discardIfAbandoned);
    return more;
  };
  const write = socket._write;
  socket._write = function (chunk, encoding, cb) {
    timer?.refresh();
    write.call(this, chunk, encoding, cb);
  };
  socket.setNoDelay = function () {
    return this;
  };
  socket.setKeepAlive = function () {
    return this;
  };
  socket.ref = function () {
    return this;
  };
  socket.unref = function () {
    return this;
  };
  socket.destroySoon = function () {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  };

  /**
   * Nobody reads a channel whose user ended it and let it go (http-proxy-3 ends and unpipes the
   * upstream of a WebSocket whose browser vanished): paused, it never emits 'end' even once the
   * peer closed it, and ssh2 emits a server channel's 'close' only after 'end'. It would stay
   * open for good, one of its forward's sockets, until the forward's limit refuses every new
   * connection. What is unread and still arrives is discarded instead. A user that still reads
   * (a paused HTTP parser under backpressure) keeps its listener, so it is left alone.
   */
  const discardIfAbandoned = () => {
    if (!writeFinished || socket.readableEnded || socket.destroyed) return;
    if (socket.listenerCount('data') === 0 && socket.listenerCount('readable') === 0) socket.resume();
  };
  let readEnded = false;
  let writeFinished = false;
  const closeWhenDone = () => {
    if (readEnded && writeFinished) channel.close();
  };
  channel.once('end', () => {
    readEnded = true;
    closeWhenDone();
  });
  channel.once('finish', () => {
    writeFinished = true;
    discardIfAbandoned();
    closeWhenDone();
  });
  // A pipe's cleanup unpipes its source: the upstream of a WebSocket is unpiped when the browser's
  // socket closes, which can come after the upstream's own end (and its 'finish').
  const unpipe = socket.unpipe;
  socket.unpipe = function (dest) {
    unpipe.call(this, dest);
    process.nextTick(discardIfAbandoned);
    return this;
  };
  channel.once('close', clearTimer);
  return socket;
}
