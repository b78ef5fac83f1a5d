import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_DESKTOP_SETTINGS,
  DESKTOP_SETTINGS_FILE,
  loadDesktopSettings,
  parseDesktopSettings,
  saveDesktopSettings,
} from './desktop-settings.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'launchpad-desktop-settings-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const file = () => join(dir, DESKTOP_SETTINGS_FILE);

describe('desktop settings', () => {
  it('defaults: close to tray, no start at login, no data dir override', () => {
    expect(DEFAULT_DESKTOP_SETTINGS).toEqual({
      closeToTray: true,
      startAtLogin: false,
      dataDir: null,
      firstStartEnv: null,
    });
    expect(loadDesktopSettings(dir)).toEqual({ settings: DEFAULT_DESKTOP_SETTINGS, problem: null });
  });

  it('round-trips through the file, which only its owner can read', () => {
    const s = {
      closeToTray: false,
      startAtLogin: true,
      dataDir: '/srv/launchpad',
      firstStartEnv: { COCALC_PRODUCT: 'launchpad', COCALC_DEPLOYMENT_MODE: 'local' },
    };
    saveDesktopSettings(dir, s);
    expect(loadDesktopSettings(dir)).toEqual({ settings: s, problem: null });
    expect(statSync(file()).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file(), 'utf8'))).toEqual(s);
  });

  it('falls back to the defaults on a corrupt file and says why', () => {
    writeFileSync(file(), '{"closeToTray": fal');
    const loaded = loadDesktopSettings(dir);
    expect(loaded.settings).toEqual(DEFAULT_DESKTOP_SETTINGS);
    expect(loaded.problem).toMatch(/^not JSON: .*; using defaults$/);
  });

  it('falls back to the defaults when the file is JSON but not an object', () => {
    for (const text of ['[]', 'null', '"x"', '3']) {
      writeFileSync(file(), text);
      const loaded = loadDesktopSettings(dir);
      expect(loaded.settings, text).toEqual(DEFAULT_DESKTOP_SETTINGS);
      expect(loaded.problem, text).toBe('not a JSON object; using defaults');
    }
  });

  it('replaces only the invalid fields and keeps the valid ones', () => {
    writeFileSync(
      file(),
      JSON.stringify({ closeToTray: false, startAtLogin: 'yes', dataDir: 'relative/dir' }),
    );
    expect(loadDesktopSettings(dir)).toEqual({
      settings: { closeToTray: false, startAtLogin: false, dataDir: null, firstStartEnv: null },
      problem: 'invalid startAtLogin, dataDir; using the default for it',
    });
  });

  it('ignores unknown keys (a newer version’s file) without complaint', () => {
    expect(parseDesktopSettings({ closeToTray: false, futureThing: 1 })).toEqual({
      settings: { closeToTray: false, startAtLogin: false, dataDir: null, firstStartEnv: null },
      problem: null,
    });
  });

  it('refuses to store an invalid data dir', () => {
    expect(() =>
      saveDesktopSettings(dir, {
        closeToTray: true,
        startAtLogin: false,
        dataDir: 'rel',
        firstStartEnv: null,
      }),
    ).toThrow();
    expect(loadDesktopSettings(dir).problem).toBeNull();
  });

  it('creates the userData dir when it does not exist yet', () => {
    const nested = join(dir, 'a', 'b');
    saveDesktopSettings(nested, { ...DEFAULT_DESKTOP_SETTINGS, startAtLogin: true });
    expect(loadDesktopSettings(nested).settings.startAtLogin).toBe(true);
  });
});
