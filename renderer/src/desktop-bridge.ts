/**
 * What the desktop window's preload exposes as `window.launchpad`. Browsers have no bridge;
 * every caller must work without it (show the CLI command instead of a button).
 * The Electron preload implements exactly this interface.
 */
export interface DesktopBridge {
  /** Stops the in-process hub and starts it again with the stored settings. */
  restartHub(): Promise<void>;
  copyText(text: string): Promise<void>;
  openDataFolder(): Promise<void>;
  revealLogs(): Promise<void>;
  /** Makes the app use another data dir from its next hub start on. */
  setDataDir(dir: string): Promise<void>;
}

declare global {
  interface Window {
    launchpad?: DesktopBridge;
  }
}

/** The bridge when running in the desktop window, otherwise null. */
export function desktopBridge(): DesktopBridge | null {
  return window.launchpad ?? null;
}
