// Shared harness of the integration tests: real hub processes (`launchpad --server`) on free
// loopback ports with throw-away data dirs, an HTTPS client that verifies against the data dir's
// CA, and the CLI run as a user runs it.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { freeBasePort } from './free-port.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'launchpad.mjs');
const BUILT_CLI = join(ROOT, 'dist', 'server', 'cli', 'main.js');
export const PACKAGE_VERSION = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

const START_TIMEOUT_MS = 20_000;
const LOGIN_LINE = /^ {2}Sign in {4}(https:\/\/\S+\/login\?token=\S+)$/m;

// ---------------------------------------------------------------------------------------------
// Lifecycle: what a test starts is killed and removed after it (after the last of a group of
// concurrent tests); what a beforeAll starts lives until the file ends.

interface Tracked {
  procs: Set<ChildProcess>;
  dirs: Set<string>;
}
const fileScope: Tracked = { procs: new Set(), dirs: new Set() };
const testScope: Tracked = { procs: new Set(), dirs: new Set() };
let runningTests = 0;
const scope = () => (runningTests > 0 ? testScope : fileScope);

async function release(t: Tracked): Promise<void> {
  const procs = [...t.procs];
  t.procs.clear();
  await Promise.all(
    procs.map(async (p) => {
      if (p.exitCode !== null || p.signalCode !== null) return;
      const gone = new Promise<void>((r) => p.once('exit', () => r()));
      p.kill('SIGKILL');
      await gone;
    }),
  );
  for (const d of t.dirs) rmSync(d, { recursive: true, force: true });
  t.dirs.clear();
}

/**
 * Call once at the top of every integration test file: checks that the hub is built, and kills
 * leftover hub processes and removes temp dirs after each test (and after the file).
 */
export function withHubHarness(): void {
  beforeAll(() => {
    if (!existsSync(BUILT_CLI)) throw new Error(`run npm run build first (${BUILT_CLI} is missing)`);
  });
  beforeEach(() => {
    runningTests += 1;
  });
  afterEach(async () => {
    runningTests -= 1;
    if (runningTests === 0) await release(testScope);
  });
  afterAll(async () => {
    await release(testScope);
    await release(fileScope);
  });
}

/** A fresh, empty temp dir (removed after the test, or after the file when made in a beforeAll). */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lp-'));
  scope().dirs.add(dir);
  return dir;
}

// ---------------------------------------------------------------------------------------------
// Ports

export { freeBasePort, freePort } from './free-port.js';

/** A TCP connection attempt to 127.0.0.1:`port`: 'connected', or the error code (e.g. ECONNREFUSED). */
export function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** TCP ports the process `pid` listens on (Linux /proc; null elsewhere). */
export function listeningPorts(pid: number): number[] | null {
  if (process.platform !== 'linux') return null;
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1]) inodes.add(m[1]);
    } catch {
      // The fd was closed while we listed them.
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // cols: sl local_address rem_address st tx:rx tr:tm retrnsmt uid timeout inode
      if (cols.length < 10 || cols[3] !== '0A' || !inodes.has(cols[9] ?? '')) continue;
      ports.add(Number.parseInt(cols[1]?.split(':')[1] ?? '', 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

// ---------------------------------------------------------------------------------------------
// Environment

/** This process's environment without any COCALC_* variable, plus `extra` (undefined: unset it). */
export function hubEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('COCALC_') && k !== 'LAUNCHPAD_LOG_LEVEL') env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
// Hub processes

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface HubProcess {
  port: number;
  dataDir: string;
  /** The sign-in URL printed in the banner. */
  loginUrl: string;
  /** The local CA (DATA/tls/ca.crt), for verifying the hub's certificate. */
  caPem: string;
  proc: ChildProcess;
  pid: number;
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  output(): { stdout: string; stderr: string };
  /** The pino JSON lines on stdout so far (the banner is not JSON). */
  logLines(): Record<string, unknown>[];
  /** Resolves with the first JSON log line (after stdout offset `since`) that `match` accepts. */
  waitForLog(
    match: (line: Record<string, unknown>) => boolean,
    since?: number,
  ): Promise<Record<string, unknown>>;
}

export interface StartOptions {
  /** Existing (or not yet existing) data dir; a fresh temp dir by default. */
  dataDir?: string;
  /** Base port; a free one by default. */
  port?: number;
  /** Extra environment (COCALC_BASE_PORT is set from `port`; undefined unsets a variable). */
  env?: Record<string, string | undefined>;
  /** The command that runs launchpad, before its arguments; `node bin/launchpad.mjs` by default. */
  command?: [string, ...string[]];
  /** Working directory; the repository root by default. */
  cwd?: string;
}

function jsonLines(text: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      out.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // A line still being written.
    }
  }
  return out;
}

/** A running `launchpad …` process with its output collected. */
interface Spawned {
  proc: ChildProcess;
  exited: Promise<Exit>;
  stdout(): string;
  stderr(): string;
  /** Calls `listener` after each stdout chunk until it returns true. */
  watch(listener: () => boolean): void;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  logLines(): Record<string, unknown>[];
  waitForLog(
    match: (line: Record<string, unknown>) => boolean,
    since?: number,
  ): Promise<Record<string, unknown>>;
}

function spawnLaunchpad(
  args: string[],
  env: NodeJS.ProcessEnv,
  command?: [string, ...string[]],
  cwd?: string,
): Spawned {
  const [file, ...pre] = command ?? [process.execPath, BIN];
  const proc = spawn(file, [...pre, ...args], { cwd: cwd ?? ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  scope().procs.add(proc);
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => boolean>();
  proc.stdout?.setEncoding('utf8');
  proc.stderr?.setEncoding('utf8');
  proc.stdout?.on('data', (chunk: string) => {
    stdout += chunk;
    for (const l of [...listeners]) if (l()) listeners.delete(l);
  });
  proc.stderr?.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<Exit>((resolve) => {
    proc.once('close', (code, signal) => resolve({ code, signal }));
  });
  const watch = (listener: () => boolean) => {
    if (!listener()) listeners.add(listener);
  };
  return {
    proc,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    watch,
    async stop(signal = 'SIGTERM') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return (await exited).code;
    },
    logLines: () => jsonLines(stdout),
    waitForLog: (match, since = 0) =>
      new Promise((resolve, reject) => {
        let done = false;
        watch(() => {
          const found = done ? undefined : jsonLines(stdout.slice(since)).find(match);
          if (found) {
            done = true;
            resolve(found);
          }
          return done;
        });
        void exited.then(() => {
          if (!done) {
            done = true;
            reject(new Error(`launchpad exited before the awaited log line:\n${stdout}\n${stderr}`));
          }
        });
      }),
  };
}

/** Resolves with the first match of `re` on stdout; rejects after `ms` or when the process exits first. */
function awaitLine(p: Spawned, re: RegExp, ms: number, what: string): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new Error(`${what} not printed in ${ms} ms\n${p.stdout()}\n${p.stderr()}`));
    }, ms);
    p.watch(() => {
      const m = done ? null : re.exec(p.stdout());
      if (m) {
        done = true;
        clearTimeout(timer);
        resolve(m);
      }
      return done;
    });
    void p.exited.then(({ code, signal }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(
        new Error(
          `launchpad exited (code ${code}, signal ${signal}) before ${what}:\n${p.stdout()}\n${p.stderr()}`,
        ),
      );
    });
  });
}

/** Spawns `launchpad --server` and resolves once it printed its sign-in URL; rejects (with stderr) if it exits first. */
export async function startHub(opts: StartOptions = {}): Promise<HubProcess> {
  const port = opts.port ?? (await freeBasePort());
  const dataDir = opts.dataDir ?? tempDir();
  const p = spawnLaunchpad(
    ['--server', '--data-dir', dataDir],
    hubEnv({ COCALC_BASE_PORT: String(port), ...opts.env }),
    opts.command,
    opts.cwd,
  );
  const loginUrl = (await awaitLine(p, LOGIN_LINE, START_TIMEOUT_MS, 'the sign-in URL'))[1] as string;
  return {
    port,
    dataDir,
    loginUrl,
    caPem: readFileSync(join(dataDir, 'tls', 'ca.crt'), 'utf8'),
    proc: p.proc,
    pid: p.proc.pid as number,
    exited: p.exited,
    stop: p.stop,
    output: () => ({ stdout: p.stdout(), stderr: p.stderr() }),
    logLines: p.logLines,
    waitForLog: p.waitForLog,
  };
}

// ---------------------------------------------------------------------------------------------
// Host agents

const JOINED_LINE = /^Joined hub (\S+) as host (\S+) \((.*)\); tunnel ports http (\d+), ssh (\d+)$/m;

export interface AgentProcess {
  dataDir: string;
  proc: ChildProcess;
  exited: Promise<Exit>;
  /** What the agent printed on joining; rejects when it exits first (e.g. a refused token). */
  joined: Promise<{ hub: string; hostId: string; name: string; ports: { http: number; ssh: number } }>;
  /** The host service port, from the agent's start-up log line. */
  servicePort(): Promise<number>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  output(): { stdout: string; stderr: string };
  logLines(): Record<string, unknown>[];
  waitForLog: HubProcess['waitForLog'];
}

export interface AgentOptions {
  /** A fresh temp dir by default; pass a joined host's dir (and no token) to run it again. */
  dataDir?: string;
  via?: 'https' | 'ssh';
  name?: string;
  /** 0 (a free one) by default, so agents and hubs can share the machine. */
  servicePort?: number;
  env?: Record<string, string | undefined>;
}

/**
 * Spawns a host agent: `launchpad --server --join <token>` on its own data dir, or, with a null
 * token, `launchpad --server` on a joined host's data dir. Resolves at once; await `joined`
 * (with a token) or a log line.
 */
export function startAgent(token: string | null, opts: AgentOptions = {}): AgentProcess {
  const dataDir = opts.dataDir ?? tempDir();
  const args = ['--server', '--data-dir', dataDir, '--service-port', String(opts.servicePort ?? 0)];
  if (token !== null) args.push('--join', token);
  if (opts.via) args.push('--via', opts.via);
  if (opts.name) args.push('--name', opts.name);
  const p = spawnLaunchpad(args, hubEnv(opts.env));
  const joined =
    token === null
      ? Promise.reject(new Error('no --join: this agent runs an already joined host'))
      : awaitLine(p, JOINED_LINE, START_TIMEOUT_MS, 'the "Joined hub" line').then((m) => ({
          hub: m[1] as string,
          hostId: m[2] as string,
          name: m[3] as string,
          ports: { http: Number(m[4]), ssh: Number(m[5]) },
        }));
  // Tests that expect a refusal never await `joined`.
  joined.catch(() => undefined);
  return {
    dataDir,
    proc: p.proc,
    exited: p.exited,
    joined,
    servicePort: async () => {
      const line = await p.waitForLog((l) => l.msg === 'host agent started');
      return line.servicePort as number;
    },
    stop: p.stop,
    output: () => ({ stdout: p.stdout(), stderr: p.stderr() }),
    logLines: p.logLines,
    waitForLog: p.waitForLog,
  };
}

// ---------------------------------------------------------------------------------------------
// CLI

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `launchpad ARGS` with a clean COCALC_* environment plus `env`, and resolves when it exits.
 * After `timeoutMs` it is killed (code null): a hub that should have refused to start.
 */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 15_000,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: hubEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    scope().procs.add(proc);
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    proc.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.once('error', reject);
    proc.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// HTTPS

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked with expect(), field by field
export type Json = any;

export interface FetchOptions {
  method?: string;
  /** An object is sent as JSON; a string or Buffer as is (content-type application/json unless given). */
  body?: unknown;
  /** A Cookie header value, e.g. `lp_session=…`. */
  cookie?: string;
  headers?: Record<string, string>;
  /** Trusted CA PEM; the hub's certificate is verified against it with the default hostname check. */
  ca?: string;
  /** Host name to connect to (and verify the certificate for); 127.0.0.1 by default. */
  host?: string;
  /** Source address (e.g. 127.0.0.2, to be another client IP). */
  localAddress?: string;
}

export interface FetchResult {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** The body's bytes (downloads). */
  body: Buffer;
  /** The parsed body, or undefined when it is not JSON. */
  json: Json;
  /** SHA-256 fingerprint of the certificate the server presented. */
  peerFingerprint: string;
}

/** One HTTPS request to the hub on `port`, verified against `ca`, on a fresh connection. */
export function hubFetch(port: number, path: string, opts: FetchOptions = {}): Promise<FetchResult> {
  let payload: Buffer | undefined;
  const headers: Record<string, string | number> = {};
  if (opts.body !== undefined) {
    payload =
      typeof opts.body === 'string' || Buffer.isBuffer(opts.body)
        ? Buffer.from(opts.body)
        : Buffer.from(JSON.stringify(opts.body));
    headers['content-type'] = 'application/json';
    headers['content-length'] = payload.length;
  }
  if (opts.cookie) headers.cookie = opts.cookie;
  for (const [k, v] of Object.entries(opts.headers ?? {})) headers[k.toLowerCase()] = v;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: opts.host ?? '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        headers,
        agent: false,
        ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
        ...(opts.localAddress !== undefined ? { localAddress: opts.localAddress } : {}),
        timeout: 10_000,
      },
      (res) => {
        const peerFingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          let json: Json;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body, json, peerFingerprint });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from port ${port} in 10 s`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Path and query of a URL (the sign-in URL may name the LAN address; tests call 127.0.0.1). */
export function pathOf(url: string): string {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}

/** The login token carried by a sign-in URL. */
export function tokenOf(url: string): string {
  const token = new URL(url).searchParams.get('token');
  if (!token) throw new Error(`no token in ${url}`);
  return token;
}

/** The `lp_session=…` pair from a response's Set-Cookie, or undefined. */
export function sessionCookieOf(res: FetchResult): string | undefined {
  for (const c of res.headers['set-cookie'] ?? []) {
    const m = /^(lp_session=[^;]*)/.exec(c);
    if (m?.[1]) return m[1];
  }
  return undefined;
}

/** Opens `loginUrl` as a browser would and returns the session cookie (`lp_session=…`). */
export async function signIn(hub: Pick<HubProcess, 'port' | 'caPem'>, loginUrl: string): Promise<string> {
  const res = await hubFetch(hub.port, pathOf(loginUrl), { ca: hub.caPem });
  const cookie = sessionCookieOf(res);
  if (res.status !== 302 || !cookie) throw new Error(`sign-in failed: ${res.status} ${res.text}`);
  return cookie;
}

// ---------------------------------------------------------------------------------------------
// Files

/** sha256 of a file's bytes, hex. */
export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/**
 * Every entry under `dir` as `relative path -> type, mode and sha256`, to compare a data dir
 * before and after something that must not change it. Null when `dir` does not exist.
 */
export function snapshotDir(dir: string): Record<string, string> | null {
  if (!existsSync(dir)) return null;
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      const mode = (st.mode & 0o7777).toString(8);
      const rel = relative(dir, p);
      if (st.isDirectory()) {
        out[`${rel}/`] = `dir ${mode}`;
        walk(p);
      } else if (st.isFile()) {
        out[rel] = `file ${mode} ${st.size} ${sha256File(p)}`;
      } else {
        out[rel] = `other ${mode}`;
      }
    }
  };
  out['./'] = `dir ${(lstatSync(dir).mode & 0o7777).toString(8)}`;
  walk(dir);
  return out;
}

/**
 * Polls `probe` until it returns something other than undefined and resolves with that; a probe
 * that throws is retried (its last error goes into the timeout message).
 */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  deadlineMs = 30_000,
): Promise<T> {
  const t0 = Date.now();
  let last: unknown;
  while (Date.now() - t0 < deadlineMs) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
      last = undefined;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what}: not within ${deadlineMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
}
