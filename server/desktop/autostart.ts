import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

// Electron's app.setLoginItemSettings covers macOS and Windows only; on Linux "start at
// login" is an XDG autostart entry (~/.config/autostart/*.desktop), which we manage here.

export const AUTOSTART_FILE_NAME = 'launchpad.desktop';

/** Where the autostart entry lives: `$XDG_CONFIG_HOME/autostart`, else `~/.config/autostart`. */
export function linuxAutostartPath(env: NodeJS.ProcessEnv = process.env): string {
  const configHome = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(configHome, 'autostart', AUTOSTART_FILE_NAME);
}

/** An Exec= argument, quoted as the Desktop Entry spec requires when it has special characters. */
function quoteExecArg(arg: string): string {
  if (/^[A-Za-z0-9_\-./=:@%+,]+$/.test(arg)) return arg;
  return `"${arg.replace(/[\\"`$]/g, (c) => `\\${c}`)}"`;
}

/**
 * The autostart entry for the running app. An AppImage runs from a mount that changes every
 * time, so it must name the AppImage file itself ($APPIMAGE), not the executable inside.
 */
export function linuxAutostartEntry(opts: {
  execPath: string;
  args?: readonly string[];
  env?: NodeJS.ProcessEnv;
}): string {
  const exec = opts.env?.APPIMAGE || opts.execPath;
  const command = [exec, ...(opts.args ?? [])].map(quoteExecArg).join(' ').replace(/%/g, '%%');
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Launchpad',
    'Comment=Start the Launchpad hub in the tray',
    `Exec=${command}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/** Creates or removes the autostart entry at `path`. */
export function applyLinuxAutostart(enabled: boolean, path: string, entry: string): void {
  if (!enabled) {
    rmSync(path, { force: true });
    return;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, entry);
}
