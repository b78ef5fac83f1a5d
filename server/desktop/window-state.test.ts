import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_WINDOW_SIZE,
  loadWindowState,
  MIN_WINDOW_SIZE,
  parseWindowState,
  type Rect,
  restoreWindowState,
  saveWindowState,
  WINDOW_STATE_FILE,
} from './window-state.js';

const PRIMARY: Rect = { x: 0, y: 25, width: 1920, height: 1055 };
const RIGHT: Rect = { x: 1920, y: 0, width: 1280, height: 1024 };
const BOTH = [PRIMARY, RIGHT];

describe('restoreWindowState', () => {
  it('centres the default size on the primary display when nothing is remembered', () => {
    expect(restoreWindowState(null, BOTH, PRIMARY)).toEqual({
      bounds: { x: 360, y: 153, ...DEFAULT_WINDOW_SIZE },
      maximized: false,
    });
  });

  it('keeps a remembered window that fits where it was', () => {
    const saved = { bounds: { x: 2000, y: 100, width: 1000, height: 700 }, maximized: true };
    expect(restoreWindowState(saved, BOTH, PRIMARY)).toEqual(saved);
  });

  it('pulls a window that hangs over the edge fully onto its display', () => {
    const saved = { bounds: { x: 1700, y: -50, width: 1000, height: 700 }, maximized: false };
    // 220 px of it are on the primary display and 780 px on the right one: it goes right.
    expect(restoreWindowState(saved, BOTH, PRIMARY).bounds).toEqual({
      x: 1920,
      y: 0,
      width: 1000,
      height: 700,
    });
  });

  it('shrinks a window larger than its display', () => {
    const saved = { bounds: { x: 0, y: 25, width: 3000, height: 2000 }, maximized: false };
    expect(restoreWindowState(saved, [PRIMARY], PRIMARY).bounds).toEqual(PRIMARY);
  });

  it('moves a window whose display is gone to the primary display, keeping its size', () => {
    const saved = { bounds: { x: 2000, y: 100, width: 1000, height: 700 }, maximized: true };
    expect(restoreWindowState(saved, [PRIMARY], PRIMARY)).toEqual({
      bounds: { x: 460, y: 203, width: 1000, height: 700 },
      maximized: true,
    });
  });

  it('treats a window showing only a sliver on a display as lost', () => {
    const saved = { bounds: { x: 1900, y: 100, width: 1000, height: 700 }, maximized: false };
    expect(restoreWindowState(saved, [PRIMARY], PRIMARY).bounds).toEqual({
      x: 460,
      y: 203,
      width: 1000,
      height: 700,
    });
  });

  it('grows a too-small remembered size to the minimum', () => {
    const saved = { bounds: { x: 10, y: 30, width: 100, height: 100 }, maximized: false };
    expect(restoreWindowState(saved, [PRIMARY], PRIMARY).bounds).toEqual({
      x: 10,
      y: 30,
      ...MIN_WINDOW_SIZE,
    });
  });

  it('copes with a display smaller than the minimum size', () => {
    const tiny: Rect = { x: 0, y: 0, width: 320, height: 240 };
    expect(restoreWindowState(null, [tiny], tiny).bounds).toEqual(tiny);
  });
});

describe('parseWindowState', () => {
  it('accepts a well-formed state', () => {
    const s = { bounds: { x: -1200, y: 0, width: 800, height: 600 }, maximized: false };
    expect(parseWindowState(s)).toEqual(s);
  });

  it('rejects anything else', () => {
    for (const v of [
      null,
      [],
      'x',
      { bounds: { x: 0, y: 0, width: 0, height: 600 }, maximized: false },
      { bounds: { x: 0.5, y: 0, width: 800, height: 600 }, maximized: false },
      { bounds: { x: Number.NaN, y: 0, width: 800, height: 600 }, maximized: false },
      { bounds: { x: 0, y: 0, width: 1e9, height: 600 }, maximized: false },
      { bounds: { x: 0, y: 0, width: 800 }, maximized: false },
      { bounds: { x: 0, y: 0, width: 800, height: 600 } },
    ]) {
      expect(parseWindowState(v), JSON.stringify(v)).toBeNull();
    }
  });
});

describe('window state file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'launchpad-window-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('round-trips, rounding fractional bounds (HiDPI scaling reports them)', () => {
    saveWindowState(dir, { bounds: { x: 10.4, y: 20.6, width: 800.5, height: 600 }, maximized: true });
    expect(loadWindowState(dir)).toEqual({
      bounds: { x: 10, y: 21, width: 801, height: 600 },
      maximized: true,
    });
  });

  it('is null when absent or corrupt', () => {
    expect(loadWindowState(dir)).toBeNull();
    writeFileSync(join(dir, WINDOW_STATE_FILE), '{nope');
    expect(loadWindowState(dir)).toBeNull();
  });

  it('does not overwrite a good state with nonsense bounds', () => {
    saveWindowState(dir, { bounds: { x: 1, y: 2, width: 800, height: 600 }, maximized: false });
    saveWindowState(dir, { bounds: { x: 0, y: 0, width: 0, height: 0 }, maximized: false });
    expect(loadWindowState(dir)?.bounds).toEqual({ x: 1, y: 2, width: 800, height: 600 });
  });
});
