// Shared harness of the sshd tests: a real sshd on a free loopback port with a real sqlite db
// in a temp dir, client keys made with ssh-keygen, and OpenSSH's ssh / sftp (and restic) run as
// child processes with a pinned known_hosts, so every test talks to the hub the way a host does.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import ssh2 from 'ssh2';
import { type Db, migrate, openDatabase } from '../db/index.js';
import type { Logger } from '../log/index.js';
import {
  ensureHostKey,
  type HostKey,
  type PairingHandler,
  type Role,
  type SshdHandle,
  type SshdLimits,
  SshKeysRepo,
  startSshd,
  type TunnelPorts,
} from './index.js';

/** Generous: a loaded 2-core CI machine may be slow to fork ssh, never this slow. */
const PROCESS_TIMEOUT_MS = 60_000;

export interface ClientKey {
  path: string;
  publicKey: string;
}

/** An ed25519 key pair made by OpenSSH's ssh-keygen, as a host would have. */
export function makeClientKey(dir: string, name: string): ClientKey {
  const path = join(dir, name);
  const res = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', path]);
  if (res.status !== 0) throw new Error(`ssh-keygen failed: ${res.stderr.toString()}`);
  return { path, publicKey: readFileSync(`${path}.pub`, 'utf8').trim() };
}

/** A TCP port that was free a moment ago (bound to port 0 on loopback, then released). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as { port: number };
  srv.close();
  await once(srv, 'close');
  return port;
}

/** Log lines the sshd wrote, parsed; tests assert on what was (and was not) logged. */
export class CapturedLog {
  readonly lines: Record<string, unknown>[] = [];
  readonly logger: Logger;
  #waiters: { match: (l: Record<string, unknown>) => boolean; resolve: () => void }[] = [];

  constructor() {
    const sink = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        for (const text of chunk.toString('utf8').split('\n')) {
          if (!text) continue;
          const line = JSON.parse(text) as Record<string, unknown>;
          this.lines.push(line);
          this.#waiters = this.#waiters.filter((w) => {
            if (!w.match(line)) return true;
            w.resolve();
            return false;
          });
        }
        cb();
      },
    });
    this.logger = pino({ level: 'debug' }, sink);
  }

  /** Resolves when a line matching `match` has been (or is) logged. */
  waitFor(match: (l: Record<string, unknown>) => boolean): Promise<void> {
    if (this.lines.some(match)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  text(): string {
    return this.lines.map((l) => JSON.stringify(l)).join('\n');
  }
}

export interface FixtureOptions {
  /** A fixed port (default: a free one). The fixture then does not insist on listening at once. */
  port?: number;
  limits?: Partial<SshdLimits>;
  pairingHandler?: PairingHandler;
  tunnelSshBindAddress?: string;
}

export interface RegisteredKey extends ClientKey {
  fingerprint: string;
}

/** A running sshd with its own temp data dir, db, host key and known_hosts. */
export class SshdFixture {
  readonly dir: string;
  readonly db: Db;
  readonly keys: SshKeysRepo;
  readonly hostKey: HostKey;
  readonly sftpRoot: string;
  readonly log = new CapturedLog();
  readonly knownHosts: string;
  sshd!: SshdHandle;
  #keyCount = 0;
  #batchCount = 0;

  private constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'lp-sshd-'));
    this.db = openDatabase(join(this.dir, 'launchpad.db'));
    migrate(this.db);
    this.keys = new SshKeysRepo(this.db);
    this.hostKey = ensureHostKey(join(this.dir, 'ssh'));
    this.sftpRoot = join(this.dir, 'backup-repo');
    this.knownHosts = join(this.dir, 'known_hosts');
  }

  static async start(opts: FixtureOptions = {}): Promise<SshdFixture> {
    const f = new SshdFixture();
    f.sshd = await startSshd({
      db: f.db,
      hostKey: f.hostKey,
      host: '127.0.0.1',
      port: opts.port ?? 0,
      sftpRoot: f.sftpRoot,
      logger: f.log.logger,
      ...(opts.pairingHandler ? { pairingHandler: opts.pairingHandler } : {}),
      ...(opts.tunnelSshBindAddress ? { tunnelSshBindAddress: opts.tunnelSshBindAddress } : {}),
      ...(opts.limits ? { limits: opts.limits } : {}),
    });
    if (opts.port === undefined && !f.sshd.status().listening) {
      throw new Error(`sshd did not listen: ${f.sshd.status().lastError}`);
    }
    writeFileSync(f.knownHosts, `[127.0.0.1]:${f.sshd.port} ${f.hostKey.publicKey}\n`);
    return f;
  }

  /** Makes a client key and registers it with `role` (and ports for a tunnel key). */
  addKey(role: Role, opts: { owner?: string; allowedPorts?: TunnelPorts } = {}): RegisteredKey {
    const key = makeClientKey(this.dir, `id_${role}_${++this.#keyCount}`);
    const rec = this.keys.add({
      publicKey: key.publicKey,
      role,
      owner: opts.owner ?? null,
      allowedPorts: opts.allowedPorts ?? null,
    });
    return { ...key, fingerprint: rec.fingerprint };
  }

  /** The OpenSSH options every client here uses: no user config, pinned host key, one key. */
  sshOptions(key: { path: string }): string[] {
    return [
      '-F',
      '/dev/null',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${this.knownHosts}`,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'PasswordAuthentication=no',
      '-o',
      'BatchMode=yes',
      '-o',
      'ConnectTimeout=20',
      '-i',
      key.path,
    ];
  }

  /** `ssh <options> -p <port> [extra…] lp@127.0.0.1 [command…]` */
  sshArgs(key: { path: string }, extra: string[] = [], command: string[] = []): string[] {
    return [...this.sshOptions(key), '-p', String(this.sshd.port), ...extra, 'lp@127.0.0.1', ...command];
  }

  /** `sftp -b <batch file>` with `key`; sftp stops (exit 1) at the first command that fails. */
  sftp(key: { path: string }, commands: string[], opts: { cwd?: string } = {}): Promise<RunResult> {
    const batch = join(this.dir, `batch-${++this.#batchCount}`);
    writeFileSync(batch, `${commands.join('\n')}\n`);
    return run(
      'sftp',
      ['-b', batch, ...this.sshOptions(key), '-P', String(this.sshd.port), 'lp@127.0.0.1'],
      opts,
    );
  }

  /** The host key blob, for an ssh2 client's hostVerifier. */
  hostKeyBlob(): Buffer {
    return Buffer.from(this.hostKey.publicKey.split(' ')[1]!, 'base64');
  }

  /** An ssh2 Client logged in with `key` (for what OpenSSH's ssh cannot be made to send). */
  async ssh2Client(key: { path: string }, sock?: Socket): Promise<ssh2.Client> {
    const client = new ssh2.Client();
    const hostBlob = this.hostKeyBlob();
    const ready = new Promise<void>((resolve, reject) => {
      client.once('ready', resolve);
      client.once('error', reject);
    });
    client.connect({
      host: '127.0.0.1',
      port: this.sshd.port,
      username: 'lp',
      privateKey: readFileSync(key.path),
      hostVerifier: (blob: Buffer) => blob.equals(hostBlob),
      // The hub does not call itself OpenSSH; let the openssh_* requests through to be refused.
      strictVendor: false,
      ...(sock ? { sock } : {}),
    });
    await ready;
    // Errors after login are what the tests provoke; they are asserted through callbacks.
    client.on('error', () => undefined);
    return client;
  }

  async close(): Promise<void> {
    await this.sshd.close();
    this.db.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A child process whose output is collected; `lineOnStderr` waits for a line as it arrives. */
export class Proc {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<RunResult>;

  constructor(
    cmd: string,
    args: string[],
    opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {},
  ) {
    this.child = spawn(cmd, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group: sftp and restic run ssh as a child that holds our pipes, so a
      // kill must reach the whole group or 'close' would never come.
      detached: true,
      env: opts.env ?? process.env,
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    this.child.stdout?.on('data', (d: Buffer) => {
      this.stdout += d.toString('utf8');
    });
    this.child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString('utf8');
    });
    // The child may exit before reading all its input (that is what some tests check).
    this.child.stdin?.on('error', () => undefined);
    if (opts.input !== undefined) this.child.stdin?.end(opts.input);
    else this.child.stdin?.end();
    const timer = setTimeout(() => this.#signal('SIGKILL'), PROCESS_TIMEOUT_MS);
    this.exited = new Promise((resolve, reject) => {
      this.child.once('error', reject);
      this.child.once('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  /** Resolves when stderr contains a match of `re`; rejects if the process exits first. */
  lineOnStderr(re: RegExp): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (re.test(this.stderr)) {
          this.child.stderr?.off('data', check);
          resolve();
        }
      };
      this.child.stderr?.on('data', check);
      check();
      void this.exited.then(() => {
        if (!re.test(this.stderr)) reject(new Error(`exited before ${re}; stderr:\n${this.stderr}`));
      });
    });
  }

  /** Signals the process group and waits until the process and its pipes are closed. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<RunResult> {
    this.#signal(signal);
    return this.exited;
  }

  #signal(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch (err) {
      // ESRCH: the whole group is gone already, which is what the caller wants.
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  }
}

/** Runs a command to completion. */
export function run(
  cmd: string,
  args: string[],
  opts: { input?: string | Buffer; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<RunResult> {
  return new Proc(cmd, args, opts).exited;
}
