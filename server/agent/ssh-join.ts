import ssh2 from 'ssh2';
import type { JoinRequest, JoinResponse } from '../api/index.js';
import { derivePairingKey, openSshPrivateKey } from '../hosts/index.js';
import { HubUnreachableError, JoinRefusedError, PinMismatchError } from './errors.js';
import { parseJoinResponse } from './hub-api.js';
import { pinnedHostKey } from './ssh-host-key.js';

export interface SshJoinTarget {
  host: string;
  port: number;
  /** OpenSSH fingerprint of the hub's host key, from the token. */
  hostKeyPin: string;
  tokenId: string;
  secret: string;
}

/** The SSH user of every Launchpad key; the sshd decides by the key alone. */
export const SSH_USER = 'lp';
const TIMEOUT_MS = 30_000;
const MAX_OUTPUT_BYTES = 1024 * 1024;

/**
 * Joins over the hub's SSH port (for networks where only it is reachable): authenticates with
 * the pairing key derived from the token (so the secret itself never crosses the wire), runs the
 * pairing command with the join request on stdin, and reads one JSON document back. The host key
 * is checked against the token before authentication, so a wrong hub never sees a signature.
 */
export function joinOverSsh(target: SshJoinTarget, request: JoinRequest): Promise<JoinResponse> {
  const where = `${target.host}:${target.port}`;
  const { privateKey } = derivePairingKey(target.tokenId, target.secret);
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let wrongHub = false;
    let settled = false;
    const settle = (err: Error | null, value?: JoinResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      if (err) reject(err);
      else resolve(value as JoinResponse);
    };
    const timer = setTimeout(
      () => settle(new HubUnreachableError(`the hub at ${where} did not finish the SSH join in time`)),
      TIMEOUT_MS,
    );

    client.on('error', (err: Error & { level?: string }) => {
      if (wrongHub) settle(new PinMismatchError('SSH host key'));
      else if (err.level === 'client-authentication') {
        settle(
          new JoinRefusedError(
            'token_refused',
            "the hub's SSH server did not accept this token's pairing key: the token is unknown, or it ended (used up, expired or revoked) more than an hour ago",
          ),
        );
      } else settle(new HubUnreachableError(`cannot join over SSH at ${where}: ${err.message}`));
    });
    client.on('close', () => {
      settle(
        wrongHub
          ? new PinMismatchError('SSH host key')
          : new HubUnreachableError(`the hub at ${where} closed the SSH connection during the join`),
      );
    });
    client.on('ready', () => {
      client.exec('join', (err, channel) => {
        if (err) {
          settle(new HubUnreachableError(`the hub at ${where} refused the pairing command: ${err.message}`));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        let exitCode: number | null = null;
        channel.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_OUTPUT_BYTES)
            settle(new HubUnreachableError(`the hub at ${where} sent an oversized answer`));
          else chunks.push(c);
        });
        channel.stderr.resume();
        channel.on('exit', (code: number | null) => {
          exitCode = code;
        });
        channel.on('close', () => {
          try {
            settle(null, readPairingAnswer(Buffer.concat(chunks).toString('utf8'), exitCode));
          } catch (e) {
            settle(e as Error);
          }
        });
        channel.end(JSON.stringify(request));
      });
    });

    client.connect({
      host: target.host,
      port: target.port,
      username: SSH_USER,
      privateKey: openSshPrivateKey(privateKey),
      ...pinnedHostKey(target.hostKeyPin, () => {
        wrongHub = true;
      }),
      readyTimeout: TIMEOUT_MS,
    });
  });
}

/**
 * The pairing command's stdout: a JoinResponse with exit 0, or with exit 1 `{"error": "<code>:
 * <message>"}` (the hub's refusals), `{"error": "message"}` (the sshd's own) or `{"error": {code, message}}`.
 */
export function readPairingAnswer(text: string, exitCode: number | null): JoinResponse {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HubUnreachableError('the hub answered the SSH join with something that is not JSON');
  }
  if (exitCode === 0) return parseJoinResponse(body);
  const error = (body as { error?: unknown } | null)?.error;
  if (typeof error === 'string') {
    // The hub's refusals read `<code>: <message>`; the sshd's own failures are a bare message.
    const m = /^([a-z_]+): ([\s\S]*)$/.exec(error);
    throw m
      ? new JoinRefusedError(m[1] as string, m[2] as string)
      : new JoinRefusedError('pairing_failed', error);
  }
  if (error && typeof error === 'object') {
    const { code, message } = error as { code?: unknown; message?: unknown };
    throw new JoinRefusedError(
      typeof code === 'string' ? code : 'pairing_failed',
      typeof message === 'string' ? message : 'no reason given',
    );
  }
  throw new HubUnreachableError(`the hub's pairing command failed (exit ${exitCode}) without a reason`);
}
