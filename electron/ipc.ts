import { ipcMain } from 'electron';
import {
  type BridgeMethod,
  checkIpcCall,
  type DesktopBridge,
  IPC_CHANNELS,
} from '../server/desktop/index.js';

/**
 * Serves the preload's channels. Every call is checked (sender frame on the hub origin,
 * arguments matching the channel's schema) before its handler runs; a refused call rejects
 * in the page and is reported through `onRefused`.
 */
export function serveBridge(
  bridge: DesktopBridge,
  hubOrigin: () => string | null,
  onRefused: (reason: string) => void,
): void {
  const serve = <M extends BridgeMethod>(
    method: M,
    handler: (...args: Parameters<DesktopBridge[M]>) => Promise<void>,
  ) => {
    ipcMain.handle(IPC_CHANNELS[method], async (event, ...args: unknown[]) => {
      const origin = hubOrigin();
      const check =
        origin === null
          ? ({ ok: false, reason: `${method}: the hub is not running` } as const)
          : checkIpcCall(method, event.senderFrame?.url, args, origin);
      if (!check.ok) {
        onRefused(check.reason);
        throw new Error(check.reason);
      }
      await handler(...check.args);
    });
  };
  serve('restartHub', bridge.restartHub);
  serve('copyText', bridge.copyText);
  serve('openDataFolder', bridge.openDataFolder);
  serve('revealLogs', bridge.revealLogs);
  serve('setDataDir', bridge.setDataDir);
}
