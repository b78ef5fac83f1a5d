import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyLinuxAutostart, linuxAutostartEntry, linuxAutostartPath } from './autostart.js';

describe('Linux autostart entry', () => {
  it('lives in XDG_CONFIG_HOME/autostart, else ~/.config/autostart', () => {
    expect(linuxAutostartPath({ XDG_CONFIG_HOME: '/x/cfg', HOME: '/home/me' })).toBe(
      '/x/cfg/autostart/launchpad.desktop',
    );
    expect(linuxAutostartPath({ HOME: '/home/me' })).toBe('/home/me/.config/autostart/launchpad.desktop');
  });

  it('runs the installed executable', () => {
    const entry = linuxAutostartEntry({ execPath: '/opt/Launchpad/launchpad', env: {} });
    expect(entry).toContain('[Desktop Entry]\nType=Application\nName=Launchpad\n');
    expect(entry).toContain('\nExec=/opt/Launchpad/launchpad\n');
  });

  it('runs the AppImage file rather than its temporary mount', () => {
    const entry = linuxAutostartEntry({
      execPath: '/tmp/.mount_LaunchXYZ/launchpad',
      env: { APPIMAGE: '/home/me/Apps/Launchpad-0.1.0.AppImage' },
    });
    expect(entry).toContain('\nExec=/home/me/Apps/Launchpad-0.1.0.AppImage\n');
  });

  it('quotes arguments with spaces and escapes the characters the spec reserves', () => {
    const entry = linuxAutostartEntry({
      execPath: '/opt/My Apps/launchpad',
      args: ['--flag', 'a"b$c', '100%'],
      env: {},
    });
    expect(entry).toContain('\nExec="/opt/My Apps/launchpad" --flag "a\\"b\\$c" 100%%\n');
  });

  describe('applyLinuxAutostart', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'launchpad-autostart-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('creates the entry (and its folder) when enabled and removes it when disabled', () => {
      const path = join(dir, 'autostart', 'launchpad.desktop');
      applyLinuxAutostart(true, path, 'ENTRY');
      expect(readFileSync(path, 'utf8')).toBe('ENTRY');
      applyLinuxAutostart(false, path, 'ENTRY');
      expect(existsSync(path)).toBe(false);
      applyLinuxAutostart(false, path, 'ENTRY');
      expect(existsSync(path)).toBe(false);
    });
  });
});
