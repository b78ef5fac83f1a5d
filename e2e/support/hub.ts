// Starts a real headless hub (`launchpad --server`) on a temp data dir and a free port, as a
// user would, and stops it with SIGTERM.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeBasePort } from '../../test/support/free-port.js';
import { BIN, ROOT } from './paths.js';

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 10_000;
const LOGIN_LINE = /^ {2}Sign in {4}(https:\/\/\S+\/login\?token=\S+)$/m;

export interface Hub {
  /** https://127.0.0.1:<port> */
  url: string;
  port: number;
  dataDir: string;
  /** The one-time sign-in URL from the banner. */
  loginUrl: string;
  /** Everything the hub printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

export { freeBasePort };

/**
 * The environment without COCALC_* so the developer's own settings cannot leak into a test
 * process, plus `extra`.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('COCALC_')) env[k] = v;
  return { ...env, ...extra };
}

export function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => proc.once('exit', () => resolve()));
}

/** A Launchpad local-network hub that hosts on this machine reach at 127.0.0.1. */
export const LAUNCHPAD_LOCAL_ENV: Readonly<Record<string, string>> = {
  COCALC_PRODUCT: 'launchpad',
  COCALC_DEPLOYMENT_MODE: 'local',
  COCALC_PUBLIC_HOST: '127.0.0.1',
};

export interface HubOptions {
  /** COCALC_* variables for the hub's first start (product, mode, …); the base port is set here. */
  env?: Readonly<Record<string, string>>;
}

export async function startHub(opts: HubOptions = {}): Promise<Hub> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lp-e2e-'));
  const port = await freeBasePort();
  const proc = spawn(process.execPath, [BIN, '--server', '--data-dir', dataDir], {
    cwd: ROOT,
    env: cleanEnv({ ...opts.env, COCALC_BASE_PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });
  proc.stderr?.setEncoding('utf8').on('data', (s: string) => {
    out += s;
  });

  const cleanup = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited(proc);
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const loginUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`hub did not print a sign-in URL within ${START_TIMEOUT_MS} ms:\n${out}`));
    }, START_TIMEOUT_MS);
    const check = () => {
      const m = LOGIN_LINE.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout?.on('data', check);
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`hub exited (${code ?? signal}) before it was ready:\n${out}`));
    });
  }).catch(async (err: unknown) => {
    await cleanup();
    throw err;
  });

  return {
    url: `https://127.0.0.1:${port}`,
    port,
    dataDir,
    loginUrl,
    output: () => out,
    stop: async () => {
      await cleanup();
      if (proc.exitCode !== 0)
        throw new Error(`hub exited with ${proc.exitCode ?? proc.signalCode}:\n${out}`);
    },
  };
}
