import type { Socket } from 'node:net';
import type { ClientInfo, Connection, Session } from 'ssh2';
import type { Logger } from '../log/index.js';
import type { ConnectionRegistry, LiveConnection } from './connections.js';
import { ConnectionForwards, type ListenerRegistry } from './forwards.js';
import type { SshKeyRecord, SshKeysRepo } from './keys-repo.js';
import type { SshdLimits } from './limits.js';
import { type PairingHandler, runPairing } from './pairing.js';
import { decideForward } from './roles.js';
import type { SftpJail } from './sftp-jail.js';
import { serveSftp } from './sftp-server.js';

export interface ConnectionDeps {
  id: number;
  client: Connection;
  /** The raw TCP socket under `client`, destroyed when the peer stops answering. */
  socket: Socket;
  info: ClientInfo;
  /** The key the client authenticated with; its role decides everything below. */
  key: SshKeyRecord;
  limits: SshdLimits;
  logger: Logger;
  keys: SshKeysRepo;
  registry: ConnectionRegistry;
  listeners: ListenerRegistry;
  jail: SftpJail;
  tunnelSshBindAddress: string;
  pairingHandler: PairingHandler | undefined;
  /** Called when the connection appears or goes away (for status listeners). */
  onChange(): void;
}

/**
 * Serves one authenticated connection according to its key's role, and registers it:
 * - tunnel: `tcpip-forward` / `cancel-tcpip-forward` within the key's ports, nothing else; a
 *   new tunnel connection of the same owner replaces (disconnects) the previous one;
 * - sftp: sessions whose only allowed request is the `sftp` subsystem, jailed;
 * - pairing: sessions whose only allowed request is `exec`, which runs the pairing handler.
 * Closes itself when idle (no session, no forward) and when the peer stops answering keepalives.
 */
export function serveConnection(d: ConnectionDeps): LiveConnection {
  const { client, socket, info, key, limits } = d;
  const since = Date.now();
  const log = d.logger.child({
    conn: d.id,
    fingerprint: key.fingerprint,
    role: key.role,
    remoteAddress: info.ip,
  });
  let closed = false;
  let sessions = 0;
  let refusals = 0;
  let idleTimer: NodeJS.Timeout | null = null;
  let graceTimer: NodeJS.Timeout | null = null;
  let forwardsClosed: Promise<void> = Promise.resolve();

  const forwards =
    key.role === 'tunnel'
      ? new ConnectionForwards({
          client,
          registry: d.listeners,
          logger: log,
          decide: (addr, port) => decideForward(key.allowedPorts, addr, port, d.tunnelSshBindAddress),
          maxSockets: limits.maxForwardedSockets,
        })
      : null;

  /** Logs a refused request; a client hammering refusals gets its first 20 logged, then silence. */
  const refuse = (what: string, detail: Record<string, unknown> = {}) => {
    refusals++;
    if (refusals <= 20) log.info({ ...detail, request: what }, 'sshd: refused a request');
    else if (refusals === 21) log.info('sshd: further refused requests on this connection are not logged');
  };

  const rearmIdle = () => {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
    if (closed || sessions > 0 || (forwards && forwards.size > 0)) return;
    idleTimer = setTimeout(() => void conn.close('idle'), limits.idleTimeoutMs);
  };

  const finish = () => {
    if (idleTimer) clearTimeout(idleTimer);
    if (forwards) forwardsClosed = forwards.closeAll();
    d.registry.delete(conn);
  };

  const conn: LiveConnection = {
    id: d.id,
    fingerprint: key.fingerprint,
    role: key.role,
    owner: key.owner,
    info: () => ({
      id: d.id,
      fingerprint: key.fingerprint,
      role: key.role,
      owner: key.owner,
      remoteAddress: info.ip,
      remotePort: info.port,
      since,
      forwards: forwards ? forwards.list() : [],
    }),
    close(reason: string) {
      if (!closed) {
        closed = true;
        log.info({ reason }, 'sshd: disconnecting');
        finish();
        client.end();
        // A dead peer never answers the DISCONNECT; do not wait for TCP to time out.
        graceTimer = setTimeout(() => socket.destroy(), limits.closeGraceMs);
        graceTimer.unref();
        d.onChange();
      }
      return forwardsClosed;
    },
  };

  client.on('error', (err: Error & { level?: string }) => {
    // ssh2 only ends the stream on a keepalive timeout; a vanished peer would keep the socket.
    if (err.level === 'client-timeout') {
      log.info('sshd: keepalive timeout; dropping the connection');
      socket.destroy();
    }
  });
  client.once('close', () => {
    if (graceTimer) clearTimeout(graceTimer);
    if (!closed) {
      closed = true;
      finish();
      log.info({ durationMs: Date.now() - since }, 'sshd: disconnected');
      d.onChange();
    }
  });

  try {
    d.keys.markUsed(key.fingerprint);
  } catch (err) {
    // Bookkeeping only; a busy db must not cost the host its tunnel.
    log.warn({ err }, 'sshd: could not record key use');
  }
  if (key.role === 'tunnel') {
    for (const old of d.registry.tunnelPredecessors(key.fingerprint, key.owner)) {
      void old.close(`replaced by connection ${d.id} of the same owner`);
    }
  }
  d.registry.add(conn);
  log.info({ owner: key.owner }, 'sshd: authenticated');
  d.onChange();
  rearmIdle();

  client.on('request', (accept, reject, name, req) => {
    if (!forwards || (name !== 'tcpip-forward' && name !== 'cancel-tcpip-forward')) {
      refuse(name);
      reject?.();
      return;
    }
    const { bindAddr, bindPort } = req as { bindAddr: unknown; bindPort: unknown };
    if (
      typeof bindAddr !== 'string' ||
      bindAddr.length > 255 ||
      typeof bindPort !== 'number' ||
      !Number.isInteger(bindPort) ||
      bindPort < 0 ||
      bindPort > 65535
    ) {
      refuse(name, { malformed: true });
      reject?.();
      return;
    }
    if (name === 'cancel-tcpip-forward') {
      if (forwards.cancel(bindAddr, bindPort)) {
        log.info({ bindAddr, bindPort }, 'sshd: forward cancelled');
        accept?.();
      } else {
        refuse(name, { bindAddr, bindPort, reason: 'no such forward' });
        reject?.();
      }
      rearmIdle();
      return;
    }
    const added = forwards.add(bindAddr, bindPort);
    rearmIdle();
    added.then(
      (port) => {
        log.info({ bindAddr, bindPort, port }, 'sshd: forward listening');
        accept?.(port);
        rearmIdle();
      },
      (err: Error) => {
        refuse(name, { bindAddr, bindPort, reason: err.message });
        reject?.();
        rearmIdle();
      },
    );
  });

  // Channel types a role may not open get no listener: ssh2 then refuses them itself with
  // "administratively prohibited" (a listener's reject() could only say "connect failed").
  // That covers direct-tcpip (ssh -L / -W) and streamlocal for every role, and sessions for
  // tunnel keys (shell, exec, pty, agent, X11 all need one).
  if (key.role === 'tunnel') return conn;

  client.on('session', (accept, reject) => {
    if (sessions >= limits.maxSessionsPerConnection) {
      refuse('session', { reason: 'too many sessions' });
      reject();
      return;
    }
    const session = accept();
    sessions++;
    rearmIdle();
    session.once('close', () => {
      sessions--;
      rearmIdle();
    });
    if (key.role === 'sftp') wireSftpSession(session);
    else wirePairingSession(session);
  });

  // Session requests without a listener are refused by ssh2 itself; these get one to be logged.
  const refuseSessionRequests = (session: Session, names: string[]) => {
    for (const name of names) {
      session.on(name, (_accept: unknown, reject?: () => void) => {
        refuse(name);
        reject?.();
      });
    }
  };

  function wireSftpSession(session: Session): void {
    refuseSessionRequests(session, ['pty', 'shell', 'exec', 'subsystem', 'x11', 'auth-agent']);
    session.on('sftp', (acceptSftp) => {
      const sftp = acceptSftp();
      log.debug('sshd: sftp session started');
      serveSftp(sftp, d.jail, log);
    });
  }

  function wirePairingSession(session: Session): void {
    refuseSessionRequests(session, ['pty', 'shell', 'sftp', 'subsystem', 'x11', 'auth-agent']);
    session.on('exec', (acceptExec, _reject, req) => {
      const channel = acceptExec();
      const command = typeof req.command === 'string' ? req.command.slice(0, 256) : '';
      runPairing(
        channel,
        d.pairingHandler,
        { fingerprint: key.fingerprint, owner: key.owner, remoteAddress: info.ip, command },
        { maxInputBytes: limits.pairingMaxInputBytes, timeoutMs: limits.pairingTimeoutMs },
        log,
      );
    });
  }

  return conn;
}
