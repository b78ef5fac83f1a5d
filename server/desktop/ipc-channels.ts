// The desktop bridge's names, apart from its zod schemas: the sandboxed preload bundles this
// file and must stay small (no zod, no Node).

import type { DesktopBridge } from '../api/desktop-bridge.js';

export type { DesktopBridge };

export type BridgeMethod = keyof DesktopBridge;

/** One IPC channel per bridge function. */
export const IPC_CHANNELS = {
  restartHub: 'launchpad:restart-hub',
  copyText: 'launchpad:copy-text',
  openDataFolder: 'launchpad:open-data-folder',
  revealLogs: 'launchpad:reveal-logs',
  setDataDir: 'launchpad:set-data-dir',
} as const satisfies Record<BridgeMethod, string>;

export const BRIDGE_METHODS = Object.keys(IPC_CHANNELS) as BridgeMethod[];
