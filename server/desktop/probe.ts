import type { PinnedHub } from './cert-verify.js';
import type { TrayModel } from './tray-menu.js';

/**
 * What the Electron main process publishes on `globalThis[DESKTOP_PROBE_KEY]` for the e2e
 * tests, which read it through Playwright's `electronApp.evaluate` (code run in the main
 * process). Read-only views of state the app has anyway; nothing here changes anything.
 */
export interface DesktopProbe {
  trayModel(): TrayModel;
  pinnedHub(): PinnedHub | null;
}

export const DESKTOP_PROBE_KEY = 'launchpadDesktop';
