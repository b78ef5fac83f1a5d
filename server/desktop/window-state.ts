import { join } from 'node:path';
import { z } from 'zod';
import { readJsonFile, writeJsonFile } from './json-file.js';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  /** Bounds of the window when not maximized. */
  bounds: Rect;
  maximized: boolean;
}

export const DEFAULT_WINDOW_SIZE = { width: 1200, height: 800 } as const;
/** The renderer's narrowest supported layout is 360 px. */
export const MIN_WINDOW_SIZE = { width: 360, height: 400 } as const;
/** A remembered window must show at least this much of itself on some display to be put back there. */
const MIN_VISIBLE = 64;
export const WINDOW_STATE_FILE = 'window-state.json';

const coordinate = z.number().int().min(-100_000).max(100_000);
const extent = z.number().int().min(1).max(100_000);
const stateSchema = z.object({
  bounds: z.object({ x: coordinate, y: coordinate, width: extent, height: extent }),
  maximized: z.boolean(),
});

/** A remembered state, or null when the value is not one (a corrupt or foreign file). */
export function parseWindowState(value: unknown): WindowState | null {
  const parsed = stateSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

function overlap(a: Rect, b: Rect): { width: number; height: number } {
  return {
    width: Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)),
    height: Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)),
  };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

/** `size` made to fit `area` (never below the minimum unless the area itself is smaller). */
function fitSize(size: { width: number; height: number }, area: Rect): { width: number; height: number } {
  return {
    width: clamp(size.width, Math.min(MIN_WINDOW_SIZE.width, area.width), area.width),
    height: clamp(size.height, Math.min(MIN_WINDOW_SIZE.height, area.height), area.height),
  };
}

function centered(size: { width: number; height: number }, area: Rect): Rect {
  const fitted = fitSize(size, area);
  return {
    ...fitted,
    x: Math.round(area.x + (area.width - fitted.width) / 2),
    y: Math.round(area.y + (area.height - fitted.height) / 2),
  };
}

/**
 * Where to open the window, given what was remembered and the displays' work areas now.
 * A window that still shows enough of itself on a display is kept there, shrunk to fit and
 * pulled fully inside it; one whose display is gone (or that has nothing remembered) opens
 * centred on the primary display, with its remembered size if that fits.
 */
export function restoreWindowState(
  saved: WindowState | null,
  workAreas: readonly Rect[],
  primary: Rect,
): WindowState {
  if (saved === null) return { bounds: centered(DEFAULT_WINDOW_SIZE, primary), maximized: false };
  let best: { area: Rect; visible: number } | null = null;
  for (const area of workAreas) {
    const o = overlap(saved.bounds, area);
    if (o.width < MIN_VISIBLE || o.height < MIN_VISIBLE) continue;
    const visible = o.width * o.height;
    if (best === null || visible > best.visible) best = { area, visible };
  }
  if (best === null) return { bounds: centered(saved.bounds, primary), maximized: saved.maximized };
  const { area } = best;
  const size = fitSize(saved.bounds, area);
  return {
    bounds: {
      ...size,
      x: clamp(saved.bounds.x, area.x, area.x + area.width - size.width),
      y: clamp(saved.bounds.y, area.y, area.y + area.height - size.height),
    },
    maximized: saved.maximized,
  };
}

/** The remembered state from `<userData>/window-state.json`, or null when absent or unusable. */
export function loadWindowState(userDataDir: string): WindowState | null {
  const read = readJsonFile(join(userDataDir, WINDOW_STATE_FILE));
  return read.found && 'value' in read ? parseWindowState(read.value) : null;
}

export function saveWindowState(userDataDir: string, state: WindowState): void {
  const bounds = {
    x: Math.round(state.bounds.x),
    y: Math.round(state.bounds.y),
    width: Math.round(state.bounds.width),
    height: Math.round(state.bounds.height),
  };
  const checked = parseWindowState({ bounds, maximized: state.maximized });
  // Electron can report odd bounds for a minimized window on some platforms; keep the last good state.
  if (checked !== null) writeJsonFile(join(userDataDir, WINDOW_STATE_FILE), checked);
}
