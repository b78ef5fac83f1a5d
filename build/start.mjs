#!/usr/bin/env node
// `npm start` (after `npm run build`): the desktop app when the Electron binary is installed,
// otherwise one line saying so and the headless hub, which prints its sign-in URL.
// Arguments after `npm start --` go to either.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const detector = new URL('../dist/server/desktop/electron-binary.js', import.meta.url);
if (!existsSync(fileURLToPath(detector))) {
  process.stderr.write('launchpad: dist/server is missing; run `npm run build` first.\n');
  process.exit(1);
}
const { ELECTRON_INSTALL_HINT, findElectronBinary } = await import(detector.href);
const args = process.argv.slice(2);
const electron = findElectronBinary(root);

if (electron.present) {
  const child = spawn(electron.path, [root, ...args], { cwd: root, stdio: 'inherit' });
  // The app quits cleanly (hub stopped, lock released) on these; pass them on.
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  process.stdout.write(
    `launchpad: ${electron.reason}, so running the headless hub instead (${ELECTRON_INSTALL_HINT}).\n`,
  );
  // The same CLI as `launchpad --server`, in this process: signals reach the hub directly.
  process.argv.splice(2, 0, '--server');
  await import('../bin/launchpad.mjs');
}
