import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findElectronBinary } from './electron-binary.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'launchpad-electron-binary-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const pkg = () => join(root, 'node_modules', 'electron');

function installPackage(pathTxt?: string): void {
  mkdirSync(pkg(), { recursive: true });
  writeFileSync(join(pkg(), 'index.js'), 'throw new Error("must never be required")');
  if (pathTxt !== undefined) writeFileSync(join(pkg(), 'path.txt'), pathTxt);
}

function installBinary(dir: string, name = 'electron'): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, '#!/bin/sh\n');
  chmodSync(path, 0o755);
  return path;
}

describe('findElectronBinary', () => {
  it('no electron package at all', () => {
    expect(findElectronBinary(root, {})).toEqual({
      present: false,
      reason: 'the electron package is not installed',
    });
  });

  it('the package without its binary (what an offline npm install leaves)', () => {
    installPackage();
    expect(findElectronBinary(root, {})).toEqual({
      present: false,
      reason: 'the Electron binary is not installed (node_modules/electron/path.txt is missing)',
    });
  });

  it('path.txt naming a file that is not there', () => {
    installPackage('electron');
    const r = findElectronBinary(root, {});
    expect(r.present).toBe(false);
    if (!r.present) expect(r.reason).toContain(join(pkg(), 'dist', 'electron'));
  });

  it('finds the binary that path.txt names under dist/', () => {
    installPackage('electron');
    const path = installBinary(join(pkg(), 'dist'));
    expect(findElectronBinary(root, {})).toEqual({ present: true, path });
  });

  it('reads macOS-style nested paths', () => {
    installPackage('Electron.app/Contents/MacOS/Electron');
    const path = installBinary(join(pkg(), 'dist', 'Electron.app', 'Contents', 'MacOS'), 'Electron');
    expect(findElectronBinary(root, {})).toEqual({ present: true, path });
  });

  it('honours ELECTRON_OVERRIDE_DIST_PATH as the electron package does', () => {
    installPackage('electron');
    const override = join(root, 'custom');
    const path = installBinary(override);
    expect(findElectronBinary(root, { ELECTRON_OVERRIDE_DIST_PATH: override })).toEqual({
      present: true,
      path,
    });
    expect(findElectronBinary(root, { ELECTRON_OVERRIDE_DIST_PATH: join(root, 'nowhere') }).present).toBe(
      false,
    );
  });
});
