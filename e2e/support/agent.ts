// Starts a host agent (`launchpad --server --join <token>`) as a separate process on its own
// temp data dir, as an admin would on another machine, and stops it with SIGTERM.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, exited } from './hub.js';
import { BIN, ROOT } from './paths.js';

const STOP_TIMEOUT_MS = 10_000;

export interface Agent {
  dataDir: string;
  /** Everything the agent printed so far (for assertions and failure messages). */
  output(): string;
  /** The exit code once the process ends within `ms` (null when a signal ended it); throws if it runs on. */
  exitWithin(ms: number): Promise<number | null>;
  /** Ends it (SIGTERM, then SIGKILL) if it still runs, and removes its data dir. */
  stop(): Promise<void>;
  /** Ends it at once, as a crash or a pulled plug would; the hub only notices the silence. */
  kill(): Promise<void>;
}

export function startAgent(token: string): Agent {
  const dataDir = mkdtempSync(join(tmpdir(), 'lp-e2e-agent-'));
  // A free service port (0): several agents, and the hub's own host, can share this machine.
  const proc = spawn(
    process.execPath,
    [BIN, '--server', '--join', token, '--data-dir', dataDir, '--service-port', '0'],
    { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const collect = (s: string) => {
    out += s;
  };
  proc.stdout?.setEncoding('utf8').on('data', collect);
  proc.stderr?.setEncoding('utf8').on('data', collect);
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));

  const end = async (signal: NodeJS.Signals) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited(proc);
    clearTimeout(timer);
  };

  return {
    dataDir,
    output: () => out,
    exitWithin: async (ms) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`agent still runs after ${ms} ms:\n${out}`)), ms);
      });
      try {
        return await Promise.race([exit, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    kill: () => end('SIGKILL'),
    stop: async () => {
      await end('SIGTERM');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
