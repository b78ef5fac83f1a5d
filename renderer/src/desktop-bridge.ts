import type { DesktopBridge } from '../../server/api/index.js';

export type { DesktopBridge };

declare global {
  interface Window {
    launchpad?: DesktopBridge;
  }
}

/** The bridge when running in the desktop window, otherwise null. */
export function desktopBridge(): DesktopBridge | null {
  return window.launchpad ?? null;
}
