// `launchpad --server` must run where Electron is absent (hosts, CI, this machine), and
// ARCHITECTURE.md says nothing in server/ imports electron: check the source says so too.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../test/support/hub-process.js';

const LOADS_ELECTRON = /(from\s+|import\s*\(\s*|require\s*\(\s*)['"]electron(\/[^'"]*)?['"]/;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mts|js|mjs|cjs)$/.test(e.name))
    .map((e) => join(e.parentPath, e.name));
}

describe('the server never loads Electron', () => {
  it('no file under server/ or bin/ imports or requires electron', () => {
    const files = [...sourceFiles(join(ROOT, 'server')), ...sourceFiles(join(ROOT, 'bin'))];
    expect(files.length).toBeGreaterThan(20);
    const offenders = files
      .filter((f) => !f.endsWith('no-electron.test.ts'))
      .filter((f) => LOADS_ELECTRON.test(readFileSync(f, 'utf8')))
      .map((f) => relative(ROOT, f));
    expect(offenders).toEqual([]);
  });

  it('the pattern catches the ways a file could load it', () => {
    for (const line of [
      "import { app } from 'electron';",
      'import type { Session } from "electron";',
      "const e = require('electron');",
      "await import('electron/main');",
    ]) {
      expect(LOADS_ELECTRON.test(line), line).toBe(true);
    }
    expect(LOADS_ELECTRON.test("const s = 'electron-builder';")).toBe(false);
  });
});
