// The desktop bridge's names, apart from its zod schemas: the sandboxed preload bundles this
// file and must stay small (no zod, no Node).

/**
 * `window.launchpad` in the desktop window. Mirrors renderer/src/desktop-bridge.ts (the
 * renderer's side of the same contract; neither imports the other).
 */
export interface DesktopBridge {
  restartHub(): Promise<void>;
  copyText(text: string): Promise<void>;
  openDataFolder(): Promise<void>;
  revealLogs(): Promise<void>;
  setDataDir(dir: string): Promise<void>;
}

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
