import { join } from 'node:path';
import { z } from 'zod';
import { dataDirPathSchema, firstStartEnvSchema } from './ipc-contract.js';
import { readJsonFile, writeJsonFile } from './json-file.js';

/** The desktop shell's own preferences (the hub's settings live in its database, not here). */
const settingsSchema = z
  .object({
    /** Closing the window hides it and the hub keeps running in the tray; false quits. */
    closeToTray: z.boolean(),
    startAtLogin: z.boolean(),
    /** Data dir chosen in the UI; null uses COCALC_DATA_DIR or the platform default. */
    dataDir: dataDirPathSchema.nullable(),
    /** COCALC_* defaults for that data dir (from the setup wizard) until it stores its own settings. */
    firstStartEnv: firstStartEnvSchema.nullable(),
  })
  .strict();
export type DesktopSettings = z.infer<typeof settingsSchema>;

export const DEFAULT_DESKTOP_SETTINGS: Readonly<DesktopSettings> = Object.freeze({
  closeToTray: true,
  startAtLogin: false,
  dataDir: null,
  firstStartEnv: null,
});

export const DESKTOP_SETTINGS_FILE = 'desktop-settings.json';

// Each field falls back on its own: one bad value (an edited file, an older version's
// format) must not throw away the others.
const fileSchema = z.object({
  closeToTray: settingsSchema.shape.closeToTray.catch(DEFAULT_DESKTOP_SETTINGS.closeToTray),
  startAtLogin: settingsSchema.shape.startAtLogin.catch(DEFAULT_DESKTOP_SETTINGS.startAtLogin),
  dataDir: settingsSchema.shape.dataDir.catch(DEFAULT_DESKTOP_SETTINGS.dataDir),
  firstStartEnv: settingsSchema.shape.firstStartEnv.catch(DEFAULT_DESKTOP_SETTINGS.firstStartEnv),
});

export interface LoadedDesktopSettings {
  settings: DesktopSettings;
  /** Why (part of) the file was ignored, for the log; null when it was fine or absent. */
  problem: string | null;
}

/** Validates parsed file content; anything unusable becomes the default. */
export function parseDesktopSettings(value: unknown): LoadedDesktopSettings {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { settings: { ...DEFAULT_DESKTOP_SETTINGS }, problem: 'not a JSON object; using defaults' };
  }
  const settings = fileSchema.parse({ ...DEFAULT_DESKTOP_SETTINGS, ...value });
  const invalid = (Object.keys(settings) as (keyof DesktopSettings)[]).filter(
    (k) =>
      k in value &&
      // Compared as JSON: parsing copies objects (firstStartEnv), so identity would always differ.
      JSON.stringify((value as Record<string, unknown>)[k]) !== JSON.stringify(settings[k]),
  );
  return {
    settings,
    problem: invalid.length > 0 ? `invalid ${invalid.join(', ')}; using the default for it` : null,
  };
}

/** Reads `<userData>/desktop-settings.json`; a missing or corrupt file gives the defaults. */
export function loadDesktopSettings(userDataDir: string): LoadedDesktopSettings {
  const read = readJsonFile(join(userDataDir, DESKTOP_SETTINGS_FILE));
  if (!read.found) return { settings: { ...DEFAULT_DESKTOP_SETTINGS }, problem: null };
  if ('error' in read)
    return { settings: { ...DEFAULT_DESKTOP_SETTINGS }, problem: `${read.error}; using defaults` };
  return parseDesktopSettings(read.value);
}

/** Stores the settings after checking them (a bad dataDir throws rather than being written). */
export function saveDesktopSettings(userDataDir: string, settings: DesktopSettings): void {
  writeJsonFile(join(userDataDir, DESKTOP_SETTINGS_FILE), settingsSchema.parse(settings));
}
