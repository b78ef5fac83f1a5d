// `npm start` on a machine without the Electron binary (like this one): build/start.mjs says so
// in one line, then runs the headless hub, which prints its sign-in URL and stops cleanly on
// SIGTERM. Runs the built code (the test command builds first).
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freeBasePort, hubEnv, ROOT } from '../../test/support/hub-process.js';
import { findElectronBinary } from './electron-binary.js';

const START = join(ROOT, 'build', 'start.mjs');
const SIGN_IN = /^ {2}Sign in {4}(https:\/\/127\.0\.0\.1:(\d+)\/login\?token=\S+)$/m;
/** The hub's test environment, without a developer's Electron override (this test is about its absence). */
function startEnv(port: number): NodeJS.ProcessEnv {
  const env = hubEnv({ COCALC_BASE_PORT: String(port) });
  delete env.ELECTRON_OVERRIDE_DIST_PATH;
  return env;
}
const electron = findElectronBinary(ROOT, startEnv(0));

let proc: ChildProcess | undefined;
let dataDir: string | undefined;
afterEach(() => {
  if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe.skipIf(electron.present)('npm start without the Electron binary', () => {
  beforeAll(() => {
    const built = join(ROOT, 'dist', 'server', 'desktop', 'electron-binary.js');
    if (!existsSync(built)) throw new Error(`run npm run build first (${built} is missing)`);
  });

  it('says so in one line, runs the headless hub, and stops cleanly on SIGTERM', async () => {
    const port = await freeBasePort();
    dataDir = mkdtempSync(join(tmpdir(), 'lp-start-'));
    const child = spawn(process.execPath, [START, '--data-dir', dataDir], {
      cwd: ROOT,
      env: startEnv(port),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc = child;
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr?.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('close', (code, signal) => resolve({ code, signal })),
    );

    await expect
      .poll(() => SIGN_IN.test(stdout) || child.exitCode !== null, { timeout: 20_000, interval: 100 })
      .toBe(true);
    const [first, ...rest] = stdout.split('\n');
    expect(first).toMatch(
      /^launchpad: the Electron binary is not installed \(.*\), so running the headless hub instead \(when online, run `node node_modules\/electron\/install\.js` to download it\)\.$/,
    );
    // Exactly one line about Electron, and it comes before anything the hub prints.
    expect(rest.join('\n')).not.toMatch(/electron/i);
    const signIn = SIGN_IN.exec(stdout);
    expect(signIn, `${stdout}\n${stderr}`).not.toBeNull();
    expect(Number(signIn?.[2])).toBe(port);
    expect(stdout).toContain(`Data dir   ${dataDir}`);

    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(existsSync(join(dataDir, 'launchpad.lock'))).toBe(false);
  });
});
