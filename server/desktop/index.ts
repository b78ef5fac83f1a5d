// The desktop shell's decisions, free of Electron so they run (and are tested) in Node.
// electron/ wires Electron objects to these and holds no logic of its own.

export { applyLinuxAutostart, linuxAutostartEntry, linuxAutostartPath } from './autostart.js';
export {
  CERTIFICATE_VERIFY_RESULT,
  type CertificateDecision,
  type CertificateQuestion,
  decideCertificate,
  type PinnedHub,
} from './cert-verify.js';
export {
  DEFAULT_DESKTOP_SETTINGS,
  DESKTOP_SETTINGS_FILE,
  type DesktopSettings,
  type LoadedDesktopSettings,
  loadDesktopSettings,
  parseDesktopSettings,
  saveDesktopSettings,
} from './desktop-settings.js';
export { ELECTRON_INSTALL_HINT, type ElectronBinary, findElectronBinary } from './electron-binary.js';
export { normalizeSha256Fingerprint } from './fingerprint.js';
export { type HubSnapshot, type HubState, HubSupervisor, type SupervisedHub } from './hub-supervisor.js';
export { BRIDGE_METHODS, type BridgeMethod, type DesktopBridge, IPC_CHANNELS } from './ipc-channels.js';
export { checkIpcCall, dataDirPathSchema, IPC_ARGS, type IpcCheck, MAX_COPY_TEXT } from './ipc-contract.js';
export {
  DEFAULT_EXTERNAL_HOSTS,
  decideNavigation,
  type NavigationDecision,
  type NavigationPolicy,
} from './navigation-policy.js';
export { isSameOrigin, originOf } from './origin.js';
export { decidePermission } from './permission-policy.js';
export { DESKTOP_PROBE_KEY, type DesktopProbe } from './probe.js';
export { describeStartError, type StartProblem } from './start-error.js';
export {
  type HubHealth,
  hubHealth,
  TRAY_ICONS,
  type TrayAction,
  type TrayIcon,
  type TrayInput,
  type TrayMenuItem,
  type TrayModel,
  trayMenu,
} from './tray-menu.js';
export {
  DEFAULT_WINDOW_SIZE,
  loadWindowState,
  MIN_WINDOW_SIZE,
  type Rect,
  restoreWindowState,
  saveWindowState,
  type WindowState,
} from './window-state.js';
