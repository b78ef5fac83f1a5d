import { randomBytes } from 'node:crypto';
import ssh2, { type SFTPWrapper } from 'ssh2';
import type { HealthKey } from '../health-key.js';
import { type CheckResult, describeError, result } from '../types.js';

export interface SshSelfTestOptions {
  /** The sshd's listener state (SshdHandle.status()). */
  status: { listening: boolean; port: number; lastError?: string };
  /** `ssh-ed25519 AAAA…`: the hub's own host key, which the answer must carry. */
  hostKey: string;
  key: HealthKey;
  /** The real path of the SFTP root, for messages. */
  repoDir: string;
  timeoutMs?: number;
}

const SSHD = { id: 'sshd', title: 'SSH server', scope: 'hub', subject: null } as const;
const SFTP = { id: 'sftp-write', title: 'Backup repository (SFTP)', scope: 'hub', subject: null } as const;

/**
 * Talks to the hub's own sshd as a host would: an SSH handshake on 127.0.0.1 with the host key
 * pinned to the hub's (`sshd`), then, as the sftp role, a temp file written, read back and
 * deleted in the jailed backup repository (`sftp-write`). One connection serves both.
 */
export async function sshSelfTest(o: SshSelfTestOptions): Promise<{ sshd: CheckResult; sftp: CheckResult }> {
  const { status } = o;
  if (!status.listening) {
    const why = status.lastError ? `: ${status.lastError}` : '';
    return {
      sshd: result(
        SSHD,
        'error',
        `Not listening on port ${status.port}${why} (retrying)`,
        `Stop whatever uses port ${status.port} (\`ss -ltnp 'sport = :${status.port}'\`) or change the base port in Settings; hosts cannot connect meanwhile`,
      ),
      sftp: result(SFTP, 'error', 'Not checked: the SSH server is not listening', 'Fix the SSH server first'),
    };
  }
  const timeoutMs = o.timeoutMs ?? 10_000;
  let client: ssh2.Client;
  try {
    client = await connect(o, timeoutMs);
  } catch (err) {
    return {
      sshd: result(
        SSHD,
        'error',
        `Listening on port ${status.port}, but a test connection failed: ${describeError(err)}`,
        'Look at the hub log (component sshd); restarting the hub restarts the SSH server',
      ),
      sftp: result(
        SFTP,
        'error',
        'Not checked: the SSH server does not accept connections',
        'Fix the SSH server first',
      ),
    };
  }
  try {
    const sshd = result(SSHD, 'ok', `Listening on port ${status.port}; a test connection succeeded`);
    return { sshd, sftp: await sftpRoundTrip(client, o.repoDir, timeoutMs) };
  } finally {
    client.end();
  }
}

function connect(o: SshSelfTestOptions, timeoutMs: number): Promise<ssh2.Client> {
  const expected = Buffer.from(o.hostKey.split(' ')[1] ?? '', 'base64');
  let wrongKey = false;
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let settled = false;
    client.once('ready', () => {
      settled = true;
      resolve(client);
    });
    // Kept for the connection's life: an error after the first (a reset once auth failed, or
    // after ready) must not become an uncaught exception; those surface through the sftp calls.
    client.on('error', (err) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(wrongKey ? new Error('the server did not present the hub’s host key') : err);
    });
    client.connect({
      host: '127.0.0.1',
      port: o.status.port,
      username: 'hub-health',
      privateKey: o.key.privateKey,
      readyTimeout: timeoutMs,
      hostVerifier: (blob: Buffer) => {
        wrongKey = !blob.equals(expected);
        return !wrongKey;
      },
      // The sshd does not call itself OpenSSH.
      strictVendor: false,
    });
  });
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_r, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const call = <T>(fn: (cb: (err: Error | null | undefined, v?: T) => void) => void) =>
  new Promise<T>((resolve, reject) => fn((err, v) => (err ? reject(err) : resolve(v as T))));

async function sftpRoundTrip(client: ssh2.Client, repoDir: string, timeoutMs: number): Promise<CheckResult> {
  // A leading dot and the suffix keep it apart from restic's own files (restic ignores others).
  const name = `/.launchpad-health-${randomBytes(6).toString('hex')}.tmp`;
  const data = randomBytes(64);
  const fix = `Make ${repoDir} writable for the user running the hub (\`chattr -i ${repoDir}\`, \`chmod u+w ${repoDir}\`, or remount its disk read-write); hosts cannot back up meanwhile`;
  let sftp: SFTPWrapper;
  try {
    sftp = await withTimeout(
      call<SFTPWrapper>((cb) => client.sftp(cb)),
      timeoutMs,
      'opening SFTP',
    );
  } catch (err) {
    return result(
      SFTP,
      'error',
      `Cannot open an SFTP session to the backup repository: ${describeError(err)}`,
      'Look at the hub log (component sshd)',
    );
  }
  try {
    try {
      await withTimeout(
        call<void>((cb) => sftp.writeFile(name, data, cb)),
        timeoutMs,
        'writing',
      );
    } catch (err) {
      return result(
        SFTP,
        'error',
        `Cannot write to the backup repository ${repoDir}: ${describeError(err)}`,
        fix,
      );
    }
    const back = await withTimeout(
      call<Buffer>((cb) => sftp.readFile(name, cb)),
      timeoutMs,
      'reading back',
    ).then(
      (b) => ({ ok: true as const, b }),
      (err: unknown) => ({ ok: false as const, err }),
    );
    // Deleted whatever the read gave: a failed delete is a finding of its own (restic prunes by deleting).
    const removed = await withTimeout(
      call<void>((cb) => sftp.unlink(name, cb)),
      timeoutMs,
      'deleting',
    ).then(
      () => null,
      (err: unknown) => describeError(err),
    );
    if (!back.ok) {
      return result(
        SFTP,
        'error',
        `Wrote a test file in ${repoDir} but cannot read it back: ${describeError(back.err)}`,
        fix,
      );
    }
    if (!back.b.equals(data)) {
      return result(
        SFTP,
        'error',
        `A test file read back from ${repoDir} differs from what was written`,
        `Check the disk of ${repoDir} (dmesg, fsck)`,
      );
    }
    if (removed !== null) {
      return result(
        SFTP,
        'error',
        `Wrote and read a test file in ${repoDir} but cannot delete it (${name}): ${removed}`,
        fix,
      );
    }
    return result(SFTP, 'ok', `Wrote, read back and deleted a test file in ${repoDir} over SFTP`);
  } finally {
    sftp.end();
  }
}
