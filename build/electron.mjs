#!/usr/bin/env node
// Bundles the Electron main process and preload into dist/electron/ (`npm run build:electron`).
// Needs no Electron binary: esbuild only reads the TypeScript and leaves `electron` external.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = 'dist/electron';
rmSync(new URL(`../${outDir}`, import.meta.url), { recursive: true, force: true });

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  // Electron 45 runs Node 22 and Chromium 140.
  target: ['node22', 'chrome140'],
  sourcemap: true,
  logLevel: 'warning',
};

// The main process is ESM like the rest of the package (its code uses import.meta.url to find
// the installation). Every npm package stays external and is loaded from node_modules at run
// time: native addons (better-sqlite3, ssh2), pino's worker-thread transports and the like
// must be resolved where they are installed, not inlined.
await build({
  ...common,
  entryPoints: ['electron/main.ts'],
  outfile: `${outDir}/main.js`,
  format: 'esm',
  packages: 'external',
});

// A sandboxed preload gets no module loader beyond a few Electron modules: it must be one
// CommonJS file with only `electron` left to require.
await build({
  ...common,
  entryPoints: ['electron/preload.ts'],
  outfile: `${outDir}/preload.cjs`,
  format: 'cjs',
  external: ['electron'],
});

process.stdout.write(`electron: bundled main.js and preload.cjs into ${outDir}/\n`);
