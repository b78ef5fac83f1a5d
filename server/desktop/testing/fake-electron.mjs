// A stand-in for the `electron` module, so the bundled main process (dist/electron/main.js)
// can run under plain Node where the Electron binary is missing. It records what the app
// does as JSON lines on stdout ("FAKE_ELECTRON {...}") and takes commands as JSON lines on
// stdin that play the part of Chromium and the user (a certificate check, an IPC call, a
// tray click, a navigation). Only the API surface electron/ uses is here.
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

export const EVENT_PREFIX = 'FAKE_ELECTRON ';

function emitEvent(event) {
  process.stdout.write(`${EVENT_PREFIX}${JSON.stringify(event)}\n`);
}

/** An Electron-style event object: records whether a listener called preventDefault. */
function cancellable(fields = {}) {
  const event = {
    ...fields,
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
}

// --- app ----------------------------------------------------------------------------------------

const paths = new Map();
class App extends EventEmitter {
  isPackaged = false;
  #quitting = false;
  enableSandbox() {
    emitEvent({ type: 'enable-sandbox' });
  }
  setPath(name, value) {
    paths.set(name, value);
  }
  getPath(name) {
    const path = paths.get(name);
    if (!path) throw new Error(`fake electron: no path ${name}`);
    return path;
  }
  getAppPath() {
    return process.cwd();
  }
  requestSingleInstanceLock() {
    return true;
  }
  whenReady() {
    return new Promise((resolve) => setImmediate(resolve));
  }
  setAppUserModelId(id) {
    emitEvent({ type: 'app-user-model-id', id });
  }
  getLoginItemSettings() {
    return { openAtLogin: false, wasOpenedAtLogin: false };
  }
  setLoginItemSettings(settings) {
    emitEvent({ type: 'login-item', settings });
  }
  relaunch(options) {
    emitEvent({ type: 'relaunch', options: options ?? null });
  }
  quit() {
    if (this.#quitting) return;
    const event = cancellable();
    this.emit('before-quit', event);
    if (event.defaultPrevented) return;
    this.#quitting = true;
    for (const win of BrowserWindow.getAllWindows()) win.close();
    this.emit('will-quit', cancellable());
    emitEvent({ type: 'quit' });
    process.exit(0);
  }
  exit(code = 0) {
    emitEvent({ type: 'exit', code });
    process.exit(code);
  }
}
export const app = new App();

// --- windows ------------------------------------------------------------------------------------

const windows = [];
class WebContents extends EventEmitter {
  windowOpenHandler = null;
  setWindowOpenHandler(handler) {
    this.windowOpenHandler = handler;
  }
}

export class BrowserWindow extends EventEmitter {
  static getAllWindows() {
    return windows.filter((w) => !w.destroyed);
  }
  destroyed = false;
  visible = false;
  maximized = false;
  constructor(options) {
    super();
    this.options = options;
    this.bounds = { x: options.x, y: options.y, width: options.width, height: options.height };
    this.webContents = new WebContents();
    windows.push(this);
    const { preload, ...webPreferences } = options.webPreferences ?? {};
    emitEvent({
      type: 'window',
      bounds: this.bounds,
      webPreferences,
      preload,
      preloadExists: typeof preload === 'string' && existsSync(preload),
      iconExists: typeof options.icon === 'string' && existsSync(options.icon),
    });
  }
  loadURL(url) {
    this.url = url;
    emitEvent({ type: 'load', url });
    setImmediate(() => this.emit('ready-to-show'));
    return Promise.resolve();
  }
  isDestroyed() {
    return this.destroyed;
  }
  show() {
    this.visible = true;
    emitEvent({ type: 'window-visible', visible: true });
  }
  hide() {
    this.visible = false;
    emitEvent({ type: 'window-visible', visible: false });
  }
  focus() {
    emitEvent({ type: 'window-focus' });
  }
  restore() {
    emitEvent({ type: 'window-restore' });
  }
  isMinimized() {
    return false;
  }
  maximize() {
    this.maximized = true;
  }
  isMaximized() {
    return this.maximized;
  }
  getNormalBounds() {
    return this.bounds;
  }
  close() {
    const event = cancellable();
    this.emit('close', event);
    if (event.defaultPrevented) return;
    this.destroyed = true;
    this.emit('closed');
    if (BrowserWindow.getAllWindows().length === 0) app.emit('window-all-closed');
  }
}

export const screen = {
  getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
  getPrimaryDisplay: () => ({ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }),
};

// --- session, IPC ---------------------------------------------------------------------------------

const hooks = { verify: null, permissionRequest: null, permissionCheck: null };
export const session = {
  defaultSession: {
    setCertificateVerifyProc(proc) {
      hooks.verify = proc;
    },
    setPermissionRequestHandler(handler) {
      hooks.permissionRequest = handler;
    },
    setPermissionCheckHandler(handler) {
      hooks.permissionCheck = handler;
    },
  },
};

const ipcHandlers = new Map();
export const ipcMain = {
  handle(channel, handler) {
    if (ipcHandlers.has(channel)) throw new Error(`fake electron: second handler for ${channel}`);
    ipcHandlers.set(channel, handler);
  },
};

// --- tray, menus, images -----------------------------------------------------------------------

let trayMenu = null;
export const nativeImage = {
  createFromPath(path) {
    return { path, exists: existsSync(path) };
  },
};
export const Menu = {
  buildFromTemplate(template) {
    return { template };
  },
};
export class Tray extends EventEmitter {
  constructor(image) {
    super();
    this.image = image;
  }
  setImage(image) {
    this.image = image;
  }
  setToolTip(tooltip) {
    this.tooltip = tooltip;
  }
  setContextMenu(menu) {
    trayMenu = menu;
    emitEvent({
      type: 'tray',
      icon: this.image.path,
      iconExists: this.image.exists,
      tooltip: this.tooltip,
      items: menu.template.map(({ click, ...item }) => ({ ...item, clickable: typeof click === 'function' })),
    });
  }
  destroy() {
    emitEvent({ type: 'tray-destroyed' });
  }
}

// --- the desktop around the app ---------------------------------------------------------------------

export const clipboard = {
  writeText(text) {
    emitEvent({ type: 'clipboard', text });
  },
};
export const shell = {
  openExternal(url) {
    emitEvent({ type: 'open-external', url });
    return Promise.resolve();
  },
  openPath(path) {
    emitEvent({ type: 'open-path', path });
    return Promise.resolve('');
  },
};
export const dialog = {
  showMessageBox(options) {
    emitEvent({ type: 'dialog', title: options.title, detail: options.detail });
    return Promise.resolve({ response: 0 });
  },
  showErrorBox(title, content) {
    emitEvent({ type: 'error-box', title, content });
  },
};

// --- commands from the test ------------------------------------------------------------------------

function mainWindow() {
  const win = BrowserWindow.getAllWindows()[0];
  if (!win) throw new Error('no window');
  return win;
}

const commands = {
  verify: ({ hostname, fingerprint }) =>
    new Promise((resolve) => hooks.verify({ hostname, certificate: { fingerprint } }, resolve)),
  permission: ({ permission, url }) => hooks.permissionCheck(null, permission, url),
  ipc: async ({ channel, senderUrl, args }) => {
    const handler = ipcHandlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return handler({ senderFrame: senderUrl === null ? null : { url: senderUrl } }, ...args);
  },
  channels: () => [...ipcHandlers.keys()].sort(),
  'tray-click': ({ item: itemId, checked }) => {
    const item = trayMenu?.template.find((i) => i.id === itemId);
    if (!item?.click) throw new Error(`no clickable tray item ${itemId}`);
    item.click({ checked: checked ?? false });
    return true;
  },
  navigate: ({ url }) => {
    const event = cancellable({ url });
    mainWindow().webContents.emit('will-navigate', event);
    return event.defaultPrevented ? 'prevented' : 'allowed';
  },
  redirect: ({ url }) => {
    const event = cancellable({ url });
    mainWindow().webContents.emit('will-redirect', event);
    return event.defaultPrevented ? 'prevented' : 'allowed';
  },
  'window-open': ({ url }) => mainWindow().webContents.windowOpenHandler({ url }).action,
  'close-window': () => {
    mainWindow().close();
    return BrowserWindow.getAllWindows().map((w) => w.visible);
  },
  'second-instance': () => {
    app.emit('second-instance');
    return true;
  },
  quit: () => {
    app.quit();
    return true;
  },
};

createInterface({ input: process.stdin }).on('line', (line) => {
  const { id, cmd, ...args } = JSON.parse(line);
  Promise.resolve()
    .then(() => commands[cmd](args))
    .then(
      (result) => emitEvent({ type: 'reply', id, result: result ?? null }),
      (err) => emitEvent({ type: 'reply', id, error: err.message }),
    );
});
