// Electron main process: wires Electron objects to the hub (server/hub) and to the desktop
// shell's decisions (server/desktop). Kept thin on purpose: anything worth a test lives in
// server/desktop and is tested in Node.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, type BrowserWindow, clipboard, dialog, session, shell } from 'electron';
import {
  applyLinuxAutostart,
  DEFAULT_EXTERNAL_HOSTS,
  DESKTOP_PROBE_KEY,
  DESKTOP_SETTINGS_FILE,
  type DesktopBridge,
  type DesktopProbe,
  type DesktopSettings,
  HubSupervisor,
  linuxAutostartEntry,
  linuxAutostartPath,
  loadDesktopSettings,
  type NavigationPolicy,
  type PinnedHub,
  type StartProblem,
  saveDesktopSettings,
  type TrayModel,
  trayMenu,
} from '../server/desktop/index.js';
import { dataDirLayout, type RunningHub, resolveDataDir, startHub } from '../server/hub/index.js';
import { serveBridge } from './ipc.js';
import { pinHub } from './pinning.js';
import { createTray, type LaunchpadTray, type TrayHandlers } from './tray.js';
import { createMainWindow } from './window.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** Started by "start at login": bring the hub up in the tray without opening the window. */
const HIDDEN_FLAG = '--hidden';
/** `.invalid` never resolves (RFC 2606): with no hub pinned yet, no URL counts as the hub. */
const NO_HUB_ORIGIN = 'https://no-hub.invalid';

// Every renderer sandboxed, whatever a window's own options say.
app.enableSandbox();
// A separate profile for the e2e tests (and for a second desktop side by side). It must be
// set before the single-instance lock, which is held per profile.
if (process.env.LAUNCHPAD_USER_DATA_DIR) app.setPath('userData', process.env.LAUNCHPAD_USER_DATA_DIR);

if (!app.requestSingleInstanceLock()) {
  // Another Launchpad window is running: it was told (second-instance) and shows itself.
  app.quit();
} else {
  app
    .whenReady()
    .then(runDesktop)
    .catch((err: unknown) => {
      dialog.showErrorBox('Launchpad', `Launchpad could not start: ${(err as Error)?.stack ?? String(err)}`);
      app.exit(1);
    });
}

async function runDesktop(): Promise<void> {
  app.setAppUserModelId('org.cocalc.launchpad');
  const appRoot = app.getAppPath();
  const iconDir = join(appRoot, 'resources', 'icons');
  const userData = app.getPath('userData');

  const loaded = loadDesktopSettings(userData);
  let settings: DesktopSettings = loaded.settings;
  if (loaded.problem) console.warn(`launchpad: ${join(userData, DESKTOP_SETTINGS_FILE)}: ${loaded.problem}`);
  const dataDirFlag = settings.dataDir ?? undefined;
  const dataDir = resolveDataDir(process.env, dataDirFlag).dataDir;
  const logsDir = dataDirLayout(dataDir).logs;

  const supervisor = new HubSupervisor<RunningHub>(
    () =>
      startHub({
        // Env only fills settings the data dir has not stored: the wizard's choices for a new one.
        env: { ...process.env, ...(settings.firstStartEnv ?? {}) },
        dataDir: dataDirFlag,
        rendererDir: join(appRoot, 'dist', 'renderer'),
      }),
    logsDir,
  );
  let pinned: PinnedHub | null = null;
  let shownHub: RunningHub | null = null;
  let win: BrowserWindow | null = null;
  let tray: LaunchpadTray | null = null;
  let quitting = false;

  const report = (message: string, err?: unknown) => {
    const hub = supervisor.hub;
    if (hub) hub.logger.error({ err }, message);
    else console.error(`launchpad: ${message}`, err ?? '');
  };
  const showProblem = (problem: StartProblem) => {
    dialog
      .showMessageBox({
        type: 'error',
        title: problem.title,
        message: problem.title,
        detail: problem.message,
      })
      .catch((err: unknown) => report('cannot show the error dialog', err));
  };
  const policy = (): NavigationPolicy => ({
    hubOrigin: pinned?.origin ?? NO_HUB_ORIGIN,
    externalHosts: DEFAULT_EXTERNAL_HOSTS,
    externalOrigins: supervisor.hub?.urls.lan ? [supervisor.hub.urls.lan] : [],
  });

  /** Loads a fresh sign-in URL of `hub` into the window (creating it if needed): no login page in the desktop. */
  const signInWindow = (hub: RunningHub) => {
    if (win === null || win.isDestroyed()) {
      const created = createMainWindow({
        preload: join(HERE, 'preload.cjs'),
        icon: join(iconDir, 'icon.png'),
        stateDir: userData,
        policy,
        hideOnClose: () => settings.closeToTray && !quitting,
        onError: report,
      });
      created.on('closed', () => {
        win = null;
      });
      win = created;
    }
    win
      .loadURL(hub.createLoginUrl('loopback'))
      .catch((err: unknown) => report('cannot load the dashboard', err));
  };
  const showDashboard = () => {
    const hub = supervisor.hub;
    if (hub === null) {
      if (supervisor.state.phase === 'error') showProblem(supervisor.state.problem);
      return;
    }
    if (win === null || win.isDestroyed()) {
      signInWindow(hub);
      return;
    }
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };
  const openFolder = async (path: string) => {
    // shell.openPath resolves with an error message ('' on success) instead of rejecting.
    const problem = await shell.openPath(path);
    if (problem !== '') throw new Error(`cannot open ${path}: ${problem}`);
  };
  const updateSettings = (patch: Partial<DesktopSettings>) => {
    settings = { ...settings, ...patch };
    saveDesktopSettings(userData, settings);
  };
  const applyStartAtLogin = (enabled: boolean) => {
    if (process.platform === 'linux') {
      // A dev checkout runs `electron <app dir>`; a packaged app is its own executable.
      const args = [...(app.isPackaged ? [] : [appRoot]), HIDDEN_FLAG];
      const entry = linuxAutostartEntry({ execPath: process.execPath, args, env: process.env });
      applyLinuxAutostart(enabled, linuxAutostartPath(), entry);
    } else {
      app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] });
    }
  };

  const hostCounts = () => {
    if (shownHub === null || shownHub.config.product === 'plus') return undefined;
    const joined = shownHub.hosts().hosts.filter((h) => !h.thisMachine);
    const online = joined.filter((h) => h.state === 'online').length;
    return { online, offline: joined.length - online };
  };
  const model = (): TrayModel =>
    trayMenu({
      hub: supervisor.snapshot(),
      startAtLogin: settings.startAtLogin,
      hosts: hostCounts(),
      health: shownHub?.health(),
    });
  let lastModel = model();
  const refreshTray = () => {
    lastModel = model();
    tray?.update(lastModel);
  };

  const handlers: TrayHandlers = {
    'copy-lan-url': () => {
      if (lastModel.lanUrl) clipboard.writeText(lastModel.lanUrl);
    },
    'open-dashboard': showDashboard,
    'start-hub': () => {
      supervisor
        .start()
        .then((hub) => hub && showDashboard())
        .catch((err: unknown) => report('starting the hub failed', err));
    },
    'stop-hub': () => {
      // The dashboard is dead without its hub; Open dashboard comes back with Start hub.
      win?.hide();
      supervisor.stop().catch((err: unknown) => report('stopping the hub failed', err));
    },
    'open-data-folder': () => {
      openFolder(dataDir).catch((err: unknown) => report('open data folder', err));
    },
    'start-at-login': (checked) => {
      try {
        applyStartAtLogin(checked);
        updateSettings({ startAtLogin: checked });
      } catch (err) {
        report('cannot change start at login', err);
      }
      refreshTray();
    },
    quit: () => app.quit(),
  };

  supervisor.onChange(() => {
    const state = supervisor.state;
    const hub = supervisor.hub;
    if (hub !== null && hub !== shownHub) {
      // A new hub (first start, Start hub, restart): pin its certificate, and sign an open
      // window in again, since the port, the certificate or the data may have changed.
      shownHub = hub;
      hub.onHostsChange(refreshTray);
      hub.onHealthChange(refreshTray);
      pinned = { origin: hub.urls.loopback, leafFingerprint: hub.tls.leafFingerprint };
      if (win !== null && !win.isDestroyed()) signInWindow(hub);
    }
    if (state.phase === 'error') showProblem(state.problem);
    refreshTray();
  });

  const bridge: DesktopBridge = {
    restartHub: async () => {
      const hub = await supervisor.restart();
      const state = supervisor.state;
      if (hub === null)
        throw new Error(state.phase === 'error' ? state.problem.message : 'the hub did not start');
    },
    copyText: async (text) => clipboard.writeText(text),
    openDataFolder: () => openFolder(dataDir),
    revealLogs: () => openFolder(logsDir),
    setDataDir: async (dir, firstStartEnv) => {
      updateSettings({ dataDir: dir, firstStartEnv: firstStartEnv ?? null });
      // An AppImage must be relaunched through its file: the mounted executable goes away on exit.
      app.relaunch(
        process.env.APPIMAGE ? { execPath: process.env.APPIMAGE, args: process.argv.slice(1) } : undefined,
      );
      app.quit();
    },
  };
  serveBridge(
    bridge,
    () => pinned?.origin ?? null,
    (reason) => report(`desktop bridge: ${reason}`),
  );
  pinHub(session.defaultSession, () => pinned);

  let hubReleased = false;
  app.on('before-quit', (event) => {
    quitting = true;
    if (hubReleased) return;
    // Stop the hub first (db closed, lock released, log flushed), then quit for real.
    event.preventDefault();
    supervisor
      .stop()
      .catch((err: unknown) => report('stopping the hub failed', err))
      .finally(() => {
        hubReleased = true;
        tray?.destroy();
        app.quit();
      });
  });
  app.on('window-all-closed', () => {
    if (!settings.closeToTray) app.quit();
  });
  app.on('second-instance', showDashboard);
  app.on('activate', showDashboard);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());

  const probe: DesktopProbe = { trayModel: () => lastModel, pinnedHub: () => pinned };
  (globalThis as Record<string, unknown>)[DESKTOP_PROBE_KEY] = probe;

  if (settings.startAtLogin) {
    // Keeps the login entry pointing at this executable (an AppImage may have moved).
    try {
      applyStartAtLogin(true);
    } catch (err) {
      report('cannot renew the start-at-login entry', err);
    }
  }
  tray = createTray(iconDir, lastModel, handlers);
  const hub = await supervisor.start();
  // macOS login items cannot pass arguments; it tells us instead.
  const startHidden =
    process.argv.includes(HIDDEN_FLAG) ||
    (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin);
  if (hub !== null && !startHidden) signInWindow(hub);
}
