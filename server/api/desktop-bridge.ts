/**
 * What the desktop window's preload exposes as `window.launchpad`: the one definition shared by
 * the renderer (caller) and the Electron shell (implementation). Browsers have no bridge.
 */
export interface DesktopBridge {
  /** Stops the in-process hub and starts it again with the stored settings. */
  restartHub(): Promise<void>;
  copyText(text: string): Promise<void>;
  openDataFolder(): Promise<void>;
  revealLogs(): Promise<void>;
  /**
   * Makes the app use another data dir from its next start on (the app relaunches).
   * `firstStartEnv` (COCALC_* variables, e.g. from the setup wizard) supplies that data dir's
   * settings until it has stored its own.
   */
  setDataDir(dir: string, firstStartEnv?: Record<string, string>): Promise<void>;
}
