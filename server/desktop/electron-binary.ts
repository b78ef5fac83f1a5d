import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type ElectronBinary = { present: true; path: string } | { present: false; reason: string };

/** How to get the binary, for the one-line notices of `npm start` and the e2e skips. */
export const ELECTRON_INSTALL_HINT =
  'when online, run `node node_modules/electron/install.js` to download it';

/**
 * Finds the Electron executable of the `electron` npm package under `packageRoot` the way
 * that package does (node_modules/electron/path.txt names it under dist/, or under
 * ELECTRON_OVERRIDE_DIST_PATH), but without ever requiring the package: its index.js starts
 * a download when the binary is missing, which must not happen on an offline machine.
 */
export function findElectronBinary(
  packageRoot: string,
  env: NodeJS.ProcessEnv = process.env,
): ElectronBinary {
  const pkgDir = join(packageRoot, 'node_modules', 'electron');
  const pathFile = join(pkgDir, 'path.txt');
  const named = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const path = join(override, named || 'electron');
    return existsSync(path)
      ? { present: true, path }
      : { present: false, reason: `ELECTRON_OVERRIDE_DIST_PATH has no Electron executable (${path})` };
  }
  if (!existsSync(pkgDir)) return { present: false, reason: 'the electron package is not installed' };
  if (named === null || named === '') {
    return {
      present: false,
      reason: 'the Electron binary is not installed (node_modules/electron/path.txt is missing)',
    };
  }
  const path = join(pkgDir, 'dist', named);
  return existsSync(path)
    ? { present: true, path }
    : { present: false, reason: `the Electron binary is not installed (${path} is missing)` };
}
