import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The installation root (where package.json is), found by walking up from this module:
 * the same code runs from server/ under vitest and from dist/server/ when built.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && JSON.parse(readFileSync(candidate, 'utf8')).name === 'launchpad') return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('launchpad: cannot find its package.json above the running code');
    dir = parent;
  }
}

let cachedVersion: string | undefined;
export function launchpadVersion(): string {
  cachedVersion ??= JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version as string;
  return cachedVersion;
}
