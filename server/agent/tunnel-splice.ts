import { connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { type SignatureVerifier, sniffSplice } from '../hosts/index.js';
import type { Logger } from '../log/index.js';

export interface SpliceDeps {
  verifier: SignatureVerifier;
  /** The trusted socket of the project's server while it runs, else null. */
  socketOf(projectId: string): string | null;
  /** Serves the channel as HTTP (the host service); what was read has been put back. */
  serveHttp(channel: Duplex): void;
  log: Logger;
}

/**
 * Takes a tunnel channel the hub opened. A channel that starts with the hub's signed splice line
 * (hosts/splice-preamble.ts) is joined byte for byte to that project server's trusted socket:
 * no HTTP parsing, no second proxy, on this side. Everything else, and a splice whose project
 * does not run here or whose socket does not answer, is served by the host service as before
 * (which then answers each request, e.g. 404 project_not_running, so the hub learns of it). A
 * line that does not verify drops the channel, logged.
 */
export function acceptTunnelChannel(channel: Duplex, deps: SpliceDeps): void {
  let seen: Buffer = Buffer.alloc(0);
  const detach = () => {
    channel.off('readable', onReadable);
    channel.off('end', onEnd);
  };
  const toHttp = (bytes: Buffer) => {
    if (bytes.length > 0) channel.unshift(bytes);
    deps.serveHttp(channel);
  };
  const onReadable = () => {
    for (
      let chunk = channel.read() as Buffer | null;
      chunk !== null;
      chunk = channel.read() as Buffer | null
    ) {
      seen = seen.length === 0 ? chunk : Buffer.concat([seen, chunk]);
    }
    const sniff = sniffSplice(seen, deps.verifier);
    if (sniff.kind === 'more') return;
    detach();
    if (sniff.kind === 'http') return toHttp(seen);
    if (sniff.kind === 'refused') {
      deps.log.warn({ reason: sniff.reason }, 'tunnel: refused a splice line that does not verify');
      channel.destroy();
      return;
    }
    const path = deps.socketOf(sniff.projectId);
    if (path === null) return toHttp(sniff.rest);
    splice(channel, path, sniff.rest, () => toHttp(sniff.rest), deps.log);
  };
  // Ended before a single request could be told apart: nothing to serve.
  const onEnd = () => {
    detach();
    channel.destroy();
  };
  channel.on('readable', onReadable);
  channel.on('end', onEnd);
}

/**
 * Read buffers for the project-to-hub direction, reused once the channel has taken their bytes
 * (ssh2 copies them into packets; its write callback says when). A socket read otherwise gets a
 * new 64 KiB buffer each time, and on a download that churn of off-heap memory made V8 run a full
 * mark-compact about every 16 MB (about 60 a gigabyte).
 */
const READ_SIZE = 64 * 1024;
const MAX_SPARE = 64;
const spare: Buffer[] = [];
const takeReadBuffer = () => spare.pop() ?? Buffer.allocUnsafeSlow(READ_SIZE);
const giveBack = (buf: Buffer) => {
  if (spare.length < MAX_SPARE) spare.push(buf);
};

function splice(channel: Duplex, path: string, first: Buffer, fallback: () => void, log: Logger): void {
  const upstream = connect({
    path,
    onread: {
      buffer: takeReadBuffer,
      callback: (n: number, buf: Uint8Array) => {
        const read = buf as Buffer;
        // Back to the pool only once the channel is done with it; after an error it may still
        // be referenced, so it is left to the garbage collector then.
        const more = channel.write(read.subarray(0, n), (err) => {
          if (!err) giveBack(read);
        });
        // false pauses the socket; the channel's window or buffer resumes it.
        if (!more) channel.once('drain', () => upstream.resume());
        return more;
      },
    },
  });
  upstream.once('error', (err) => {
    // Not listening there (an older project server, one restarting): the port still serves.
    log.debug({ err, path }, 'tunnel: project socket unreachable; serving the channel over HTTP');
    fallback();
  });
  upstream.once('connect', () => {
    upstream.removeAllListeners('error');
    upstream.on('error', (err) => {
      log.debug({ err }, 'tunnel: project socket error');
      channel.destroy();
    });
    channel.on('error', () => upstream.destroy());
    if (first.length > 0) upstream.write(first);
    channel.pipe(upstream);
    // The other way, the reads go straight into the channel (onread above).
    upstream.once('end', () => channel.end());
    // The hub gone takes the project's side along. Idle channels are closed by the hub (its pool's
    // timeout is shorter than the project server's keep-alive), never from here: closing a channel
    // before ssh2 flushed it would drop a response's tail.
    channel.once('close', () => upstream.destroy());
  });
}
