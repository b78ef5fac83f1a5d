import { BrowserWindow, screen, shell } from 'electron';
import {
  decideNavigation,
  loadWindowState,
  MIN_WINDOW_SIZE,
  type NavigationPolicy,
  restoreWindowState,
  saveWindowState,
} from '../server/desktop/index.js';

export interface MainWindowOptions {
  preload: string;
  icon: string;
  /** Where window-state.json lives (Electron's userData). */
  stateDir: string;
  /** Read on every navigation: the hub's origin can change with a restart. */
  policy: () => NavigationPolicy;
  /** True when closing should only hide the window (the hub keeps running in the tray). */
  hideOnClose: () => boolean;
  onError: (message: string, err: unknown) => void;
}

/** Opens `url` in the system browser; failures (no browser configured) are reported, not thrown. */
function openExternal(url: string, onError: MainWindowOptions['onError']): void {
  shell.openExternal(url).catch((err: unknown) => onError(`cannot open ${url} in the browser`, err));
}

/**
 * The dashboard window: sandboxed, isolated, without Node, locked to the hub's origin. Its
 * remembered bounds are restored onto the displays present now and saved when it closes.
 */
export function createMainWindow(opts: MainWindowOptions): BrowserWindow {
  const displays = screen.getAllDisplays().map((d) => d.workArea);
  const state = restoreWindowState(
    loadWindowState(opts.stateDir),
    displays,
    screen.getPrimaryDisplay().workArea,
  );
  const win = new BrowserWindow({
    ...state.bounds,
    minWidth: MIN_WINDOW_SIZE.width,
    minHeight: MIN_WINDOW_SIZE.height,
    title: 'Launchpad',
    icon: opts.icon,
    show: false,
    autoHideMenuBar: true,
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      spellcheck: false,
    },
  });
  if (state.maximized) win.maximize();
  // Shown once painted (no white flash), or when loading failed so the error page is seen.
  win.once('ready-to-show', () => win.show());
  win.webContents.once('did-fail-load', () => win.show());

  const contents = win.webContents;
  contents.on('will-navigate', (event) => {
    const decision = decideNavigation(event.url, opts.policy());
    if (decision === 'in-window') return;
    event.preventDefault();
    if (decision === 'system-browser') openExternal(event.url, opts.onError);
  });
  // A same-origin page must not be able to bounce the window elsewhere through a redirect.
  contents.on('will-redirect', (event) => {
    if (decideNavigation(event.url, opts.policy()) !== 'in-window') event.preventDefault();
  });
  // No second windows: hub pages open in this one (keeping one set of locks), vetted
  // external pages in the browser, the rest nowhere.
  contents.setWindowOpenHandler(({ url }) => {
    const decision = decideNavigation(url, opts.policy());
    if (decision === 'in-window') {
      win.loadURL(url).catch((err: unknown) => opts.onError(`cannot open ${url}`, err));
    } else if (decision === 'system-browser') {
      openExternal(url, opts.onError);
    }
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());

  win.on('close', (event) => {
    saveWindowState(opts.stateDir, { bounds: win.getNormalBounds(), maximized: win.isMaximized() });
    if (opts.hideOnClose()) {
      event.preventDefault();
      win.hide();
    }
  });
  return win;
}
