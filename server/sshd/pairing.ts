import type { ServerChannel } from 'ssh2';
import type { Logger } from '../log/index.js';

/** Who is pairing: passed to the handler with the request. */
export interface PairingContext {
  fingerprint: string;
  owner: string | null;
  remoteAddress: string;
  /** The command the client sent; informational only, it never selects what runs. */
  command: string;
}

/**
 * The one command a pairing key runs, whatever it asks for: takes the parsed JSON request,
 * returns the JSON-serialisable response. Throw a PairingError to send its message to the
 * client; any other error is logged and the client sees a generic message.
 */
export type PairingHandler = (request: unknown, ctx: PairingContext) => Promise<unknown>;

/** An error whose message is meant for the pairing client (e.g. "token expired"). */
export class PairingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PairingError';
  }
}

export interface PairingLimits {
  /** Largest request accepted on stdin. */
  maxInputBytes: number;
  /** Time allowed for reading the request and running the handler. */
  timeoutMs: number;
}

/**
 * Runs one pairing exec: reads one JSON document from the channel (until the client's EOF),
 * calls the handler, writes one JSON document and a newline, and exits 0 — or writes
 * `{"error": …}` and exits 1 when the input is too large, not JSON, too slow, or the handler fails.
 */
export function runPairing(
  channel: ServerChannel,
  handler: PairingHandler | undefined,
  ctx: PairingContext,
  limits: PairingLimits,
  logger: Logger,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;

  const finish = (code: 0 | 1, body: unknown) => {
    if (finished) return;
    finished = true;
    clearTimeout(timer);
    channel.removeAllListeners('data');
    let text: string;
    try {
      text = JSON.stringify(body ?? null);
    } catch (err) {
      logger.error({ err, fingerprint: ctx.fingerprint }, 'sshd: pairing response is not serialisable');
      code = 1;
      text = JSON.stringify({ error: 'pairing failed' });
    }
    channel.write(`${text}\n`);
    channel.exit(code);
    channel.end();
  };
  const fail = (error: string) => finish(1, { error });

  const timer = setTimeout(() => fail('timed out'), limits.timeoutMs);
  channel.on('error', (err: Error) => {
    logger.debug({ err, fingerprint: ctx.fingerprint }, 'sshd: pairing channel error');
    finished = true;
    clearTimeout(timer);
  });
  channel.on('close', () => {
    finished = true;
    clearTimeout(timer);
  });

  channel.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > limits.maxInputBytes) {
      logger.warn(
        { fingerprint: ctx.fingerprint, remoteAddress: ctx.remoteAddress },
        'sshd: oversized pairing request',
      );
      fail(`request larger than ${limits.maxInputBytes} bytes`);
      return;
    }
    chunks.push(chunk);
  });
  channel.on('end', () => {
    if (finished) return;
    let request: unknown;
    try {
      request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      // The parser's message would quote the client's bytes back; a fixed message is enough.
      fail('request is not a JSON document');
      return;
    }
    if (!handler) {
      fail('pairing is not available on this hub');
      return;
    }
    // Through a promise, so a handler that throws synchronously is caught like one that rejects.
    Promise.resolve()
      .then(() => handler(request, ctx))
      .then(
        (response) => finish(0, response),
        (err: unknown) => {
          if (err instanceof PairingError) {
            fail(err.message);
          } else {
            logger.error({ err, fingerprint: ctx.fingerprint }, 'sshd: pairing handler failed');
            fail('pairing failed');
          }
        },
      );
  });
}
