// The sandboxed preload: exposes `window.launchpad`, one function per IPC channel and nothing
// else (no ipcRenderer, no Node). The main process checks the sender and every argument.
import { contextBridge, ipcRenderer } from 'electron';
import { type DesktopBridge, IPC_CHANNELS } from '../server/desktop/ipc-channels.js';

/** Invokes a channel; the renderer's contract is Promise<void>, so results are dropped. */
async function call(channel: string, ...args: unknown[]): Promise<void> {
  await ipcRenderer.invoke(channel, ...args);
}

const bridge: DesktopBridge = {
  restartHub: () => call(IPC_CHANNELS.restartHub),
  copyText: (text) => call(IPC_CHANNELS.copyText, text),
  openDataFolder: () => call(IPC_CHANNELS.openDataFolder),
  revealLogs: () => call(IPC_CHANNELS.revealLogs),
  setDataDir: (dir, firstStartEnv) =>
    firstStartEnv === undefined
      ? call(IPC_CHANNELS.setDataDir, dir)
      : call(IPC_CHANNELS.setDataDir, dir, firstStartEnv),
};

contextBridge.exposeInMainWorld('launchpad', bridge);
