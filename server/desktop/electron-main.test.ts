// The bundled Electron main process (dist/electron/main.js), run under Node with a fake
// `electron` module (testing/fake-electron.mjs): the Electron binary cannot run here, but the
// wiring of electron/ to the hub and to server/desktop can. The fake records what the app
// does and plays Chromium and the user (certificate checks, IPC calls, tray clicks).
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freeBasePort, hubEnv, hubFetch, ROOT, signIn } from '../../test/support/hub-process.js';
import { IPC_CHANNELS } from './ipc-channels.js';

const MAIN = join(ROOT, 'dist', 'electron', 'main.js');
const REGISTER = fileURLToPath(new URL('./testing/register.mjs', import.meta.url));
const PREFIX = 'FAKE_ELECTRON ';
const WAIT_MS = 20_000;

type FakeEvent = { type: string; [k: string]: unknown };

/** The app under the fake: its event log, and commands answered by id. */
class FakeElectronApp {
  readonly events: FakeEvent[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;
  private readonly waiters = new Set<() => void>();
  private nextId = 1;

  constructor(readonly proc: ChildProcess) {
    let buffered = '';
    proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith(PREFIX)) this.events.push(JSON.parse(line.slice(PREFIX.length)) as FakeEvent);
      }
      for (const w of [...this.waiters]) w();
    });
    proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    this.exited = new Promise((resolve) => proc.once('close', (code) => resolve(code)));
  }

  /** The first event from index `since` on that `match` accepts. */
  waitFor(match: (e: FakeEvent) => boolean, since = 0): Promise<FakeEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.slice(since).find(match);
        if (!found) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        const recent = this.events.slice(-8).map((e) => JSON.stringify(e).slice(0, 200));
        reject(
          new Error(`no matching event in ${WAIT_MS} ms; last events:\n${recent.join('\n')}\n${this.stderr}`),
        );
      }, WAIT_MS);
      this.waiters.add(check);
      check();
    });
  }

  async command(
    cmd: string,
    args: Record<string, unknown> = {},
  ): Promise<{ result?: unknown; error?: string }> {
    const id = this.nextId++;
    this.proc.stdin?.write(`${JSON.stringify({ id, cmd, ...args })}\n`);
    const reply = await this.waitFor((e) => e.type === 'reply' && e.id === id);
    return 'error' in reply ? { error: String(reply.error) } : { result: reply.result };
  }

  last(type: string): FakeEvent | undefined {
    return this.events.filter((e) => e.type === type).at(-1);
  }
}

let tempRoot: string;
let dataDir: string;
let profileDir: string;
let port: number;
let hubOrigin: string;
let app: FakeElectronApp;

function electronFingerprint(pem: string): string {
  return `sha256/${createHash('sha256').update(new X509Certificate(pem).raw).digest('base64')}`;
}

function loads(since = 0) {
  return app.waitFor(
    (e) => e.type === 'load' && String(e.url).startsWith(`${hubOrigin}/login?token=`),
    since,
  );
}

function trayLabels(): string[] {
  return ((app.last('tray')?.items ?? []) as { label?: string }[]).map((i) => i.label ?? '');
}

/** Runs dist/electron/main.js under the fake, with its hub on `basePort` and its files under `root`. */
function launch(root: string, basePort: number): FakeElectronApp {
  const proc = spawn(process.execPath, ['--import', REGISTER, MAIN], {
    cwd: ROOT,
    env: hubEnv({
      COCALC_BASE_PORT: String(basePort),
      COCALC_DATA_DIR: join(root, 'data'),
      LAUNCHPAD_USER_DATA_DIR: join(root, 'profile'),
      XDG_CONFIG_HOME: join(root, 'xdg-config'),
    }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return new FakeElectronApp(proc);
}

async function ended(running: FakeElectronApp | undefined): Promise<void> {
  if (!running) return;
  if (running.proc.exitCode === null && running.proc.signalCode === null) running.proc.kill('SIGKILL');
  await running.exited;
}

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`run npm run build first (${MAIN} is missing)`);
  tempRoot = mkdtempSync(join(tmpdir(), 'lp-electron-main-'));
});
afterAll(() => rmSync(tempRoot, { recursive: true, force: true }));

describe('Electron main process (under a fake electron module)', () => {
  beforeAll(async () => {
    const root = join(tempRoot, 'app');
    dataDir = join(root, 'data');
    profileDir = join(root, 'profile');
    port = await freeBasePort();
    hubOrigin = `https://127.0.0.1:${port}`;
    app = launch(root, port);
  });
  afterAll(() => ended(app));

  it('opens a sandboxed window and signs it in with a one-time login URL on 127.0.0.1', async () => {
    const load = await loads();
    const win = app.events.find((e) => e.type === 'window');
    expect(win?.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    });
    expect(String(win?.preload)).toBe(join(ROOT, 'dist', 'electron', 'preload.cjs'));
    expect(win?.preloadExists).toBe(true);
    expect(win?.iconExists).toBe(true);
    expect(app.events.some((e) => e.type === 'enable-sandbox')).toBe(true);

    // The URL the window loads really signs in (once).
    const caPem = readFileSync(join(dataDir, 'tls', 'ca.crt'), 'utf8');
    const cookie = await signIn({ port, caPem }, String(load.url));
    expect(cookie).toMatch(/^lp_session=/);
    const status = await hubFetch(port, '/api/status', { ca: caPem, cookie });
    expect(status.json.signedIn).toBe(true);
  });

  it('pins the hub’s leaf certificate for its origin only', async () => {
    const leafPem = readFileSync(join(dataDir, 'tls', 'leaf.crt'), 'utf8');
    const caPem = readFileSync(join(dataDir, 'tls', 'ca.crt'), 'utf8');
    const verify = (hostname: string, pem: string) =>
      app.command('verify', { hostname, fingerprint: electronFingerprint(pem) });
    expect(await verify('127.0.0.1', leafPem)).toEqual({ result: 0 });
    expect(await verify('127.0.0.1', caPem)).toEqual({ result: -2 });
    expect(await verify('example.com', caPem)).toEqual({ result: -3 });
    expect(await verify('localhost', leafPem)).toEqual({ result: -3 });
    expect(
      await app.command('permission', { permission: 'clipboard-sanitized-write', url: hubOrigin }),
    ).toEqual({
      result: true,
    });
    expect(await app.command('permission', { permission: 'media', url: hubOrigin })).toEqual({
      result: false,
    });
  });

  it('shows the running hub in the tray, with icons that exist', async () => {
    await app.waitFor((e) => e.type === 'tray' && String(e.icon).endsWith('tray-ready.png'));
    const tray = app.last('tray');
    expect(tray?.iconExists).toBe(true);
    expect(trayLabels()).toEqual([
      'Hub running: Plus',
      'Health: Ready',
      'No LAN URL (this hub is reachable on this computer only)',
      '',
      'Open dashboard',
      'Stop hub',
      'Open data folder',
      '',
      'Start at login',
      'Quit Launchpad',
    ]);
  });

  it('serves one IPC channel per bridge function, checking sender and arguments', async () => {
    expect(await app.command('channels')).toEqual({ result: Object.values(IPC_CHANNELS).sort() });
    const ipc = (channel: string, senderUrl: string | null, args: unknown[]) =>
      app.command('ipc', { channel, senderUrl, args });

    expect(await ipc(IPC_CHANNELS.copyText, `${hubOrigin}/`, ['hello'])).toEqual({ result: null });
    expect(app.last('clipboard')).toEqual({ type: 'clipboard', text: 'hello' });
    expect((await ipc(IPC_CHANNELS.copyText, 'https://evil.example/', ['x'])).error).toMatch(
      /refused for a frame outside the hub/,
    );
    expect((await ipc(IPC_CHANNELS.copyText, null, ['x'])).error).toMatch(/refused/);
    expect((await ipc(IPC_CHANNELS.copyText, `${hubOrigin}/`, [42])).error).toMatch(/invalid arguments/);
    expect((await ipc(IPC_CHANNELS.setDataDir, `${hubOrigin}/`, ['relative'])).error).toMatch(
      /invalid arguments/,
    );

    expect(await ipc(IPC_CHANNELS.openDataFolder, `${hubOrigin}/`, [])).toEqual({ result: null });
    expect(app.last('open-path')?.path).toBe(dataDir);
    expect(await ipc(IPC_CHANNELS.revealLogs, `${hubOrigin}/`, [])).toEqual({ result: null });
    expect(app.last('open-path')?.path).toBe(join(dataDir, 'logs'));
  });

  it('keeps navigation on the hub; vetted links go to the browser', async () => {
    expect(await app.command('navigate', { url: `${hubOrigin}/settings` })).toEqual({ result: 'allowed' });
    expect(await app.command('navigate', { url: 'https://evil.example/' })).toEqual({ result: 'prevented' });
    expect(await app.command('navigate', { url: 'https://github.com/sagemathinc' })).toEqual({
      result: 'prevented',
    });
    expect(app.last('open-external')?.url).toBe('https://github.com/sagemathinc');
    expect(await app.command('redirect', { url: 'https://evil.example/' })).toEqual({ result: 'prevented' });
    expect(await app.command('window-open', { url: 'https://evil.example/' })).toEqual({ result: 'deny' });
    expect(app.last('open-external')?.url).toBe('https://github.com/sagemathinc');
  });

  it('closing the window hides it; the hub keeps running', async () => {
    expect(await app.command('close-window')).toEqual({ result: [false] });
    const caPem = readFileSync(join(dataDir, 'tls', 'ca.crt'), 'utf8');
    expect((await hubFetch(port, '/api/status', { ca: caPem })).status).toBe(200);
    // A second launch brings it back.
    await app.command('second-instance');
    expect(app.last('window-visible')).toEqual({ type: 'window-visible', visible: true });
  });

  it('Stop hub and Start hub from the tray; the window is signed in again on the new hub', async () => {
    await app.command('tray-click', { item: 'stop-hub' });
    await app.waitFor((e) => e.type === 'tray' && String(e.icon).endsWith('tray-stopped.png'));
    await app.waitFor(() => trayLabels()[0] === 'Hub stopped');
    const since = app.events.length;
    await app.command('tray-click', { item: 'start-hub' });
    await loads(since);
    await app.waitFor(() => trayLabels()[0] === 'Hub running: Plus');
  });

  it('restartHub from the page restarts the hub and signs the window in again', async () => {
    const since = app.events.length;
    expect(
      await app.command('ipc', { channel: IPC_CHANNELS.restartHub, senderUrl: `${hubOrigin}/`, args: [] }),
    ).toEqual({ result: null });
    await loads(since);
  });

  it('Start at login writes the autostart entry and remembers the choice', async () => {
    await app.command('tray-click', { item: 'start-at-login', checked: true });
    const entry = readFileSync(join(tempRoot, 'app', 'xdg-config', 'autostart', 'launchpad.desktop'), 'utf8');
    expect(entry).toContain(`Exec=${process.execPath} ${resolve(ROOT)} --hidden`);
    expect(JSON.parse(readFileSync(join(profileDir, 'desktop-settings.json'), 'utf8'))).toMatchObject({
      startAtLogin: true,
    });
    await app.waitFor(
      () =>
        ((app.last('tray')?.items ?? []) as { id?: string; checked?: boolean }[]).find(
          (i) => i.id === 'start-at-login',
        )?.checked === true,
    );
  });

  it('quits on SIGTERM: the hub stops (lock released), window bounds are saved', async () => {
    app.proc.kill('SIGTERM');
    expect(await app.exited).toBe(0);
    expect(existsSync(join(dataDir, 'launchpad.lock'))).toBe(false);
    expect(JSON.parse(readFileSync(join(profileDir, 'window-state.json'), 'utf8'))).toMatchObject({
      maximized: false,
    });
  });
});

describe('Electron main process when the hub cannot start', () => {
  let failing: FakeElectronApp;
  let blocker: Server;

  beforeAll(async () => {
    const base = await freeBasePort();
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(base, '127.0.0.1', resolve));
    failing = launch(join(tempRoot, 'failing'), base);
  });
  afterAll(async () => {
    await ended(failing);
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  });

  it('shows the hub’s message in a dialog and the error in the tray, and opens no window', async () => {
    const shown = await failing.waitFor((e) => e.type === 'dialog');
    expect(shown.title).toBe('Launchpad cannot start its hub');
    expect(String(shown.detail)).toMatch(/^COCALC_BASE_PORT: port \d+ \(HTTPS\) is already in use/);
    const tray = await failing.waitFor((e) => e.type === 'tray' && String(e.icon).endsWith('tray-error.png'));
    expect((tray.items as { label: string }[])[0]?.label).toMatch(/^Hub error: COCALC_BASE_PORT: port/);
    expect(failing.events.some((e) => e.type === 'window')).toBe(false);
  });

  it('still quits cleanly', async () => {
    failing.proc.kill('SIGTERM');
    expect(await failing.exited).toBe(0);
  });
});

describe('the bundled preload', () => {
  it('exposes window.launchpad with one function per channel, and nothing else', async () => {
    const source = readFileSync(join(ROOT, 'dist', 'electron', 'preload.cjs'), 'utf8');
    const exposed: Record<string, unknown> = {};
    const invoked: unknown[][] = [];
    const fakeElectron = {
      contextBridge: {
        exposeInMainWorld: (key: string, api: unknown) => {
          exposed[key] = api;
        },
      },
      ipcRenderer: {
        invoke: (...args: unknown[]) => {
          invoked.push(args);
          return Promise.resolve('ignored');
        },
      },
    };
    const required: string[] = [];
    const fakeRequire = (id: string) => {
      required.push(id);
      if (id !== 'electron') throw new Error(`a sandboxed preload cannot require ${id}`);
      return fakeElectron;
    };
    new Function('require', 'module', 'exports', source)(fakeRequire, { exports: {} }, {});
    expect(required).toEqual(['electron']);
    expect(Object.keys(exposed)).toEqual(['launchpad']);
    const bridge = exposed.launchpad as Record<string, (...a: unknown[]) => Promise<unknown>>;
    expect(Object.keys(bridge).sort()).toEqual([
      'copyText',
      'openDataFolder',
      'restartHub',
      'revealLogs',
      'setDataDir',
    ]);

    expect(await bridge.copyText?.('text')).toBeUndefined();
    await bridge.restartHub?.();
    await bridge.openDataFolder?.();
    await bridge.revealLogs?.();
    await bridge.setDataDir?.('/d');
    expect(invoked).toEqual([
      [IPC_CHANNELS.copyText, 'text'],
      [IPC_CHANNELS.restartHub],
      [IPC_CHANNELS.openDataFolder],
      [IPC_CHANNELS.revealLogs],
      [IPC_CHANNELS.setDataDir, '/d'],
    ]);
  });
});
